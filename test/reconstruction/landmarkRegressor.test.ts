import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { FitLandmarks3dmm, RegressorFitExpressions } from "../../plugin/reconstruction/landmarkFitter";
import { LandmarkRegressor, LandmarkRegressorFileName } from "../../plugin/reconstruction/landmarkRegressor";
import { ComputeLandmarkRegressorFeatures } from "../../plugin/reconstruction/landmarkRegressorFeatures";
import { ReconstructionError } from "../../plugin/reconstruction/reconstructionError";
import { DiskReader } from "../support/nodeFiles";
import { Correlation, DerivedBasisPath, RotationErrorDeg, SynthesizeLandmarks } from "./reconstructionFixtures";

const dataFolder = dirname(DerivedBasisPath);
// Bounds on the mean over 10 seeds of the guess alone (measured with the committed network: 1.4° / 1.2°,
// 1.2 % / 1.5 % IOD, α correlation 0.70 / 0.74 on default / hard poses).
const ROTATION_BOUND_DEG = 2.5;
const GUESS_IOD_BOUND = 0.025;
const ALPHA_CORRELATION_BOUND = 0.5;
const onnxPath = join(dataFolder, LandmarkRegressorFileName);
const sidecar = JSON.parse(readFileSync(join(dataFolder, "landmark-regressor.json"), "utf8"));
const parity = JSON.parse(readFileSync(join(dataFolder, "..", "..", "..", "test", "reconstruction", "fixtures", "landmark-regressor-parity.json"), "utf8")) as {
    samples: {
        landmarks: number[];
        valid: number[];
        width: number;
        height: number;
        features: number[];
        alpha: number[];
        beta: number[];
        rotation6d: number[];
        logFocal: number;
        rotation: number[];
        translation: number[];
        focal: number;
    }[];
};

function MaxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
    expect(a.length).toBe(b.length);
    let m = 0;
    for (let i = 0; i < a.length; i++) {
        m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
}

async function CodeOfAsync(f: () => Promise<unknown>): Promise<string | undefined> {
    try {
        await f();
    } catch (e) {
        return e instanceof ReconstructionError ? e.code : "untyped";
    }
    return undefined;
}

