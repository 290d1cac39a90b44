import { Float32ArrayToHalf, HalfArrayToFloat32 } from "../io/float16";
import { type Mlp } from "../network/mlp";
import { type IColourPlanes } from "../volume/avatarAsset";
import { ColourPlaneXyWeight } from "../volume/colourPlaneFade";
import { ReconstructionError } from "./reconstructionError";

/** Points whose rendered colour the fit sets. */
export interface IColourTargets {
    /** Canonical positions `[n][3]`, in the pack's units (cm). */
    positions: Float32Array;
    /** Target sRGB colours `[n][3]` in [0, 1]; NaN keeps the decoder's own colour there. */
    colours: Float32Array;
    /** Weight of each point (0 ignores it). */
    weights: Float32Array;
}

/** The tri-plane and where it sits, as the fit reads it. */
export interface ITriplaneFeatures {
    /** float16 bits, layout [plane][channel][row][column] (docs/formats.md). */
    triplane: Uint16Array;
    /** Channels C. */
    channels: number;
    /** Resolution R. */
    resolution: number;
    /** Canonical box the planes span (cm). */
    boxMin: readonly number[];
    /** Canonical box the planes span (cm). */
    boxMax: readonly number[];
}

/** Options of {@link FitColourPlanes}. */
export interface IColourPlanesFitOptions {
    /** Resolution of the colour planes. Default 256. */
    resolution?: number;
    /** Conjugate-gradient iterations. Default 30 (on the dev photos the colour error at the points is within 1 % of its value after 300). */
    iterations?: number;
    /** Damping of the offsets (Tikhonov), against the weighted colour error. Default 1e-4. */
    damping?: number;
    /** Weight of smoothness (differences between neighbouring texels of a plane). Default 0.03. */
    smoothness?: number;
    /** Planes to start from (e.g. a fast fit's, at a coarser resolution; resampled bilinearly). Default: zero offsets. */
    initial?: IColourPlanes;
}

const _Taps = 12;
/** Targets are clamped this far from 0 and 1 before their logit. */
const _ColourMargin = 0.01;

/**
 * Fast adaptation (the role of NOFA's Eq. 14), in the avatar's colour planes: finds the logit
 * offsets (docs/formats.md, "colour planes") that give each target point its colour on top of
 * what the decoder gives there from the tri-plane features, leaving the density (the shape,
 * G(α)'s) untouched. The offsets enter linearly, so this is one weighted linear least-squares
 * problem over the planes' texels (rows weighted by the sigmoid's slope at the target, i.e. in
 * colour rather than logit units), with a smoothness term between neighbouring texels, solved by
 * Jacobi-preconditioned conjugate gradients. Far from every point the offsets fall to zero.
 * @param volume the canonical tri-plane (its features give the decoder's colour)
 * @param decoder the pack's decoder
 * @param targets colour targets
 * @param options resolution, iterations, damping
 * @returns the colour planes
 */
export function FitColourPlanes(volume: ITriplaneFeatures, decoder: Mlp, targets: IColourTargets, options: IColourPlanesFitOptions = {}): IColourPlanes {
    const problem = _ColourPlanesProblem(volume, decoder, targets, options);
    const steps = _ConjugateGradientSteps(problem);
    while (!steps.next().done) {
        // Each step is one iteration; the synchronous fit runs them back to back.
    }
    return _ColourPlanesOf(problem.x, problem.resolution);
}

/** Options of {@link FitColourPlanesAsync}: those of the fit, and how it reports and stops. */
export interface IColourPlanesFitAsyncOptions extends IColourPlanesFitOptions {
    /** Called as the iterations advance, with the fraction of them done (0 to 1). */
    onProgress?: (fraction: number) => void;
    /** Stops the fit between iterations: it then rejects with a `ReconstructionError` of code `ABORTED`. */
    signal?: AbortSignal;
}

/** Longest stretch of iterations between two returns to the event loop, ms. */
const _YieldEveryMs = 50;

/**
 * {@link FitColourPlanes} for long fits (the optional refinement: finer planes, more points, more
 * iterations): the same solution, but the iterations return to the event loop every 50 ms or so
 * (a page keeps drawing), report their progress, and stop when `options.signal` aborts.
 * @param volume the canonical tri-plane (its features give the decoder's colour)
 * @param decoder the pack's decoder
 * @param targets colour targets
 * @param options resolution, iterations, damping, smoothness; progress and cancellation
 * @returns the colour planes
 * @throws ReconstructionError with code `ABORTED` when `options.signal` aborts, `INVALID_ARGUMENT` for options out of range
 */
