/** Paths and helpers shared by the reconstruction tests (Node only). */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { GetExpressionIndex } from "../../plugin/expression/arkitNames";
import { MultiplyMatrix3, RotationFromAxisAngle } from "../../plugin/reconstruction/fitMath";
import { type IctLandmarkBasis } from "../../plugin/reconstruction/ictLandmarkBasis";

const _root = join(fileURLToPath(new URL(".", import.meta.url)), "..", "..");

/** The ICT-FaceKit folder: `ICT_FACEKIT_DIR`, else `../shared/ict-facekit` beside the repository. */
export const DefaultIctFolder = process.env.ICT_FACEKIT_DIR ?? join(_root, "..", "shared", "ict-facekit");

/** Whether the full ICT-FaceKit data is present (it is never committed). */
export const HasIctFolder = existsSync(join(DefaultIctFolder, "identity_modes.f16"));

/** The committed derived landmark basis. */
export const DerivedBasisPath = join(_root, "plugin", "reconstruction", "data", "ict-landmarks68.bin");

/** The committed derived head mesh. */
export const DerivedHeadMeshPath = join(_root, "plugin", "reconstruction", "data", "ict-head-mesh.bin");

/** The face detector's weights, as the npm package ships them. */
export const FaceApiModelFolder = join(_root, "node_modules", "@vladmandic", "face-api", "model");

/** The person segmentation model, as this package ships it (models/third-party/selfie-segmentation/NOTICE.md). */
export const SegmentationModelFolder = join(_root, "models", "third-party", "selfie-segmentation");

/** A demo photo shipped in `@vladmandic/face-api` (MIT package): one person, frontal. */
export const SamplePhotoPath = join(_root, "node_modules", "@vladmandic", "face-api", "demo", "sample2.jpg");

/**
 * A seeded normal random generator (mulberry32 + Box–Muller).
 * @param seed the seed
 * @returns a function returning N(0, 1) samples
 */