describe("LandmarkRegressor (ONNX in Node, onnxruntime-web wasm)", () => {
    let regressor: LandmarkRegressor;
    let basis: IctLandmarkBasis;

    beforeAll(async () => {
        regressor = await LandmarkRegressor.LoadAsync(DiskReader(dataFolder));
        basis = regressor.basis;
    });

    afterAll(async () => {
        await regressor.disposeAsync();
    });

    test("the committed network: under 1 MB, SHA-256 as recorded, with the training command", () => {
        const bytes = readFileSync(onnxPath);
        expect(statSync(onnxPath).size).toBeLessThan(1024 * 1024);
        expect(sidecar.files[LandmarkRegressorFileName].byteLength).toBe(bytes.length);
        expect(createHash("sha256").update(bytes).digest("hex")).toBe(sidecar.files[LandmarkRegressorFileName].sha256);
        expect(sidecar.provenance.command).toContain("-m models.train_landmark_regressor");
        expect(sidecar.inputs.features).toEqual(["batch", 209]);
        expect(sidecar.fitExpressions).toEqual(RegressorFitExpressions);
    });

    test("features, network outputs and the decoded guess equal PyTorch's on the parity fixture", async () => {
        expect(parity.samples.length).toBeGreaterThanOrEqual(4);
        for (const s of parity.samples) {
            const features = ComputeLandmarkRegressorFeatures(s.landmarks, s.width, s.height, s.valid);
            expect(MaxAbsDifference(features, s.features)).toBeLessThan(1e-5);
            const raw = await regressor.runAsync(features);
            expect(MaxAbsDifference(raw.alpha, s.alpha)).toBeLessThan(1e-4);
            expect(MaxAbsDifference(raw.beta, s.beta)).toBeLessThan(1e-4);
            expect(MaxAbsDifference(raw.rotation6d, s.rotation6d)).toBeLessThan(1e-4);
            expect(Math.abs(raw.logFocal[0] - s.logFocal)).toBeLessThan(1e-4);
            const guess = await regressor.predictAsync(s.landmarks, s.width, s.height, { valid: s.valid });
            expect(MaxAbsDifference(guess.rotation, s.rotation)).toBeLessThan(1e-4);
            expect(Math.abs(guess.focal / s.focal - 1)).toBeLessThan(1e-4);
            // Python solves in float32, TypeScript in float64: within 0.01 cm at 30–150 cm.
            expect(MaxAbsDifference(guess.translation, s.translation)).toBeLessThan(0.01);
        }
    });

    // Bounds of the guess on synthetic landmarks (1 px noise, 1024², f = 1100 px, 60 cm), 10 seeds each.
    it.each(["default", "hard"] as const)("guesses the pose of synthetic landmarks (%s poses), and LM from it does no worse", async (pose) => {
        const sums = { rotationDeg: 0, guessIod: 0, closedFormStartIod: 0, alphaCorrelation: 0, itersRegressor: 0, itersClosedForm: 0, errRegressor: 0, errClosedForm: 0 };
        const seeds = 10;
        for (let seed = 1; seed <= seeds; seed++) {
            const truth = SynthesizeLandmarks(basis, 500 + seed, 1, pose);
            const options = { landmarkSigma: 1 / 150 };
            const guess = await regressor.predictAsync(truth.landmarks, 1024, 1024);
            const start = FitLandmarks3dmm(basis, truth.landmarks, 1024, 1024, { ...options, initial: guess, maxIterations: 0 });
            const refined = FitLandmarks3dmm(basis, truth.landmarks, 1024, 1024, { ...options, initial: guess });
            const closedForm = FitLandmarks3dmm(basis, truth.landmarks, 1024, 1024, options);
            sums.closedFormStartIod += FitLandmarks3dmm(basis, truth.landmarks, 1024, 1024, { ...options, maxIterations: 0 }).meanErrorIod / seeds;
            expect(refined.converged).toBe(true);
            sums.rotationDeg += RotationErrorDeg(guess.rotation, truth.rotation) / seeds;
            sums.guessIod += start.meanErrorIod / seeds;
            sums.alphaCorrelation += Correlation(guess.alpha, truth.alpha) / seeds;
            sums.itersRegressor += refined.iterations / seeds;
            sums.itersClosedForm += closedForm.iterations / seeds;
            sums.errRegressor += refined.meanErrorPx / seeds;
            sums.errClosedForm += closedForm.meanErrorPx / seeds;
        }
        // The guess starts closer than the closed-form pose of the mean face.
        expect(sums.guessIod).toBeLessThan(sums.closedFormStartIod);
        expect(sums.rotationDeg).toBeLessThan(ROTATION_BOUND_DEG);
        expect(sums.guessIod).toBeLessThan(GUESS_IOD_BOUND);
        expect(sums.alphaCorrelation).toBeGreaterThan(ALPHA_CORRELATION_BOUND);
        // Fewer iterations, or a final error at least as good (to 1 %).
        expect(sums.itersRegressor < sums.itersClosedForm || sums.errRegressor <= 1.01 * sums.errClosedForm).toBe(true);
        expect(sums.errRegressor).toBeLessThan(1.05 * sums.errClosedForm);
    });

    test("bad input is INVALID_ARGUMENT; bad bytes are MODEL_LOAD_FAILED", async () => {
        const good = SynthesizeLandmarks(basis, 1, 0).landmarks;
        expect(await CodeOfAsync(() => regressor.predictAsync(good.subarray(0, 134), 1024, 1024))).toBe("INVALID_ARGUMENT");
        const withNaN = good.slice();
        withNaN[11] = NaN;
        expect(await CodeOfAsync(() => regressor.predictAsync(withNaN, 1024, 1024))).toBe("INVALID_ARGUMENT");
        expect(await CodeOfAsync(() => regressor.predictAsync(good, 0, 1024))).toBe("INVALID_ARGUMENT");
        expect(await CodeOfAsync(() => regressor.predictAsync(good, 1024, 1024, { valid: [1, 1] }))).toBe("INVALID_ARGUMENT");
        expect(await CodeOfAsync(() => regressor.predictAsync(good, 1024, 1024, { valid: new Array(68).fill(0) }))).toBe("INVALID_ARGUMENT");
        expect(await CodeOfAsync(() => regressor.predictAsync(good, 1024, 1024, { focal: -5 }))).toBe("INVALID_ARGUMENT");
        expect(await CodeOfAsync(() => regressor.predictAsync(new Float64Array(136).fill(3), 1024, 1024))).toBe("INVALID_ARGUMENT");
        expect(await CodeOfAsync(() => regressor.runAsync(new Float32Array(10)))).toBe("INVALID_ARGUMENT");
        const guess = await regressor.predictAsync(good, 1024, 1024);
        expect(await CodeOfAsync(async () => FitLandmarks3dmm(basis, good, 1024, 1024, { initial: { ...guess, rotation: [1, 0, 0] } }))).toBe("INVALID_ARGUMENT");
        expect(await CodeOfAsync(async () => FitLandmarks3dmm(basis, good, 1024, 1024, { initial: { ...guess, translation: [0, 0, NaN] } }))).toBe("INVALID_ARGUMENT");
        expect(await CodeOfAsync(() => LandmarkRegressor.CreateAsync(new Uint8Array([1, 2, 3]), basis))).toBe("MODEL_LOAD_FAILED");
        expect(await CodeOfAsync(() => LandmarkRegressor.LoadAsync(DiskReader("/nonexistent-folder")))).toBe("MODEL_LOAD_FAILED");
    });
});
