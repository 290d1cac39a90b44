// Writes an avatar .glb from a pack's generator G(α):
// `tsx sample-scene/writeGeneratedAvatar.ts PACK_DIR OUT.glb PACK_URI [seed]` (no seed: α = 0, the mean head).
import { dirname } from "node:path";
import { mkdirSync, writeFileSync } from "node:fs";
import { ModelPack } from "../plugin/pack/modelPack";
import { GenerateAvatarAssetAsync } from "../plugin/pack/avatarGenerator";
import { WriteAvatarGlb } from "../plugin/loader/avatarGlb";
import { DiskReader } from "../test/support/nodeFiles";
import { Random } from "../test/support/packWriter";

const [packDir, out, packUri, seed] = process.argv.slice(2);
if (!packDir || !out || !packUri) {
    console.error("usage: tsx sample-scene/writeGeneratedAvatar.ts PACK_DIR OUT.glb PACK_URI [seed]");
    process.exit(2);
}
const pack = await ModelPack.LoadAsync(DiskReader(packDir));
const alpha = new Float32Array(pack.manifest.alphaDims);
if (seed !== undefined) {
    const rand = Random(Number(seed));
    for (let i = 0; i < alpha.length; i++) {
        alpha[i] = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
    }
}
const asset = await GenerateAvatarAssetAsync(pack, alpha);
asset.packUri = packUri;
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, await WriteAvatarGlb(asset, seed === undefined ? `${pack.id}-mean` : `${pack.id}-${seed}`));
console.log(`wrote ${out}`);
