/**
 * Writes the browser's derived 3DMM landmark basis, plugin/reconstruction/data/ict-landmarks68.bin,
 * from the ICT-FaceKit folder (default ../shared/ict-facekit, or the first argument):
 *     npx tsx test/reconstruction/writeIctLandmarkBasis.ts [ictFolder]
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { DiskReader } from "../support/nodeFiles";
import { DefaultIctFolder, DerivedBasisPath } from "./reconstructionFixtures";

const folder = process.argv[2] ?? DefaultIctFolder;
const basis = await IctLandmarkBasis.FromIctFolderAsync(DiskReader(folder));
const bytes = new Uint8Array(basis.serialize());
await writeFile(DerivedBasisPath, bytes);
console.log(`wrote ${DerivedBasisPath} (${bytes.byteLength} bytes) from ${join(folder)}`);
