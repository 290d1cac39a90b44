import { ArkitNames, GetExpressionIndex } from "../expression/arkitNames";
import { AxisAngleFromRotation, CholeskySolve, MultiplyMatrix3, RotationFromAxisAngle } from "./fitMath";
import { type IctLandmarkBasis } from "./ictLandmarkBasis";
import { EstimateInitialPose } from "./initialPose";
import { type JawContour } from "./jawContour";
import { DefaultLandmarkWeights, InterOcularDistance, MultiPie68Count } from "./multiPie68";
import { ReconstructionError } from "./reconstructionError";

/** The expressions the {@link LandmarkRegressor} predicts (the order of its `beta` output). */
export const RegressorFitExpressions: readonly string[] = [
    "jawOpen",
    "mouthSmile_L",
    "mouthSmile_R",
    "eyeBlink_L",
    "eyeBlink_R",
    "browInnerUp_L",
    "browInnerUp_R",
    "browDown_L",
    "browDown_R",
];

/**
 * The expressions a landmark fit solves for unless told otherwise: the regressor's, and the lips parted
 * without the jaw (upper lip up, lower lip down), so that a smile showing teeth is not read as an open jaw.
 */
export const DefaultFitExpressions: readonly string[] = [...RegressorFitExpressions, "mouthUpperUp_L", "mouthUpperUp_R", "mouthLowerDown_L", "mouthLowerDown_R"];

/**
 * A starting state for {@link FitLandmarks3dmm}, e.g. from the {@link LandmarkRegressor}: replaces the
 * closed-form pose of the mean face ({@link EstimateInitialPose}). Same camera and units as {@link ILandmarkFitResult}.
 */
export interface ILandmarkFitInitialGuess {
    /** Head rotation R (3×3 row-major, orthonormal): `p_camera = R · p_ict + t`. */
    rotation: ArrayLike<number>;
    /** Head translation t, cm (the head in front of the camera: every landmark at z < 0). */
    translation: ArrayLike<number>;
    /** Focal length, px; ignored when the options fix `focal`. Default: the focal prior's centre. */
    focal?: number;
    /** Identity weights (the first modes; missing ones start at 0). */
    alpha?: ArrayLike<number>;
    /** Expression weights in {@link ArkitNames} order (53); those solved for start there, clamped to [0, 1]. */
    beta?: ArrayLike<number>;
}

/** Options of {@link FitLandmarks3dmm}; every field has a default. */
export interface ILandmarkFitOptions {
    /** Identity modes solved for (the first K of α). Default 20, the base pack's `alphaDims`. */
    identityCount?: number;
    /** ICT/ARKit names of the expressions solved for, each weight kept in [0, 1]. Default {@link DefaultFitExpressions}. */
    expressions?: readonly string[];
    /** Standard deviation of the identity prior (α ~ N(0, σ²)). Default 1. */
    alphaSigma?: number;
    /** Standard deviation of the expression prior (β ~ N(0, σ²), then clamped to [0, 1]). Default 0.5. */
    betaSigma?: number;
    /** Landmark noise, as a fraction of the inter-ocular distance: weighs the data against the priors. Default 0.025. */
    landmarkSigma?: number;
    /** Cauchy scale of the robust loss, in units of the landmark noise: points much further off count less. Default 3. */
    robustScale?: number;
    /** Per-landmark weights (68). Default {@link DefaultLandmarkWeights} (the jaw contour at half). */
    landmarkWeights?: ArrayLike<number>;
    /** Focal length in px when known (then not solved for). */
    focal?: number;
    /** Centre of the focal prior in px (a log-normal prior). Default max(width, height) (≈ 36 mm full-frame equivalent). */
    focalPrior?: number;
    /** Standard deviation of the log-focal prior. Default 0.3. */
    focalLogSigma?: number;
    /** Iteration limit. Default 100. */
    maxIterations?: number;
    /** Starting state (e.g. {@link LandmarkRegressor.predictAsync}); default: {@link EstimateInitialPose} of the mean face. */
    initial?: ILandmarkFitInitialGuess;
    /**
     * Lets the jaw points slide along the mesh to the face's outline (see {@link JawContour}): the fit
     * is repeated with the jaw points' vertices chosen on the silhouette of the last fit's pose until
     * they stop moving. Solves for at most the contour's {@link JawContour.identityCount} identity modes.
     * Default: none (the jaw points are fixed vertices).
     */
    contour?: JawContour;
}

