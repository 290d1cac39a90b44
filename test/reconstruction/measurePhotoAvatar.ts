/**
 * Times photo → avatar (`ReconstructAvatarAsync` without the fallback mesh, as
 * `AvatarVolume.FromPhotoAsync` runs it) on face-api's six demo photos, in one Node process (the
 * detector loaded once; the first photo also loads the head mesh and the regressor), wall clock and
 * CPU time side by side:
 *     npx tsx test/reconstruction/measurePhotoAvatar.ts [photo.jpg …]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ModelPack } from "../../plugin/pack/modelPack";
import { FaceLandmarkDetector } from "../../plugin/reconstruction/faceLandmarkDetector";
import { PersonSegmenter } from "../../plugin/reconstruction/personSegmenter";
import { ReconstructAvatarAsync } from "../../plugin/reconstruction/photoAvatar";
import { DiskReader } from "../support/nodeFiles";
import { FaceApiModelFolder, SamplePhotoPath, SegmentationModelFolder } from "./reconstructionFixtures";

const photos = process.argv.length > 2 ? process.argv.slice(2) : [1, 2, 3, 4, 5, 6].map((i) => join(SamplePhotoPath, "..", `sample${i}.jpg`));
const pack = await ModelPack.LoadAsync(DiskReader("models/packs/ict-base"));
const detector = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder) });
const segmenter = await PersonSegmenter.CreateAsync({ model: DiskReader(SegmentationModelFolder) });
console.log("| photo | wall s | CPU s | " + ["decode", "detect", "fit", "generate", "project", "adapt"].join(" | ") + " |");
console.log("| --- ".repeat(9) + "|");
for (const photo of photos) {
    const bytes = readFileSync(photo);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await ReconstructAvatarAsync(bytes, pack, { detector, segmenter, fallbackMesh: false });
    const wall = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const stages = ["decode", "detect", "fit", "generate", "project", "adapt"].map((s) => ((result.timings[s as keyof typeof result.timings] ?? 0) / 1000).toFixed(2));
    console.log(`| ${photo.split("/").pop()} | ${wall.toFixed(2)} | ${((cpu.user + cpu.system) / 1e6).toFixed(2)} | ${stages.join(" | ")} |`);
}