export async function FitColourPlanesAsync(volume: ITriplaneFeatures, decoder: Mlp, targets: IColourTargets, options: IColourPlanesFitAsyncOptions = {}): Promise<IColourPlanes> {
    const problem = _ColourPlanesProblem(volume, decoder, targets, options);
    const steps = _ConjugateGradientSteps(problem);
    let lastYield = performance.now();
    for (let step = steps.next(); !step.done; step = steps.next()) {
        if (performance.now() - lastYield >= _YieldEveryMs) {
            options.onProgress?.(step.value / problem.iterations);
            await new Promise((resolve) => setTimeout(resolve, 0));
            lastYield = performance.now();
        }
        if (options.signal?.aborted) {
            throw new ReconstructionError("ABORTED", `colour fit cancelled after ${step.value} of ${problem.iterations} iterations`);
        }
    }
    options.onProgress?.(1);
    return _ColourPlanesOf(problem.x, problem.resolution);
}

/** The colour fit's normal equations M x = b (M as a product), their Jacobi preconditioner, and the solution x (zeros until solved). */
interface IColourPlanesProblem {
    resolution: number;
    iterations: number;
    apply: (x: Float32Array, out: Float32Array) => void;
    b: Float32Array;
    diagonal: Float32Array;
    x: Float32Array;
}

function _ColourPlanesProblem(volume: ITriplaneFeatures, decoder: Mlp, targets: IColourTargets, options: IColourPlanesFitOptions): IColourPlanesProblem {
    const R = options.resolution ?? 256;
    const iterations = options.iterations ?? 30;
    if (!(Number.isInteger(R) && R >= 2 && R <= 2048) || !(Number.isInteger(iterations) && iterations >= 0)) {
        throw new ReconstructionError("INVALID_ARGUMENT", `the colour fit needs an integer resolution of 2 to 2048 and a whole number of iterations, not ${R} and ${iterations}`);
    }
    const initial = options.initial;
    if (initial && !(Number.isInteger(initial.resolution) && initial.resolution >= 2 && initial.values.length === 9 * initial.resolution ** 2)) {
        throw new ReconstructionError("INVALID_ARGUMENT", `the colour fit's initial planes hold ${initial.values.length} values, not 9 × ${initial.resolution}²`);
    }
    const damping = options.damping ?? 1e-4;
    const smoothness = options.smoothness ?? 0.03;
    const n = targets.weights.length;
    // Right-hand side: the logit offset each point needs, and each row's weight.
    const rhs = new Float32Array(3 * n);
    const rowWeight = new Float32Array(3 * n);
    const base = _DecoderColourLogits(volume, decoder, targets.positions, n);
    for (let p = 0; p < n; p++) {
        for (let c = 0; c < 3; c++) {
            const target = targets.colours[3 * p + c];
            if (Number.isNaN(target)) {
                rowWeight[3 * p + c] = targets.weights[p] * 0.25;
                continue;
            }
            const t = Math.min(Math.max(target, _ColourMargin), 1 - _ColourMargin);
            rhs[3 * p + c] = Math.log(t / (1 - t)) - base[3 * p + c];
            rowWeight[3 * p + c] = targets.weights[p] * (t * (1 - t)) ** 2;
        }
    }
    const taps = _PlaneTaps(targets.positions, volume.boxMin, volume.boxMax, R, n, true);
    const size = 3 * R * R * 3;
    // Unknowns interleaved [plane][row][column][rgb]; the normal equations AᵀWA x = AᵀW b.
    const { offset, weight } = taps;
    const applyNormal = (x: Float32Array, out: Float32Array): void => {
        for (let i = 0; i < size; i++) {
            out[i] = damping * x[i];
        }
        // Per point, its three rows at once (the unknowns' r, g, b lie side by side).
        for (let p = 0; p < n; p++) {
            const w0 = rowWeight[3 * p];
            const w1 = rowWeight[3 * p + 1];
            const w2 = rowWeight[3 * p + 2];
            if (w0 === 0 && w1 === 0 && w2 === 0) {
                continue;
            }
            let v0 = 0;
            let v1 = 0;
            let v2 = 0;
            const end = (p + 1) * _Taps;
            for (let t = p * _Taps; t < end; t++) {
                const a = weight[t];
                const o = 3 * offset[t];
                v0 += a * x[o];
                v1 += a * x[o + 1];
                v2 += a * x[o + 2];
            }
            v0 *= w0;
            v1 *= w1;
            v2 *= w2;
            for (let t = p * _Taps; t < end; t++) {
                const a = weight[t];
                const o = 3 * offset[t];
                out[o] += a * v0;
                out[o + 1] += a * v1;
                out[o + 2] += a * v2;
            }
        }
        _AddLaplacian(x, out, R, smoothness);
    };
    const b = new Float32Array(size);
    const diagonal = new Float32Array(size).fill(damping + 4 * smoothness);
    for (let p = 0; p < n; p++) {
        for (let c = 0; c < 3; c++) {
            const w = rowWeight[3 * p + c];
            for (let t = p * _Taps; t < (p + 1) * _Taps; t++) {
                b[3 * taps.offset[t] + c] += w * taps.weight[t] * rhs[3 * p + c];
                diagonal[3 * taps.offset[t] + c] += w * taps.weight[t] * taps.weight[t];
            }
        }
    }
    return { resolution: R, iterations, apply: applyNormal, b, diagonal, x: initial ? _ResampledSolution(initial, R) : new Float32Array(size) };
}

