/**
 * Figures for docs/reconstruction.md: (1) the 3DMM landmark fit on synthetic ICT landmarks (known
 * truth, three noise levels, 10 seeds each); (2) face detection and the fit on the six demo photos
 * that `@vladmandic/face-api` ships (the largest face of each), in Node on the wasm backend;
 * (3) and (4) the landmark regressor's first guess alone, the fit started from it, and the fit
 * started from the closed-form pose, on synthetic landmarks (default and hard poses) and on the photos:
 *     npx tsx test/reconstruction/measureReconstruction.ts
 */
import { readFileSync } from "node:fs";
import { GetExpressionIndex } from "../../plugin/expression/arkitNames";
import { dirname, join } from "node:path";
import { FaceLandmarkDetector } from "../../plugin/reconstruction/faceLandmarkDetector";
import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { DecodeImageAsync } from "../../plugin/reconstruction/imagePixels";
import { FitLandmarks3dmm, type ILandmarkFitOptions, type ILandmarkFitResult } from "../../plugin/reconstruction/landmarkFitter";
import { LandmarkRegressor } from "../../plugin/reconstruction/landmarkRegressor";
import { InterOcularDistance } from "../../plugin/reconstruction/multiPie68";
import { DiskReader } from "../support/nodeFiles";
import { Correlation, DerivedBasisPath, FaceApiModelFolder, RotationErrorDeg, SamplePhotoPath, SynthesizeLandmarks } from "./reconstructionFixtures";

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
const photos: { name: string; landmarks: Float32Array | number[]; width: number; height: number }[] = [];
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
    photos.push({ name, landmarks: Array.from(face.landmarks), width: image.width, height: image.height });
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

/** One way to start (or skip) the fit, timed: the result and the milliseconds (regressor inference included). */
type Method = (landmarks: ArrayLike<number>, width: number, height: number, options: ILandmarkFitOptions) => Promise<{ fit: ILandmarkFitResult; ms: number }>;

const regressor = await LandmarkRegressor.LoadAsync(DiskReader(dirname(DerivedBasisPath)), basis);
// Warm the session (the first run allocates).
await regressor.predictAsync(SynthesizeLandmarks(basis, 99, 0).landmarks, 1024, 1024);
const methods: [string, Method][] = [
    [
        "closed-form pose alone",
        async (l, w, h, o) => {
            const t = performance.now();
            const fit = FitLandmarks3dmm(basis, l, w, h, { ...o, maxIterations: 0 });
            return { fit, ms: performance.now() - t };
        },
    ],
    [
        "LM from the closed-form pose",
        async (l, w, h, o) => {
            const t = performance.now();
            const fit = FitLandmarks3dmm(basis, l, w, h, o);
            return { fit, ms: performance.now() - t };
        },
    ],
    [
        "regressor alone",
        async (l, w, h, o) => {
            const t = performance.now();
            const initial = await regressor.predictAsync(l, w, h);
            const ms = performance.now() - t;
            // No iteration: the guess's own reprojection.
            return { fit: FitLandmarks3dmm(basis, l, w, h, { ...o, initial, maxIterations: 0 }), ms };
        },
    ],
    [
        "regressor + LM",
        async (l, w, h, o) => {
            const t = performance.now();
            const initial = await regressor.predictAsync(l, w, h);
            const fit = FitLandmarks3dmm(basis, l, w, h, { ...o, initial });
            return { fit, ms: performance.now() - t };
        },
    ],
];

console.log("");
console.log("| poses | noise px | start | mean error px | mean % IOD | α correlation | rotation error ° | iterations | ms |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const pose of ["default", "hard"] as const) {
    for (const noise of [0.3, 2]) {
        for (const [label, method] of methods) {
            const seeds = 20;
            const sums = [0, 0, 0, 0, 0, 0];
            for (let seed = 1; seed <= seeds; seed++) {
                const truth = SynthesizeLandmarks(basis, 1000 + seed, noise, pose);
                const { fit, ms } = await method(truth.landmarks, 1024, 1024, { landmarkSigma: Math.max(noise, 0.3) / 150 });
                sums[0] += fit.meanErrorPx;
                sums[1] += fit.meanErrorIod;
                sums[2] += Correlation(fit.alpha, truth.alpha);
                sums[3] += RotationErrorDeg(fit.rotation, truth.rotation);
                sums[4] += fit.iterations;
                sums[5] += ms;
            }
            const m = sums.map((v) => v / seeds);
            console.log(
                `| ${pose} | ${noise} | ${label} | ${m[0].toFixed(2)} | ${(100 * m[1]).toFixed(2)} | ${Number.isNaN(m[2]) ? "— (α = 0)" : m[2].toFixed(3)} | ${m[3].toFixed(2)} | ${m[4].toFixed(1)} | ${m[5].toFixed(1)} |`
            );
        }
    }
}

console.log("");
console.log("| photo | start | mean px | mean % IOD | median px | iterations | ms |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const photo of photos) {
    for (const [label, method] of methods) {
        const { fit, ms } = await method(photo.landmarks, photo.width, photo.height, {});
        const cells = [photo.name, label, fit.meanErrorPx.toFixed(2), (100 * fit.meanErrorIod).toFixed(2), fit.medianErrorPx.toFixed(2), `${fit.iterations}${fit.converged || fit.iterations === 0 ? "" : " (limit)"}`, ms.toFixed(0)];
        console.log(`| ${cells.join(" | ")} |`);
    }
}
await regressor.disposeAsync();