export function SeededNormal(seed: number): () => number {
    let a = seed >>> 0;
    const uniform = (): number => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A synthetic fit problem: the truth and its landmarks on a 1024 × 1024 image, focal 1100 px. */
export interface ISyntheticLandmarks {
    /** True identity weights (20 modes). */
    alpha: number[];
    /** True expression weights (53). */
    beta: Float64Array;
    /** True rotation, 3×3 row-major. */
    rotation: Float64Array;
    /** True translation, cm. */
    translation: number[];
    /** Projected landmarks with noise, `[x0, y0, …]`. */
    landmarks: Float64Array;
}

/**
 * Landmarks projected from a random ICT face (20 identity modes ~ N(0, 1); by default jawOpen 0.4, mouthSmile_L 0.5,
 * mouthSmile_R 0.3, eyeBlink_L 0.2) under a random pose about 60 cm in front of the camera, plus pixel noise.
 * Pose `"default"`: rotation vector ~ N(0, diag(0.15, 0.3, 0.1)²) rad; `"hard"`: yaw 30–45° either way,
 * pitch ±15°, roll ±10° (uniform).
 * @param basis the landmark basis
 * @param seed random seed
 * @param noisePx standard deviation of the noise on each coordinate, px
 * @param pose which pose distribution
 * @param expression the expression weights by name (the others 0)
 * @returns the truth and the landmarks
 */
export function SynthesizeLandmarks(
    basis: IctLandmarkBasis,
    seed: number,
    noisePx: number,
    pose: "default" | "hard" = "default",
    expression: Record<string, number> = { jawOpen: 0.4, mouthSmile_L: 0.5, mouthSmile_R: 0.3, eyeBlink_L: 0.2 }
): ISyntheticLandmarks {
    const width = 1024;
    const height = 1024;
    const focal = 1100;
    const rnd = SeededNormal(seed);
    const alpha = Array.from({ length: 20 }, () => rnd());
    const beta = new Float64Array(53);
    for (const [name, weight] of Object.entries(expression)) {
        beta[GetExpressionIndex(name)] = weight;
    }
    let rotation = RotationFromAxisAngle(0.15 * rnd(), 0.3 * rnd(), 0.1 * rnd(), new Float64Array(9));
    if (pose === "hard") {
        // A uniform in [0, 1) from two normals (their CDF would need erf): the angle of a 2D Gaussian.
        const uniform = (): number => (Math.atan2(rnd(), rnd()) + Math.PI) / (2 * Math.PI);
        const deg = Math.PI / 180;
        const yaw = (uniform() < 0.5 ? -1 : 1) * (30 + 15 * uniform()) * deg;
        const pitch = (2 * uniform() - 1) * 15 * deg;
        const roll = (2 * uniform() - 1) * 10 * deg;
        const ry = RotationFromAxisAngle(0, yaw, 0, new Float64Array(9));
        const rx = RotationFromAxisAngle(pitch, 0, 0, new Float64Array(9));
        const rz = RotationFromAxisAngle(0, 0, roll, new Float64Array(9));
        rotation = MultiplyMatrix3(rz, MultiplyMatrix3(rx, ry, new Float64Array(9)), new Float64Array(9));
    }
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

/**
 * Angle of the rotation between two rotation matrices (geodesic distance).
 * @param a 3×3 row-major
 * @param b 3×3 row-major
 * @returns degrees
 */
export function RotationErrorDeg(a: ArrayLike<number>, b: ArrayLike<number>): number {
    // trace(a · bᵀ) = Σ a_ij b_ij.
    let trace = 0;
    for (let i = 0; i < 9; i++) {
        trace += a[i] * b[i];
    }
    return (Math.acos(Math.min(1, Math.max(-1, (trace - 1) / 2))) * 180) / Math.PI;
}

/**
 * Correlation of two vectors about zero (the identity prior's mean).
 * @param a first vector
 * @param b second vector
 * @returns the correlation, −1 to 1
 */
export function Correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
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

/**
 * A file's bytes as an ArrayBuffer of its own.
 * @param path the file
 * @returns the bytes
 */
export function ReadArrayBuffer(path: string): ArrayBuffer {
    const b = readFileSync(path);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/**
 * A square of a photo turned about its centre, sampled bilinearly (grey outside the photo): a tilted
 * head, or a photo taken with the camera tilted.
 * @param photo RGBA pixels
 * @param cx the square's centre in the photo, px
 * @param cy the square's centre in the photo, px
 * @param side the square's side in the photo, px
 * @param turnDegrees how far the content turns anticlockwise on screen, degrees
 * @param size the result's side, px
 * @returns `size × size` RGBA pixels
 */
export function TurnedSquare(photo: { width: number; height: number; data: Uint8Array | Uint8ClampedArray }, cx: number, cy: number, side: number, turnDegrees: number, size: number): Uint8Array {
    const [cos, sin] = [Math.cos((turnDegrees * Math.PI) / 180), Math.sin((turnDegrees * Math.PI) / 180)];
    const out = new Uint8Array(size * size * 4);
    const at = (x: number, y: number, c: number): number => (x >= 0 && y >= 0 && x < photo.width && y < photo.height ? photo.data[4 * (y * photo.width + x) + c] : 128);
    for (let v = 0; v < size; v++) {
        for (let u = 0; u < size; u++) {
            const [du, dv] = [((u + 0.5) / size - 0.5) * side, ((v + 0.5) / size - 0.5) * side];
            const x = cx + cos * du - sin * dv - 0.5;
            const y = cy + sin * du + cos * dv - 0.5;
            const [x0, y0] = [Math.floor(x), Math.floor(y)];
            const [fx, fy] = [x - x0, y - y0];
            for (let c = 0; c < 3; c++) {
                const top = at(x0, y0, c) * (1 - fx) + at(x0 + 1, y0, c) * fx;
                const bottom = at(x0, y0 + 1, c) * (1 - fx) + at(x0 + 1, y0 + 1, c) * fx;
                out[4 * (v * size + u) + c] = Math.round(top * (1 - fy) + bottom * fy);
            }
            out[4 * (v * size + u) + 3] = 255;
        }
    }
    return out;
}
