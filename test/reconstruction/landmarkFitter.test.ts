import { readFileSync } from "node:fs";
import { GetExpressionIndex } from "../../plugin/expression/arkitNames";
import { RotationFromAxisAngle } from "../../plugin/reconstruction/fitMath";
import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { FitLandmarks3dmm } from "../../plugin/reconstruction/landmarkFitter";
import { ReconstructionError } from "../../plugin/reconstruction/reconstructionError";
import { DerivedBasisPath, SeededNormal } from "./reconstructionFixtures";

const bytes = readFileSync(DerivedBasisPath);
const basis = IctLandmarkBasis.FromBinary(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
const width = 1024;
const height = 1024;
const focal = 1100;

interface ISynthetic {
    alpha: number[];
    beta: Float64Array;
    rotation: Float64Array;
    translation: number[];
    landmarks: Float64Array;
}

/** Landmarks projected from a random ICT face (20 identity modes, 4 expressions) under a random pose, plus pixel noise. */
function Synthesize(seed: number, noisePx: number): ISynthetic {
    const rnd = SeededNormal(seed);
    const alpha = Array.from({ length: 20 }, () => rnd());
    const beta = new Float64Array(53);
    beta[GetExpressionIndex("jawOpen")] = 0.4;
    beta[GetExpressionIndex("mouthSmile_L")] = 0.5;
    beta[GetExpressionIndex("mouthSmile_R")] = 0.3;
    beta[GetExpressionIndex("eyeBlink_L")] = 0.2;
    const rotation = RotationFromAxisAngle(0.15 * rnd(), 0.3 * rnd(), 0.1 * rnd(), new Float64Array(9));
    const translation = [3 * rnd(), 3 * rnd(), -60 + 5 * rnd()];
    const x = basis.evaluate(alpha, beta);
    const landmarks = new Float64Array(136);
    for (let i = 0; i < 68; i++) {
        const p = [0, 1, 2].map((r) => rotation[3 * r] * x[3 * i] + rotation[3 * r + 1] * x[3 * i + 1] + rotation[3 * r + 2] * x[3 * i + 2] + translation[r]);
        landmarks[2 * i] = width / 2 + (focal * p[0]) / -p[2] + noisePx * rnd();
        landmarks[2 * i + 1] = height / 2 - (focal * p[1]) / -p[2] + noisePx * rnd();
    }
    return { alpha, beta, rotation, translation, landmarks };
}

function Correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let i = 0; i < a.length; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    return ab / Math.sqrt(aa * bb);
}

function MaxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let m = 0;
    for (let i = 0; i < a.length; i++) {
        m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
}

describe("FitLandmarks3dmm on synthetic ICT landmarks", () => {
    // Landmark noise 0.3 px on an inter-ocular distance of ~150–200 px; the fit is told the noise level.
    const options = { landmarkSigma: 0.003 };

    it.each([1, 2, 3, 4, 5])("recovers α, β and the pose (seed %i)", (seed) => {
        const truth = Synthesize(seed, 0.3);
        const fit = FitLandmarks3dmm(basis, truth.landmarks, width, height, options);
        expect(fit.converged).toBe(true);
        expect(fit.meanErrorPx).toBeLessThan(0.5);
        expect(fit.meanErrorIod).toBeLessThan(0.003);
        expect(Correlation(fit.alpha, truth.alpha)).toBeGreaterThan(0.95);
        expect(MaxAbsDifference(fit.rotation, truth.rotation)).toBeLessThan(0.01);
        expect(MaxAbsDifference(fit.translation.subarray(0, 2), truth.translation.slice(0, 2))).toBeLessThan(0.3);
        // Depth and focal trade against each other (a weak cue): within 10 %.
        expect(Math.abs(fit.translation[2] / truth.translation[2] - 1)).toBeLessThan(0.1);
        expect(Math.abs(fit.focal / focal - 1)).toBeLessThan(0.1);
        for (const name of ["jawOpen", "mouthSmile_L", "mouthSmile_R", "eyeBlink_L"]) {
            const i = GetExpressionIndex(name);
            expect(Math.abs(fit.beta[i] - truth.beta[i])).toBeLessThan(0.1);
        }
    });

    it("keeps α and the pose when three landmarks are 50 px off (robust loss)", () => {
        const truth = Synthesize(2, 0.3);
        const clean = FitLandmarks3dmm(basis, truth.landmarks, width, height, options);
        for (const i of [8, 30, 50]) {
            truth.landmarks[2 * i] += 40;
            truth.landmarks[2 * i + 1] -= 30;
        }
        const fit = FitLandmarks3dmm(basis, truth.landmarks, width, height, options);
        expect(fit.converged).toBe(true);
        expect(fit.medianErrorPx).toBeLessThan(0.5);
        expect(Correlation(fit.alpha, truth.alpha)).toBeGreaterThan(0.95);
        expect(MaxAbsDifference(fit.alpha, clean.alpha)).toBeLessThan(0.2);
        expect(MaxAbsDifference(fit.rotation, truth.rotation)).toBeLessThan(0.01);
        for (const i of [8, 30, 50]) {
            expect(fit.pointErrors[i]).toBeGreaterThan(40);
        }
    });

    it("with a known focal length, keeps it and recovers depth", () => {
        const truth = Synthesize(3, 0.3);
        const fit = FitLandmarks3dmm(basis, truth.landmarks, width, height, { ...options, focal });
        expect(fit.focal).toBeCloseTo(focal, 6);
        expect(Math.abs(fit.translation[2] / truth.translation[2] - 1)).toBeLessThan(0.03);
    });

    it("rejects bad arguments with typed errors", () => {
        const truth = Synthesize(1, 0);
        const code = (f: () => unknown): string | undefined => {
            try {
                f();
            } catch (e) {
                return e instanceof ReconstructionError ? e.code : "untyped";
            }
            return undefined;
        };
        expect(code(() => FitLandmarks3dmm(basis, truth.landmarks.subarray(0, 100), width, height))).toBe("INVALID_ARGUMENT");
        const withNaN = truth.landmarks.slice();
        withNaN[7] = NaN;
        expect(code(() => FitLandmarks3dmm(basis, withNaN, width, height))).toBe("INVALID_ARGUMENT");
        expect(code(() => FitLandmarks3dmm(basis, truth.landmarks, 0, height))).toBe("INVALID_ARGUMENT");
        expect(code(() => FitLandmarks3dmm(basis, truth.landmarks, width, height, { expressions: ["smile"] }))).toBe("INVALID_ARGUMENT");
    });
});