/** What {@link FitLandmarks3dmm} found. Camera: at the origin, looking along −z, +y up; principal point at the image centre. */
export interface ILandmarkFitResult {
    /** Identity weights, the first K modes. */
    alpha: Float32Array;
    /** All 53 expression weights (zero for those not solved for), in {@link ArkitNames} order. */
    beta: Float32Array;
    /** Head rotation R (3×3 row-major): `p_camera = R · p_ict + t`. */
    rotation: Float64Array;
    /** The same rotation as an axis-angle vector (radians). */
    axisAngle: [number, number, number];
    /** Head translation t, cm. */
    translation: Float64Array;
    /** Focal length, px. */
    focal: number;
    /** The fitted model's 68 landmarks in the image, `[x0, y0, …]`, px. */
    projected: Float32Array;
    /** Distance of each landmark from its fitted projection, px. */
    pointErrors: Float32Array;
    /** Mean landmark reprojection error, px. */
    meanErrorPx: number;
    /** The same, as a fraction of the observed inter-ocular distance. */
    meanErrorIod: number;
    /** Median landmark reprojection error, px (insensitive to the few points the robust loss gave up on). */
    medianErrorPx: number;
    /** Iterations run. */
    iterations: number;
    /** Whether the fit stopped because it converged (not because of the iteration limit). */
    converged: boolean;
    /** With a {@link ILandmarkFitOptions.contour}: for each landmark, the candidate on its line that it was fitted to (0: its own vertex). */
    contourChoice?: Int32Array;
}

/** Most fits with re-chosen jaw vertices after the first (the choice settles in one or two). */
const _ContourRounds = 3;

/** The part of the state the LM step changes (rotation is updated multiplicatively). */
interface IFitState {
    rotation: Float64Array;
    translation: Float64Array;
    logFocal: number;
    alpha: Float64Array;
    beta: Float64Array;
}

/**
 * Fits ICT-FaceKit identity α, a few expression weights β, the head pose and the focal length to
 * 68 image landmarks: maximum a posteriori by Levenberg–Marquardt on
 * `Σᵢ wᵢ c² log(1 + |π(Xᵢ) − xᵢ|² / c²) / σ² + |α/σ_α|² + |β/σ_β|² + ((log f − log f₀)/σ_f)²`
 * (a Cauchy-robust reprojection term, so a few bad points lose their pull, with Gaussian priors),
 * solved as iteratively reweighted least squares with analytic Jacobians. β is kept in [0, 1].
 * Initialised by `options.initial` when given (the {@link LandmarkRegressor}'s first guess), else
 * by a closed-form pose of the mean face ({@link EstimateInitialPose}). With `options.contour`, the
 * jaw points slide to the face's outline between repeated fits.
 *
 * Camera: pinhole at the origin looking along −z, principal point at the image centre; a model
 * point X (cm, ICT frame) lands at `u = cx + f·p.x/(−p.z)`, `v = cy − f·p.y/(−p.z)` with
 * `p = R·X + t`, so R = identity faces the camera.
 * @param basis the 3DMM's landmark rows
 * @param landmarks 68 detected points `[x0, y0, …]` in px (y down), Multi-PIE order
 * @param width image width, px
 * @param height image height, px
 * @param options fit settings
 * @returns the fit
 */
