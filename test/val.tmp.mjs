import validator from "gltf-validator";
import { readFileSync } from "node:fs";
const r = await validator.validateBytes(new Uint8Array(readFileSync(process.argv[2])));
console.log(JSON.stringify(r.issues, null, 1).slice(0, 3000));