/**
 * Colour planes resampled to resolution R (bilinear between texel centres, clamped at the edges),
 * as a solution vector [plane][row][column][rgb].
 */
function _ResampledSolution(planes: IColourPlanes, R: number): Float32Array {
    const from = HalfArrayToFloat32(planes.values);
    const S = planes.resolution;
    const x = new Float32Array(3 * R * R * 3);
    const coarse = (j: number): [number, number, number] => {
        const f = Math.min(Math.max(((j + 0.5) * S) / R - 0.5, 0), S - 1);
        const i0 = Math.floor(f);
        return [i0, Math.min(i0 + 1, S - 1), f - i0];
    };
    for (let p = 0; p < 3; p++) {
        for (let row = 0; row < R; row++) {
            const [r0, r1, ay] = coarse(row);
            for (let column = 0; column < R; column++) {
                const [c0, c1, ax] = coarse(column);
                for (let c = 0; c < 3; c++) {
                    const at = (p * 3 + c) * S * S;
                    const top = (1 - ax) * from[at + r0 * S + c0] + ax * from[at + r0 * S + c1];
                    const bottom = (1 - ax) * from[at + r1 * S + c0] + ax * from[at + r1 * S + c1];
                    x[((p * R + row) * R + column) * 3 + c] = (1 - ay) * top + ay * bottom;
                }
            }
        }
    }
    return x;
}

/** The solution, [plane][row][column][rgb], as colour planes ([plane][rgb][row][column], float16). */
function _ColourPlanesOf(x: Float32Array, R: number): IColourPlanes {
    const values = new Float32Array(x.length);
    const plane = R * R;
    for (let p = 0; p < 3; p++) {
        for (let i = 0; i < plane; i++) {
            for (let c = 0; c < 3; c++) {
                values[(p * 3 + c) * plane + i] = x[(p * plane + i) * 3 + c];
            }
        }
    }
    return { resolution: R, values: Float32ArrayToHalf(values) };
}

/** out += smoothness · L x, L the 4-neighbour graph Laplacian of each plane (per colour channel). */
function _AddLaplacian(x: Float32Array, out: Float32Array, R: number, smoothness: number): void {
    for (let p = 0; p < 3; p++) {
        for (let y = 0; y < R; y++) {
            for (let xx = 0; xx < R; xx++) {
                const i = ((p * R + y) * R + xx) * 3;
                for (let c = 0; c < 3; c++) {
                    let acc = 0;
                    const v = x[i + c];
                    if (xx > 0) acc += v - x[i - 3 + c];
                    if (xx < R - 1) acc += v - x[i + 3 + c];
                    if (y > 0) acc += v - x[i - 3 * R + c];
                    if (y < R - 1) acc += v - x[i + 3 * R + c];
                    out[i + c] += smoothness * acc;
                }
            }
        }
    }
}

/** The decoder's raw r, g, b (before the sigmoid) at each point, from the tri-plane's features. */
function _DecoderColourLogits(volume: ITriplaneFeatures, decoder: Mlp, positions: Float32Array, n: number): Float32Array {
    const { channels: C, resolution: R } = volume;
    // The features texel by texel ([plane][row][column][channel]): a tap reads C neighbouring values
    // instead of C values a plane apart.
    const values = HalfArrayToFloat32(volume.triplane);
    const plane = R * R;
    const texels = new Float32Array(values.length);
    for (let pl = 0; pl < 3; pl++) {
        for (let k = 0; k < C; k++) {
            const from = (pl * C + k) * plane;
            for (let i = 0; i < plane; i++) {
                texels[(pl * plane + i) * C + k] = values[from + i];
            }
        }
    }
    const taps = _PlaneTaps(positions, volume.boxMin, volume.boxMax, R, n, false);
    const f = new Float32Array(C);
    const o = new Float32Array(decoder.outputSize);
    const out = new Float32Array(3 * n);
    for (let p = 0; p < n; p++) {
        f.fill(0);
        for (let t = p * _Taps; t < (p + 1) * _Taps; t++) {
            const at = taps.offset[t] * C;
            const w = taps.weight[t];
            for (let k = 0; k < C; k++) {
                f[k] += w * texels[at + k];
            }
        }
        decoder.evaluate(f, o);
        out[3 * p] = o[1];
        out[3 * p + 1] = o[2];
        out[3 * p + 2] = o[3];
    }
    return out;
}

