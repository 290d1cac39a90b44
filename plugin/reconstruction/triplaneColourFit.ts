import { HalfArrayToFloat32, Float32ArrayToHalf } from "../io/float16";
import { type Mlp } from "../network/mlp";

/** Points whose decoded colour the fit moves towards a target. */
export interface IColourTargets {
    /** Canonical positions `[n][3]`, in the pack's units (cm). */
    positions: Float32Array;
    /** Target sRGB colours `[n][3]` in [0, 1]; NaN keeps the point's colour as it was before the fit. */
    colours: Float32Array;
    /** Weight of each point (0 ignores it). */
    weights: Float32Array;
}

/** Options of {@link FitTriplaneColours}. */
export interface ITriplaneColourFitOptions {
    /** Gauss–Newton relinearisations. Default 2. */
    outerIterations?: number;
    /** Conjugate-gradient iterations per relinearisation. Default 12. */
    innerIterations?: number;
    /** Weight of keeping the density (raw decoder output 0) where it was, against colour error. Default 0.1. */
    densityWeight?: number;
    /** Damping of the feature change (Tikhonov). Default 1e-3. */
    damping?: number;
}

/** The tri-plane and where it sits, as the fit reads and writes it. */
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

const _Taps = 12;

/**
 * Fast adaptation (the role of NOFA's Eq. 14): changes the tri-plane features so that the decoder
 * gives each target point its colour, while the density at those points stays as it was (the
 * shape is G(α)'s; a depth prior in effect). The decoder is linearised around the current
 * features (its ReLU pattern fixed), the linear least-squares problem over all feature texels is
 * solved by damped conjugate gradients (CGLS), and that is repeated `outerIterations` times.
 * Texels no point reaches keep their values.
 * @param volume the tri-plane (not modified)
 * @param decoder the pack's decoder (features → density, r, g, b before their activations)
 * @param targets colour targets
 * @param options iterations and weights
 * @returns the new tri-plane, float16 bits in the same layout
 */
export function FitTriplaneColours(volume: ITriplaneFeatures, decoder: Mlp, targets: IColourTargets, options: ITriplaneColourFitOptions = {}): Uint16Array {
    const { channels: C, resolution: R } = volume;
    const outer = options.outerIterations ?? 2;
    const inner = options.innerIterations ?? 12;
    const densityWeight = options.densityWeight ?? 0.1;
    const damping = options.damping ?? 1e-3;
    const n = targets.weights.length;
    const features = _Interleave(HalfArrayToFloat32(volume.triplane), C, R);
    const taps = _Taps3(targets.positions, volume, n);
    const rows = new Float32Array(n * 4 * C);
    const residual = new Float32Array(n * 4);
    const originalDensity = new Float32Array(n);
    const target = new Float32Array(3 * n);
    const f = new Float32Array(C);
    for (let it = 0; it < outer; it++) {
        for (let p = 0; p < n; p++) {
            _Gather(features, taps, p, C, f);
            const o = _ForwardWithJacobian(decoder, f, rows, p * 4 * C);
            if (it === 0) {
                originalDensity[p] = o[0];
                for (let c = 0; c < 3; c++) {
                    target[3 * p + c] = Number.isNaN(targets.colours[3 * p + c]) ? 1 / (1 + Math.exp(-o[c + 1])) : targets.colours[3 * p + c];
                }
            }
            const w = Math.sqrt(targets.weights[p]);
            // Row 0: density held at its original value; rows 1–3: colour after the sigmoid.
            for (let k = 0; k < C; k++) {
                rows[p * 4 * C + k] *= densityWeight;
            }
            residual[4 * p] = densityWeight * (originalDensity[p] - o[0]);
            for (let c = 1; c < 4; c++) {
                const s = 1 / (1 + Math.exp(-o[c]));
                const scale = w * s * (1 - s);
                const row = (p * 4 + c) * C;
                for (let k = 0; k < C; k++) {
                    rows[row + k] *= scale;
                }
                residual[4 * p + c] = w * (target[3 * p + c - 1] - s);
            }
        }
        const delta = _SolveDampedLeastSquares(features.length, taps, rows, residual, n, C, damping, inner);
        for (let i = 0; i < features.length; i++) {
            features[i] += delta[i];
        }
    }
    return Float32ArrayToHalf(_Deinterleave(features, C, R));
}

