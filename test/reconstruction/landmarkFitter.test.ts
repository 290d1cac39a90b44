import { readFileSync } from "node:fs";
import { GetExpressionIndex } from "../../plugin/expression/arkitNames";
import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { EstimateTranslation } from "../../plugin/reconstruction/initialPose";
import { FitLandmarks3dmm, RegressorFitExpressions } from "../../plugin/reconstruction/landmarkFitter";
import { DefaultLandmarkWeights } from "../../plugin/reconstruction/multiPie68";
import { ReconstructionError } from "../../plugin/reconstruction/reconstructionError";
import { Correlation, DerivedBasisPath, SynthesizeLandmarks } from "./reconstructionFixtures";

const width = 1024;
const height = 1024;
const focal = 1100;

const bytes = readFileSync(DerivedBasisPath);
const basis = IctLandmarkBasis.FromBinary(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));

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
        const truth = SynthesizeLandmarks(basis, seed, 0.3);
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

    it("reads a smile that shows the teeth with the jaw closed as parted lips, not an open jaw", () => {
        const expression = { mouthSmile_L: 0.5, mouthSmile_R: 0.5, mouthUpperUp_L: 0.6, mouthUpperUp_R: 0.6, mouthLowerDown_L: 0.5, mouthLowerDown_R: 0.5 };
        const jaw = GetExpressionIndex("jawOpen");
        for (const seed of [1, 2, 3]) {
            const truth = SynthesizeLandmarks(basis, seed, 0.3, "default", expression);
            const fit = FitLandmarks3dmm(basis, truth.landmarks, width, height, options);
            expect(fit.meanErrorPx).toBeLessThan(0.5);
            expect(fit.beta[jaw]).toBeLessThan(0.1);
            for (const name of Object.keys(expression)) {
                // The priors shrink the lower lip's weight most (0.35–0.51 of 0.5 here).
                expect(Math.abs(fit.beta[GetExpressionIndex(name)] - truth.beta[GetExpressionIndex(name)])).toBeLessThan(0.2);
            }
            // Without the lip expressions, the only way to part the lips is the jaw.
            const jawOnly = FitLandmarks3dmm(basis, truth.landmarks, width, height, { ...options, expressions: RegressorFitExpressions });
            expect(jawOnly.beta[jaw]).toBeGreaterThan(0.2);
        }
    });

    it("keeps α and the pose when three landmarks are 50 px off (robust loss)", () => {
        const truth = SynthesizeLandmarks(basis, 2, 0.3);
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
        const truth = SynthesizeLandmarks(basis, 3, 0.3);
        const fit = FitLandmarks3dmm(basis, truth.landmarks, width, height, { ...options, focal });
        expect(fit.focal).toBeCloseTo(focal, 6);
        expect(Math.abs(fit.translation[2] / truth.translation[2] - 1)).toBeLessThan(0.03);
    });

    it("starts from options.initial: the truth gives its own reprojection at 0 iterations and converges in a few", () => {
        const truth = SynthesizeLandmarks(basis, 4, 0.3, "hard");
        const initial = { rotation: truth.rotation, translation: truth.translation, focal, alpha: truth.alpha, beta: truth.beta };
        const start = FitLandmarks3dmm(basis, truth.landmarks, width, height, { ...options, initial, maxIterations: 0 });
        expect(start.iterations).toBe(0);
        expect(start.meanErrorPx).toBeLessThan(0.6);
        expect(MaxAbsDifference(start.rotation, truth.rotation)).toBe(0);
        const fit = FitLandmarks3dmm(basis, truth.landmarks, width, height, { ...options, initial });
        const closedForm = FitLandmarks3dmm(basis, truth.landmarks, width, height, options);
        expect(fit.converged).toBe(true);
        expect(fit.iterations).toBeLessThanOrEqual(closedForm.iterations);
        expect(fit.meanErrorPx).toBeLessThan(closedForm.meanErrorPx * 1.01);
    });

    it("EstimateTranslation recovers t from the true rotation, shape and focal length", () => {
        const truth = SynthesizeLandmarks(basis, 5, 0, "hard");
        const t = EstimateTranslation(basis.evaluate(truth.alpha, truth.beta), truth.landmarks, DefaultLandmarkWeights(), truth.rotation, width / 2, height / 2, focal);
        expect(t).not.toBeNull();
        expect(MaxAbsDifference(t!, truth.translation)).toBeLessThan(1e-6);
    });

    it("rejects bad arguments with typed errors", () => {
        const truth = SynthesizeLandmarks(basis, 1, 0);
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
        expect(code(() => FitLandmarks3dmm(basis, truth.landmarks, width, height, { focal: -1 }))).toBe("INVALID_ARGUMENT");
        expect(code(() => FitLandmarks3dmm(basis, truth.landmarks, width, height, { identityCount: 2.5 }))).toBe("INVALID_ARGUMENT");
        expect(code(() => FitLandmarks3dmm(basis, truth.landmarks, width, height, { landmarkWeights: [1, 1] }))).toBe("INVALID_ARGUMENT");
        const initial = { rotation: truth.rotation, translation: truth.translation };
        expect(code(() => FitLandmarks3dmm(basis, truth.landmarks, width, height, { initial: { ...initial, rotation: [1, 0, 0] } }))).toBe("INVALID_ARGUMENT");
        expect(code(() => FitLandmarks3dmm(basis, truth.landmarks, width, height, { initial: { ...initial, translation: [0, 0, Infinity] } }))).toBe("INVALID_ARGUMENT");
        expect(code(() => FitLandmarks3dmm(basis, truth.landmarks, width, height, { initial: { ...initial, focal: 0 } }))).toBe("INVALID_ARGUMENT");
        expect(code(() => FitLandmarks3dmm(basis, truth.landmarks, width, height, { initial: { ...initial, beta: [0.5] } }))).toBe("INVALID_ARGUMENT");
    });
});