export function FitLandmarks3dmm(basis: IctLandmarkBasis, landmarks: ArrayLike<number>, width: number, height: number, options: ILandmarkFitOptions = {}): ILandmarkFitResult {
    const { contour, ...fixed } = options;
    if (!contour) {
        return _FitFixedLandmarks(basis, landmarks, width, height, fixed);
    }
    fixed.identityCount = Math.min(options.identityCount ?? 20, contour.identityCount);
    let fit = _FitFixedLandmarks(basis, landmarks, width, height, fixed);
    let iterations = fit.iterations;
    let chosen: Int32Array = new Int32Array(MultiPie68Count);
    for (let round = 0; round < _ContourRounds; round++) {
        const next = contour.silhouette(fit);
        if (next.every((c, j) => c === chosen[j])) {
            break;
        }
        chosen = next;
        fit = _FitFixedLandmarks(contour.slide(basis, chosen), landmarks, width, height, { ...fixed, initial: fit });
        iterations += fit.iterations;
    }
    return { ...fit, iterations, contourChoice: chosen };
}

function _FitFixedLandmarks(basis: IctLandmarkBasis, landmarks: ArrayLike<number>, width: number, height: number, options: ILandmarkFitOptions): ILandmarkFitResult {
    const nL = MultiPie68Count;
    if (landmarks.length !== 2 * nL || !Array.prototype.every.call(landmarks, (v: number) => Number.isFinite(v))) {
        throw new ReconstructionError("INVALID_ARGUMENT", `landmarks must be ${2 * nL} finite numbers`);
    }
    if (!(width > 0 && height > 0)) {
        throw new ReconstructionError("INVALID_ARGUMENT", "image size must be positive");
    }
    for (const key of ["alphaSigma", "betaSigma", "landmarkSigma", "robustScale", "focal", "focalPrior", "focalLogSigma"] as const) {
        const value = options[key];
        if (value !== undefined && !(value > 0 && Number.isFinite(value))) {
            throw new ReconstructionError("INVALID_ARGUMENT", `${key} must be a positive number`);
        }
    }
    for (const key of ["identityCount", "maxIterations"] as const) {
        const value = options[key];
        if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
            throw new ReconstructionError("INVALID_ARGUMENT", `${key} must be a non-negative integer`);
        }
    }
    const k = Math.min(options.identityCount ?? 20, basis.identityCount);
    const expressionIndices = (options.expressions ?? DefaultFitExpressions).map((name) => {
        const index = GetExpressionIndex(name);
        if (index < 0) {
            throw new ReconstructionError("INVALID_ARGUMENT", `unknown expression "${name}"`);
        }
        return index;
    });
    const nB = expressionIndices.length;
    const fixedFocal = options.focal;
    const baseWeights = options.landmarkWeights ?? DefaultLandmarkWeights();
    if (baseWeights.length !== nL) {
        throw new ReconstructionError("INVALID_ARGUMENT", `landmarkWeights must hold ${nL} values`);
    }
    const iod = InterOcularDistance(landmarks);
    if (!(iod > 0)) {
        throw new ReconstructionError("INVALID_ARGUMENT", "the eye corners coincide");
    }
    const sigma = (options.landmarkSigma ?? 0.025) * iod;
    const cauchy = (options.robustScale ?? 3) * sigma;
    const alphaSigma = options.alphaSigma ?? 1;
    const betaSigma = options.betaSigma ?? 0.5;
    const logFocal0 = Math.log(fixedFocal ?? options.focalPrior ?? Math.max(width, height));
    const focalLogSigma = options.focalLogSigma ?? 0.3;
    const maxIterations = options.maxIterations ?? 100;
    const cx = width / 2;
    const cy = height / 2;

    // Unknowns: ω (3, rotation increment), t (3), log f (1, unless fixed), α (k), β (nB).
    const iF = 6;
    const iA = fixedFocal === undefined ? 7 : 6;
    const iB = iA + k;
    const n = iB + nB;

    const state: IFitState = { rotation: new Float64Array(9), translation: new Float64Array(3), logFocal: logFocal0, alpha: new Float64Array(k), beta: new Float64Array(nB) };
    const fullBeta = new Float64Array(basis.expressionCount);
    const points = new Float64Array(nL * 3);
    const evaluatePoints = (s: IFitState): Float64Array => {
        fullBeta.fill(0);
        expressionIndices.forEach((e, j) => (fullBeta[e] = s.beta[j]));
        return basis.evaluate(s.alpha, fullBeta, points);
    };

    const guess = options.initial;
    if (guess) {
        const finite = (a: ArrayLike<number> | undefined, length?: number): boolean =>
            a === undefined || ((length === undefined || a.length === length) && Array.prototype.every.call(a, (v: number) => Number.isFinite(v)));
        if (!finite(guess.rotation, 9) || !finite(guess.translation, 3) || !finite(guess.alpha) || !finite(guess.beta, basis.expressionCount)) {
            throw new ReconstructionError("INVALID_ARGUMENT", `initial needs a finite rotation (9), translation (3), alpha and beta (${basis.expressionCount})`);
        }
        if (guess.focal !== undefined && !(guess.focal > 0 && Number.isFinite(guess.focal))) {
            throw new ReconstructionError("INVALID_ARGUMENT", "initial.focal must be a positive number");
        }
        state.rotation.set(guess.rotation);
        state.translation.set(guess.translation);
        if (fixedFocal === undefined && guess.focal !== undefined) {
            state.logFocal = Math.log(guess.focal);
        }
        for (let m = 0; m < Math.min(k, guess.alpha?.length ?? 0); m++) {
            state.alpha[m] = guess.alpha![m];
        }
        if (guess.beta) {
            expressionIndices.forEach((e, j) => (state.beta[j] = Math.min(1, Math.max(0, guess.beta![e]))));
        }
    } else {
        const initial = EstimateInitialPose(basis.mean, landmarks, baseWeights, cx, cy, Math.exp(logFocal0));
        if (!initial) {
            throw new ReconstructionError("FIT_FAILED", "the landmarks are degenerate (no initial pose)");
        }
        state.rotation.set(initial.rotation);
        state.translation.set(initial.translation);
    }

    const projected = new Float64Array(2 * nL);
    const camera = new Float64Array(3 * nL);
    const project = (s: IFitState): boolean => {
        const x = evaluatePoints(s);
        const r = s.rotation;
        const f = Math.exp(s.logFocal);
        for (let i = 0; i < nL; i++) {
            const px = r[0] * x[3 * i] + r[1] * x[3 * i + 1] + r[2] * x[3 * i + 2] + s.translation[0];
            const py = r[3] * x[3 * i] + r[4] * x[3 * i + 1] + r[5] * x[3 * i + 2] + s.translation[1];
            const pz = r[6] * x[3 * i] + r[7] * x[3 * i + 1] + r[8] * x[3 * i + 2] + s.translation[2];
            if (!(pz < 0)) {
                return false;
            }
            camera[3 * i] = px;
            camera[3 * i + 1] = py;
            camera[3 * i + 2] = pz;
            projected[2 * i] = cx + (f * px) / -pz;
            projected[2 * i + 1] = cy - (f * py) / -pz;
        }
        return true;
    };
    const cost = (s: IFitState): number => {
        if (!project(s)) {
            return Infinity;
        }
        let c = 0;
        for (let i = 0; i < nL; i++) {
            const e2 = (projected[2 * i] - landmarks[2 * i]) ** 2 + (projected[2 * i + 1] - landmarks[2 * i + 1]) ** 2;
            c += (baseWeights[i] * cauchy * cauchy * Math.log1p(e2 / (cauchy * cauchy))) / (sigma * sigma);
        }
        for (let m = 0; m < k; m++) {
            c += (s.alpha[m] / alphaSigma) ** 2;
        }
        for (let j = 0; j < nB; j++) {
            c += (s.beta[j] / betaSigma) ** 2;
        }
        if (fixedFocal === undefined) {
            c += ((s.logFocal - logFocal0) / focalLogSigma) ** 2;
        }
        return c;
    };

    const hessian = new Float64Array(n * n);
    const gradient = new Float64Array(n);
    const system = new Float64Array(n * n);
    const step = new Float64Array(n);
    const ju = new Float64Array(n);
    const jv = new Float64Array(n);
    const held = new Uint8Array(nB);
    const delta = new Float64Array(9);
    const rotated = new Float64Array(9);
    const candidate: IFitState = { rotation: new Float64Array(9), translation: new Float64Array(3), logFocal: 0, alpha: new Float64Array(k), beta: new Float64Array(nB) };
    const nModel = nL * 3;

    // Normal equations of the reweighted least-squares problem at the current state (½ scale dropped on both sides).
    const linearise = (): void => {
        hessian.fill(0);
        gradient.fill(0);
        project(state);
        const r = state.rotation;
        const f = Math.exp(state.logFocal);
        for (let i = 0; i < nL; i++) {
            const eu = projected[2 * i] - landmarks[2 * i];
            const ev = projected[2 * i + 1] - landmarks[2 * i + 1];
            const robust = 1 / (1 + (eu * eu + ev * ev) / (cauchy * cauchy));
            const w = (baseWeights[i] * robust) / (sigma * sigma);
            if (!(w > 0)) {
                continue;
            }
            const px = camera[3 * i];
            const py = camera[3 * i + 1];
            const zp = -camera[3 * i + 2];
            // ∂u/∂p and ∂v/∂p.
            const ux = f / zp;
            const uz = (f * px) / (zp * zp);
            const vy = -f / zp;
            const vz = -(f * py) / (zp * zp);
            const dU = (d: number[]): number => ux * d[0] + uz * d[2];
            const dV = (d: number[]): number => vy * d[1] + vz * d[2];
            // q = R X = p − t; ∂p/∂ω = columns (0, −q_z, q_y), (q_z, 0, −q_x), (−q_y, q_x, 0).
            const qx = px - state.translation[0];
            const qy = py - state.translation[1];
            const qz = camera[3 * i + 2] - state.translation[2];
            const cols = [
                [0, -qz, qy],
                [qz, 0, -qx],
                [-qy, qx, 0],
                [1, 0, 0],
                [0, 1, 0],
                [0, 0, 1],
            ];
            for (let c = 0; c < 6; c++) {
                ju[c] = dU(cols[c]);
                jv[c] = dV(cols[c]);
            }
            if (fixedFocal === undefined) {
                ju[iF] = projected[2 * i] - cx;
                jv[iF] = projected[2 * i + 1] - cy;
            }
            const rowOf = (modes: Float32Array, m: number): number[] => {
                const o = m * nModel + 3 * i;
                const dx = modes[o];
                const dy = modes[o + 1];
                const dz = modes[o + 2];
                return [r[0] * dx + r[1] * dy + r[2] * dz, r[3] * dx + r[4] * dy + r[5] * dz, r[6] * dx + r[7] * dy + r[8] * dz];
            };
            for (let m = 0; m < k; m++) {
                const d = rowOf(basis.identity, m);
                ju[iA + m] = dU(d);
                jv[iA + m] = dV(d);
            }
            for (let j = 0; j < nB; j++) {
                const d = rowOf(basis.expression, expressionIndices[j]);
                ju[iB + j] = dU(d);
                jv[iB + j] = dV(d);
            }
            for (let a = 0; a < n; a++) {
                const wa = w * ju[a];
                const wb = w * jv[a];
                gradient[a] += wa * eu + wb * ev;
                for (let b = 0; b <= a; b++) {
                    hessian[a * n + b] += wa * ju[b] + wb * jv[b];
                }
            }
        }
        if (fixedFocal === undefined) {
            const p = 1 / (focalLogSigma * focalLogSigma);
            hessian[iF * n + iF] += p;
            gradient[iF] += p * (state.logFocal - logFocal0);
        }
        for (let m = 0; m < k; m++) {
            const p = 1 / (alphaSigma * alphaSigma);
            hessian[(iA + m) * n + iA + m] += p;
            gradient[iA + m] += p * state.alpha[m];
        }
        for (let j = 0; j < nB; j++) {
            const p = 1 / (betaSigma * betaSigma);
            hessian[(iB + j) * n + iB + j] += p;
            gradient[iB + j] += p * state.beta[j];
        }
        for (let a = 0; a < n; a++) {
            for (let b = 0; b < a; b++) {
                hessian[b * n + a] = hessian[a * n + b];
            }
        }
    };

    let current = cost(state);
    let lambda = 1e-3;
    let iterations = 0;
    let converged = false;
    while (iterations < maxIterations && !converged) {
        iterations++;
        linearise();
        // Expression weights held at a bound that the gradient pushes against stay there this iteration (active set).
        for (let j = 0; j < nB; j++) {
            const g = gradient[iB + j];
            held[j] = (state.beta[j] <= 0 && g > 0) || (state.beta[j] >= 1 && g < 0) ? 1 : 0;
        }
        let accepted = false;
        while (!accepted && lambda < 1e10) {
            system.set(hessian);
            for (let a = 0; a < n; a++) {
                system[a * n + a] += lambda * (hessian[a * n + a] + 1e-9);
                step[a] = -gradient[a];
            }
            for (let j = 0; j < nB; j++) {
                if (held[j]) {
                    const a = iB + j;
                    for (let b = 0; b < n; b++) {
                        system[a * n + b] = 0;
                        system[b * n + a] = 0;
                    }
                    system[a * n + a] = 1;
                    step[a] = 0;
                }
            }
            if (!CholeskySolve(system, step, n)) {
                lambda *= 10;
                continue;
            }
            MultiplyMatrix3(RotationFromAxisAngle(step[0], step[1], step[2], delta), state.rotation, rotated);
            candidate.rotation.set(rotated);
            for (let c = 0; c < 3; c++) {
                candidate.translation[c] = state.translation[c] + step[3 + c];
            }
            candidate.logFocal = fixedFocal === undefined ? state.logFocal + step[iF] : state.logFocal;
            for (let m = 0; m < k; m++) {
                candidate.alpha[m] = state.alpha[m] + step[iA + m];
            }
            for (let j = 0; j < nB; j++) {
                candidate.beta[j] = Math.min(1, Math.max(0, state.beta[j] + step[iB + j]));
            }
            const next = cost(candidate);
            if (next < current) {
                converged = current - next < 1e-6 * current;
                state.rotation.set(candidate.rotation);
                state.translation.set(candidate.translation);
                state.logFocal = candidate.logFocal;
                state.alpha.set(candidate.alpha);
                state.beta.set(candidate.beta);
                current = next;
                lambda = Math.max(lambda / 10, 1e-9);
                accepted = true;
            } else {
                lambda *= 10;
            }
        }
        if (!accepted) {
            // No step lowers the cost any more: a (local) minimum.
            converged = true;
        }
    }
    if (!Number.isFinite(current) || !project(state)) {
        throw new ReconstructionError("FIT_FAILED", "the fit left the region in front of the camera");
    }

    const pointErrors = new Float32Array(nL);
    let sum = 0;
    for (let i = 0; i < nL; i++) {
        pointErrors[i] = Math.hypot(projected[2 * i] - landmarks[2 * i], projected[2 * i + 1] - landmarks[2 * i + 1]);
        sum += pointErrors[i];
    }
    const sorted = Float32Array.from(pointErrors).sort();
    const beta = new Float32Array(ArkitNames.length);
    expressionIndices.forEach((e, j) => (beta[e] = state.beta[j]));
    return {
        alpha: Float32Array.from(state.alpha),
        beta,
        rotation: Float64Array.from(state.rotation),
        axisAngle: AxisAngleFromRotation(state.rotation),
        translation: Float64Array.from(state.translation),
        focal: Math.exp(state.logFocal),
        projected: Float32Array.from(projected),
        pointErrors,
        meanErrorPx: sum / nL,
        meanErrorIod: sum / nL / iod,
        medianErrorPx: (sorted[(nL - 1) >> 1] + sorted[nL >> 1]) / 2,
        iterations,
        converged,
    };
}