/** [plane][channel][row][column] → [plane][row][column][channel]. */
function _Interleave(values: Float32Array, C: number, R: number): Float32Array {
    const out = new Float32Array(values.length);
    const plane = R * R;
    for (let p = 0; p < 3; p++) {
        for (let c = 0; c < C; c++) {
            const src = (p * C + c) * plane;
            for (let i = 0; i < plane; i++) {
                out[(p * plane + i) * C + c] = values[src + i];
            }
        }
    }
    return out;
}

function _Deinterleave(values: Float32Array, C: number, R: number): Float32Array {
    const out = new Float32Array(values.length);
    const plane = R * R;
    for (let p = 0; p < 3; p++) {
        for (let c = 0; c < C; c++) {
            const dst = (p * C + c) * plane;
            for (let i = 0; i < plane; i++) {
                out[dst + i] = values[(p * plane + i) * C + c];
            }
        }
    }
    return out;
}

/**
 * The 12 bilinear taps (3 planes × 4 texels) of each point, as in shaders/triplane.wgsl: texel
 * centres at (i + ½)/R, clamped to the edge. Offsets are into the interleaved features (× C).
 */
function _Taps3(positions: Float32Array, volume: ITriplaneFeatures, n: number): { offset: Uint32Array; weight: Float32Array } {
    const R = volume.resolution;
    const C = volume.channels;
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
            const t = (positions[3 * p + a] - volume.boxMin[a]) / (volume.boxMax[a] - volume.boxMin[a]);
            uv[a] = Math.min(Math.max(t, 0), 1);
        }
        axes.forEach(([s, r], plane) => {
            const fx = Math.min(Math.max(uv[s] * R - 0.5, 0), R - 1);
            const fy = Math.min(Math.max(uv[r] * R - 0.5, 0), R - 1);
            const x0 = Math.floor(fx);
            const y0 = Math.floor(fy);
            const x1 = Math.min(x0 + 1, R - 1);
            const y1 = Math.min(y0 + 1, R - 1);
            const ax = fx - x0;
            const ay = fy - y0;
            const base = p * _Taps + plane * 4;
            const texel = (x: number, y: number): number => (plane * R * R + y * R + x) * C;
            offset.set([texel(x0, y0), texel(x1, y0), texel(x0, y1), texel(x1, y1)], base);
            weight.set([(1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay], base);
        });
    }
    return { offset, weight };
}

function _Gather(values: Float32Array, taps: { offset: Uint32Array; weight: Float32Array }, p: number, C: number, out: Float32Array): void {
    out.fill(0);
    for (let t = p * _Taps; t < (p + 1) * _Taps; t++) {
        const o = taps.offset[t];
        const w = taps.weight[t];
        for (let k = 0; k < C; k++) {
            out[k] += w * values[o + k];
        }
    }
}

function _Scatter(values: Float32Array, taps: { offset: Uint32Array; weight: Float32Array }, p: number, C: number, v: Float32Array): void {
    for (let t = p * _Taps; t < (p + 1) * _Taps; t++) {
        const o = taps.offset[t];
        const w = taps.weight[t];
        for (let k = 0; k < C; k++) {
            values[o + k] += w * v[k];
        }
    }
}

/**
 * The decoder's raw outputs at `input` and their Jacobian with respect to the input (ReLU pattern
 * fixed), written row-major `[outputs][inputs]` into `jacobian` at `offset`. Forward pass first,
 * then the Jacobian from the output layer back (outputs × width products only).
 */
function _ForwardWithJacobian(decoder: Mlp, input: Float32Array, jacobian: Float32Array, offset: number): Float32Array {
    const activations: Float32Array[] = [input];
    for (const layer of decoder.layers) {
        const x = activations[activations.length - 1];
        const y = new Float32Array(layer.outputs);
        for (let o = 0; o < layer.outputs; o++) {
            let acc = layer.bias[o];
            const row = o * layer.inputs;
            for (let i = 0; i < layer.inputs; i++) {
                acc += layer.weight[row + i] * x[i];
            }
            y[o] = layer.relu && acc < 0 ? 0 : acc;
        }
        activations.push(y);
    }
    const layers = decoder.layers;
    const outputs = layers[layers.length - 1].outputs;
    // j: d(outputs)/d(input of layer l), [outputs][inputs of l].
    let j = Float32Array.from(layers[layers.length - 1].weight);
    for (let l = layers.length - 2; l >= 0; l--) {
        const layer = layers[l];
        const active = activations[l + 1];
        const next = new Float32Array(outputs * layer.inputs);
        for (let o = 0; o < outputs; o++) {
            for (let m = 0; m < layer.outputs; m++) {
                const v = j[o * layer.outputs + m];
                if (v === 0 || (layer.relu && active[m] <= 0)) {
                    continue;
                }
                const row = m * layer.inputs;
                for (let i = 0; i < layer.inputs; i++) {
                    next[o * layer.inputs + i] += v * layer.weight[row + i];
                }
            }
        }
        j = next;
    }
    jacobian.set(j, offset);
    return activations[activations.length - 1];
}

