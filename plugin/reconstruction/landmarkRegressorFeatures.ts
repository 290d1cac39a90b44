import { MultiPie68Count } from "./multiPie68";
import { ReconstructionError } from "./reconstructionError";

/** Length of the landmark regressor's input vector: 136 normalised coordinates, 68 validity flags, 5 image terms. */
export const LandmarkRegressorFeatureCount = 3 * MultiPie68Count + 5;

/** The fewest valid landmarks the regressor accepts. */
export const LandmarkRegressorMinValidPoints = 6;

/**
 * The landmark regressor's input, computed exactly as `models/landmark_regressor.py` (`features`)
 * does for training. With the landmarks pᵢ (px, y down), their validity vᵢ ∈ {0, 1} and the image
 * W × H, D = max(W, H): the centroid c and RMS radius s of the valid points, then
 * `[vᵢ (pᵢ.x − c.x)/s, −vᵢ (pᵢ.y − c.y)/s]` for the 68 points (y up), the 68 flags, and
 * `(c.x − W/2)/D, −(c.y − H/2)/D, log(s/D), W/D, H/D` (where the face is, how large, the image's shape).
 * @param landmarks 68 points `[x0, y0, …]`, px
 * @param width image width, px
 * @param height image height, px
 * @param valid per-point validity (68; nonzero/true = use the point); default: all valid
 * @returns the feature vector ({@link LandmarkRegressorFeatureCount} values)
 * @throws {@link ReconstructionError} `INVALID_ARGUMENT` for a wrong length, a non-finite value, a
 * non-positive image size, fewer than {@link LandmarkRegressorMinValidPoints} valid points or coincident points
 */
export function ComputeLandmarkRegressorFeatures(landmarks: ArrayLike<number>, width: number, height: number, valid?: ArrayLike<number | boolean>): Float32Array {
    const n = MultiPie68Count;
    if (landmarks.length !== 2 * n || !Array.prototype.every.call(landmarks, (v: number) => Number.isFinite(v))) {
        throw new ReconstructionError("INVALID_ARGUMENT", `landmarks must be ${2 * n} finite numbers`);
    }
    if (!(width > 0 && height > 0 && Number.isFinite(width) && Number.isFinite(height))) {
        throw new ReconstructionError("INVALID_ARGUMENT", "image size must be positive");
    }
    if (valid !== undefined && valid.length !== n) {
        throw new ReconstructionError("INVALID_ARGUMENT", `valid must hold ${n} flags`);
    }
    const flags = new Float64Array(n);
    let count = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < n; i++) {
        flags[i] = valid === undefined || valid[i] ? 1 : 0;
        count += flags[i];
        cx += flags[i] * landmarks[2 * i];
        cy += flags[i] * landmarks[2 * i + 1];
    }
    if (count < LandmarkRegressorMinValidPoints) {
        throw new ReconstructionError("INVALID_ARGUMENT", `at least ${LandmarkRegressorMinValidPoints} landmarks must be valid`);
    }
    cx /= count;
    cy /= count;
    let r2 = 0;
    for (let i = 0; i < n; i++) {
        r2 += flags[i] * ((landmarks[2 * i] - cx) ** 2 + (landmarks[2 * i + 1] - cy) ** 2);
    }
    const s = Math.sqrt(r2 / count);
    if (!(s > 0)) {
        throw new ReconstructionError("INVALID_ARGUMENT", "the landmarks coincide");
    }
    const big = Math.max(width, height);
    const out = new Float32Array(LandmarkRegressorFeatureCount);
    for (let i = 0; i < n; i++) {
        out[2 * i] = (flags[i] * (landmarks[2 * i] - cx)) / s;
        out[2 * i + 1] = (-flags[i] * (landmarks[2 * i + 1] - cy)) / s;
        out[2 * n + i] = flags[i];
    }
    out.set([(cx - width / 2) / big, -(cy - height / 2) / big, Math.log(s / big), width / big, height / big], 3 * n);
    return out;
}
