/**
 * Writes the derived 3DMM head mesh, plugin/reconstruction/data/ict-head-mesh.bin, from the
 * ICT-FaceKit folder (default ../shared/ict-facekit, or the first argument):
 *     npx tsx test/reconstruction/writeIctHeadMesh.ts [ictFolder]
 */
import { writeFile } from "node:fs/promises";
import { IctHeadMesh } from "../../plugin/reconstruction/ictHeadMesh";
import { DiskReader } from "../support/nodeFiles";
import { DefaultIctFolder, DerivedHeadMeshPath } from "./reconstructionFixtures";

const folder = process.argv[2] ?? DefaultIctFolder;
const mesh = await IctHeadMesh.FromIctFolderAsync(DiskReader(folder));
const bytes = new Uint8Array(mesh.serialize());
await writeFile(DerivedHeadMeshPath, bytes);
console.log(`wrote ${DerivedHeadMeshPath} (${bytes.byteLength} bytes, ${mesh.vertexCount} vertices, ${mesh.triangleCount} triangles) from ${folder}`);