/**
 * min |A x − b|² + damping |x|² by conjugate gradients on the normal equations with a Jacobi
 * preconditioner, where A maps the feature texels to 4 rows per point
 * (row r of point p: `rows[p][r] · Σ taps weight · x[tap]`).
 */
function _SolveDampedLeastSquares(
    size: number,
    taps: { offset: Uint32Array; weight: Float32Array },
    rows: Float32Array,
    b: Float32Array,
    n: number,
    C: number,
    damping: number,
    iterations: number
): Float32Array {
    const g = new Float32Array(C);
    const h = new Float32Array(C);
    const apply = (x: Float32Array, out: Float32Array): void => {
        for (let p = 0; p < n; p++) {
            _Gather(x, taps, p, C, g);
            for (let r = 0; r < 4; r++) {
                const row = (p * 4 + r) * C;
                let acc = 0;
                for (let k = 0; k < C; k++) {
                    acc += rows[row + k] * g[k];
                }
                out[4 * p + r] = acc;
            }
        }
    };
    const applyTransposed = (y: Float32Array, out: Float32Array): void => {
        out.fill(0);
        for (let p = 0; p < n; p++) {
            h.fill(0);
            for (let r = 0; r < 4; r++) {
                const row = (p * 4 + r) * C;
                const v = y[4 * p + r];
                if (v === 0) {
                    continue;
                }
                for (let k = 0; k < C; k++) {
                    h[k] += v * rows[row + k];
                }
            }
            _Scatter(out, taps, p, C, h);
        }
    };
    const dot = (a: Float32Array, c: Float32Array): number => {
        let s = 0;
        for (let i = 0; i < a.length; i++) {
            s += a[i] * c[i];
        }
        return s;
    };
    // Jacobi preconditioner: the diagonal of AᵀA + damping.
    const diagonal = new Float32Array(size).fill(damping);
    for (let p = 0; p < n; p++) {
        h.fill(0);
        for (let r = 0; r < 4; r++) {
            const row = (p * 4 + r) * C;
            for (let k = 0; k < C; k++) {
                h[k] += rows[row + k] * rows[row + k];
            }
        }
        for (let t = p * _Taps; t < (p + 1) * _Taps; t++) {
            const o = taps.offset[t];
            const w2 = taps.weight[t] * taps.weight[t];
            for (let k = 0; k < C; k++) {
                diagonal[o + k] += w2 * h[k];
            }
        }
    }
    const x = new Float32Array(size);
    const r = Float32Array.from(b);
    const s = new Float32Array(size);
    const z = new Float32Array(size);
    applyTransposed(r, s);
    for (let i = 0; i < size; i++) {
        z[i] = s[i] / diagonal[i];
    }
    const pDir = Float32Array.from(z);
    const q = new Float32Array(4 * n);
    let gamma = dot(s, z);
    for (let it = 0; it < iterations && gamma > 0; it++) {
        apply(pDir, q);
        const delta = dot(q, q) + damping * dot(pDir, pDir);
        if (delta <= 0) {
            break;
        }
        const step = gamma / delta;
        for (let i = 0; i < size; i++) {
            x[i] += step * pDir[i];
        }
        for (let i = 0; i < q.length; i++) {
            r[i] -= step * q[i];
        }
        applyTransposed(r, s);
        for (let i = 0; i < size; i++) {
            s[i] -= damping * x[i];
            z[i] = s[i] / diagonal[i];
        }
        const gammaNext = dot(s, z);
        const beta = gammaNext / gamma;
        gamma = gammaNext;
        for (let i = 0; i < size; i++) {
            pDir[i] = z[i] + beta * pDir[i];
        }
    }
    return x;
}
