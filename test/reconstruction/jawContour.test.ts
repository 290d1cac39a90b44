import { IctHeadMesh } from "../../plugin/reconstruction/ictHeadMesh";
import { IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";
import { JawContour, type IContourPose } from "../../plugin/reconstruction/jawContour";
import { FitLandmarks3dmm } from "../../plugin/reconstruction/landmarkFitter";
import { RotationFromAxisAngle } from "../../plugin/reconstruction/fitMath";
import { Correlation, DerivedBasisPath, DerivedHeadMeshPath, ReadArrayBuffer, SynthesizeLandmarks } from "./reconstructionFixtures";

const basis = IctLandmarkBasis.FromBinary(ReadArrayBuffer(DerivedBasisPath));
const mesh = IctHeadMesh.FromBinary(ReadArrayBuffer(DerivedHeadMeshPath));
const contour = JawContour.FromHeadMesh(mesh, basis);
const jaw = Array.from({ length: 17 }, (_, j) => j);
const subjectRight = [0, 1, 2, 3, 4, 5];
const subjectLeft = [11, 12, 13, 14, 15, 16];

/** The mean face 60 cm in front of the camera, turned about its vertical axis. */
function Turned(yawDegrees: number, alpha: ArrayLike<number> = new Float32Array(20)): IContourPose {
    const rotation = RotationFromAxisAngle(0, (yawDegrees * Math.PI) / 180, 0, new Float64Array(9));
    return { rotation, translation: [0, 0, -60], focal: 1100, alpha, beta: new Float32Array(53) };
}

describe("JawContour", () => {
    it("gives every jaw point but the chin's a line of candidates, and none to the other points", () => {
        for (const j of [...subjectRight, ...subjectLeft]) {
            expect(contour.lineLength(j)).toBeGreaterThan(8);
        }
        for (const j of [6, 7, 8, 9, 10, 17, 30, 48]) {
            expect(contour.lineLength(j)).toBe(0);
        }
    });

    it("keeps each jaw point on its own vertex when the face looks at the camera", () => {
        expect(Array.from(contour.silhouette(Turned(0)))).toEqual(new Array(68).fill(0));
    });

    it.each([30, -30])("slides the far side's jaw points inwards and keeps the near side's at %i° of turn", (yaw) => {
        const chosen = contour.silhouette(Turned(yaw));
        // A positive turn about +y brings the subject's left (+x) side away from the camera.
        const [far, near] = yaw > 0 ? [subjectLeft, subjectRight] : [subjectRight, subjectLeft];
        for (const j of far) {
            expect(chosen[j]).toBeGreaterThan(0);
        }
        for (const j of near) {
            expect(chosen[j]).toBe(0);
        }
    });

    it("changes no row when no point slides (the head mesh's 20 identity modes)", () => {
        const slid = contour.slide(basis, new Int32Array(68));
        expect(slid.identityCount).toBe(20);
        const alpha = Array.from({ length: 20 }, (_, m) => Math.sin(m + 1));
        const beta = Array.from({ length: 53 }, (_, e) => (e % 5) / 5);
        const difference = (a: Float64Array, b: Float64Array): number => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
        expect(difference(basis.evaluate(alpha, []), slid.evaluate(alpha, []))).toBeLessThan(1e-5);
        // The head mesh's sparse expression rows leave out deltas under 10 µm.
        expect(difference(basis.evaluate(alpha, beta), slid.evaluate(alpha, beta))).toBeLessThan(2e-3);
    });

    it("lets a fit reach a turned face's outline that fixed jaw vertices cannot", () => {
        for (const seed of [1, 2, 3]) {
            // The same draw twice: once to know the pose, then with the jaw points on that pose's outline.
            const pose = SynthesizeLandmarks(basis, seed, 0, "hard");
            const truthChoice = contour.silhouette({ ...pose, focal: 1100 });
            expect(jaw.some((j) => truthChoice[j] > 1)).toBe(true);
            const truth = SynthesizeLandmarks(contour.slide(basis, truthChoice), seed, 0.3, "hard");
            const options = { landmarkSigma: 0.003 };
            const fixed = FitLandmarks3dmm(basis, truth.landmarks, 1024, 1024, options);
            const slid = FitLandmarks3dmm(basis, truth.landmarks, 1024, 1024, { ...options, contour });
            const jawError = (errors: Float32Array): number => jaw.reduce((s, j) => s + errors[j], 0) / jaw.length;
            expect(jawError(slid.pointErrors)).toBeLessThan(1);
            expect(jawError(fixed.pointErrors)).toBeGreaterThan(3 * jawError(slid.pointErrors));
            expect(slid.meanErrorPx).toBeLessThan(0.5);
            expect(Correlation(slid.alpha, truth.alpha)).toBeGreaterThan(0.95);
            // Neighbouring candidates near the outline reach almost equally far: within one of the truth's.
            expect(Math.max(...jaw.map((j) => Math.abs(slid.contourChoice![j] - truthChoice[j])))).toBeLessThanOrEqual(1);
        }
    });
});