/**
 * The 12 bilinear taps (3 planes × 4 texels) of each point, as in shaders/triplane.wgsl: texel
 * centres at (i + ½)/R, clamped to the edge. Offsets are texel indices `plane·R² + row·R + column`.
 * For the colour planes (`colourPlanes`), the xy plane's taps carry its fade (`ColourPlaneXyWeight`).
 */
function _PlaneTaps(positions: Float32Array, boxMin: readonly number[], boxMax: readonly number[], R: number, n: number, colourPlanes: boolean): { offset: Uint32Array; weight: Float32Array } {
    const offset = new Uint32Array(n * _Taps);
    const weight = new Float32Array(n * _Taps);
    const axes: [number, number][] = [
        [0, 1],
        [0, 2],
        [1, 2],
    ];
    const uv = [0, 0, 0];
    for (let p = 0; p < n; p++) {
        for (let a = 0; a < 3; a++) {
            uv[a] = Math.min(Math.max((positions[3 * p + a] - boxMin[a]) / (boxMax[a] - boxMin[a]), 0), 1);
        }
        for (let plane = 0; plane < 3; plane++) {
            const [s, r] = axes[plane];
            const fx = Math.min(Math.max(uv[s] * R - 0.5, 0), R - 1);
            const fy = Math.min(Math.max(uv[r] * R - 0.5, 0), R - 1);
            const x0 = Math.floor(fx);
            const y0 = Math.floor(fy);
            const x1 = Math.min(x0 + 1, R - 1);
            const y1 = Math.min(y0 + 1, R - 1);
            const ax = fx - x0;
            const ay = fy - y0;
            const at = p * _Taps + plane * 4;
            // The colour planes' xy plane fades out towards the back of the head, as the shader does.
            const scale = colourPlanes && plane === 0 ? ColourPlaneXyWeight(2 * uv[2] - 1) : 1;
            const row0 = plane * R * R + y0 * R;
            const row1 = plane * R * R + y1 * R;
            offset[at] = row0 + x0;
            offset[at + 1] = row0 + x1;
            offset[at + 2] = row1 + x0;
            offset[at + 3] = row1 + x1;
            weight[at] = scale * (1 - ax) * (1 - ay);
            weight[at + 1] = scale * ax * (1 - ay);
            weight[at + 2] = scale * (1 - ax) * ay;
            weight[at + 3] = scale * ax * ay;
        }
    }
    return { offset, weight };
}

/**
 * Solves M x = b (M symmetric positive-definite, given as a product) into `problem.x` by
 * Jacobi-preconditioned conjugate gradients, one iteration per step; each step yields the number of
 * iterations done.
 */
function* _ConjugateGradientSteps(problem: IColourPlanesProblem): Generator<number, void> {
    const { apply, b, diagonal, iterations, x } = problem;
    const size = b.length;
    const z = new Float32Array(size);
    const q = new Float32Array(size);
    // r = b − M x (x is zero unless the fit starts from given planes).
    const r = Float32Array.from(b);
    if (x.some((v) => v !== 0)) {
        apply(x, q);
        for (let i = 0; i < size; i++) {
            r[i] -= q[i];
        }
    }
    for (let i = 0; i < size; i++) {
        z[i] = r[i] / diagonal[i];
    }
    const d = Float32Array.from(z);
    let rz = 0;
    for (let i = 0; i < size; i++) {
        rz += r[i] * z[i];
    }
    for (let it = 0; it < iterations && rz > 0; it++) {
        apply(d, q);
        let dq = 0;
        for (let i = 0; i < size; i++) {
            dq += d[i] * q[i];
        }
        if (dq <= 0) {
            break;
        }
        const step = rz / dq;
        let rzNext = 0;
        for (let i = 0; i < size; i++) {
            x[i] += step * d[i];
            r[i] -= step * q[i];
            z[i] = r[i] / diagonal[i];
            rzNext += r[i] * z[i];
        }
        const beta = rzNext / rz;
        rz = rzNext;
        for (let i = 0; i < size; i++) {
            d[i] = z[i] + beta * d[i];
        }
        yield it + 1;
    }
}
