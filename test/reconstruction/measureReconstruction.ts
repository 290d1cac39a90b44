/**
 * Figures for docs/reconstruction.md: (1) the 3DMM landmark fit on synthetic ICT landmarks (known
 * truth, three noise levels, 10 seeds each); (2) face detection and the fit on the six demo photos
 * that `@vladmandic/face-api` ships (the largest face of each), in Node on the wasm backend:
 *     npx tsx test/reconstruction/measureReconstruction.ts
 */
import { readFileSync } from "node:fs";
import { GetExpressionIndex } from "../../plugin/expression/arkitNames";
import { dirname, join } from "node:path";
import { FaceLandmarkDetector } from "../../plugin/reconstruction/faceLandmarkDetector";
import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { DecodeImageAsync } from "../../plugin/reconstruction/imagePixels";
import { FitLandmarks3dmm } from "../../plugin/reconstruction/landmarkFitter";
import { InterOcularDistance } from "../../plugin/reconstruction/multiPie68";
import { DiskReader } from "../support/nodeFiles";
import { Correlation, DerivedBasisPath, FaceApiModelFolder, SamplePhotoPath, SynthesizeLandmarks } from "./reconstructionFixtures";

const bytes = readFileSync(DerivedBasisPath);
const basis = IctLandmarkBasis.FromBinary(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
console.log("| noise px | mean error px | mean % IOD | α correlation (20 modes) | max rotation-matrix error | jawOpen error | fit ms |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
const jawOpen = GetExpressionIndex("jawOpen");
// The fit is told the noise level as a fraction of the inter-ocular distance (about 150–200 px here).
for (const noise of [0.3, 1, 2]) {
    const sums = [0, 0, 0, 0, 0, 0];
    const seeds = 10;
    for (let seed = 1; seed <= seeds; seed++) {
        const truth = SynthesizeLandmarks(basis, seed, noise);
        const t = performance.now();
        const fit = FitLandmarks3dmm(basis, truth.landmarks, 1024, 1024, { landmarkSigma: noise / 150 });
        sums[5] += performance.now() - t;
        sums[0] += fit.meanErrorPx;
        sums[1] += fit.meanErrorIod;
        sums[2] += Correlation(fit.alpha, truth.alpha);
        sums[3] += Math.max(...Array.from(fit.rotation, (v, i) => Math.abs(v - truth.rotation[i])));
        sums[4] += Math.abs(fit.beta[jawOpen] - truth.beta[jawOpen]);
    }
    const m = sums.map((v) => v / seeds);
    console.log(`| ${noise} | ${m[0].toFixed(2)} | ${(100 * m[1]).toFixed(2)} | ${m[2].toFixed(3)} | ${m[3].toFixed(4)} | ${m[4].toFixed(3)} | ${m[5].toFixed(1)} |`);
}
console.log("");
const detector = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder) });
console.log("| photo | size | faces | IOD px | detect ms | fit ms | iterations | mean px | mean % IOD | median px |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (let i = 1; i <= 6; i++) {
    const name = `sample${i}.jpg`;
    const image = await DecodeImageAsync(readFileSync(join(dirname(SamplePhotoPath), name)));
    let t = performance.now();
    const face = await detector.detectAsync(image);
    const detectMs = performance.now() - t;
    t = performance.now();
    const fit = FitLandmarks3dmm(basis, face.landmarks, image.width, image.height);
    const fitMs = performance.now() - t;
    const cells = [
        name,
        `${image.width}×${image.height}`,
        face.faceCount,
        InterOcularDistance(face.landmarks).toFixed(0),
        detectMs.toFixed(0),
        fitMs.toFixed(0),
        `${fit.iterations}${fit.converged ? "" : " (limit)"}`,
        fit.meanErrorPx.toFixed(2),
        (100 * fit.meanErrorIod).toFixed(2),
        fit.medianErrorPx.toFixed(2),
    ];
    console.log(`| ${cells.join(" | ")} |`);
}
