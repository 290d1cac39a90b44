/**
 * Lip-sync evaluation metrics (docs/lipsync.md, "Evaluation"). Every system is reduced to the
 * same per-frame form at 100 fps: a viseme class (15 Oculus classes) and 53 ARKit weights.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ExpressionCount } from "../../../plugin/expression/arkitNames.js";
import { MergedVisemeOf, Visemes } from "../../../plugin/audio/visemes.js";
import type { IVisemeSegment } from "../../../plugin/audio/visemeTargets.js";

/** One system's output over one utterance. */
export interface ISystemFrames {
    classes: Uint8Array;
    weights: Float32Array;
}

/** Reference of one utterance. */
export interface IReference {
    labels: Uint8Array;
    weights: Float32Array;
    visemes: IVisemeSegment[];
}

interface ILipBasis {
    neutral: number[][];
    modes: number[][][];
    upperInnerLip: number;
    lowerInnerLip: number;
}

const basis = JSON.parse(readFileSync(fileURLToPath(new URL("../../../models/lipsync/ict-lip-basis.json", import.meta.url)), "utf8")) as ILipBasis;
const L = basis.neutral.length;
const modes = new Float32Array(ExpressionCount * L * 3);
basis.modes.forEach((m, e) => m.forEach((v, i) => modes.set(v, (e * L + i) * 3)));

/** Lip landmark displacements (cm) of a pose: L × 3. */
function lipOffsets(w: Float32Array, o: number, out: Float32Array): Float32Array {
    out.fill(0);
    for (let e = 0; e < ExpressionCount; e++) {
        const b = w[o + e];
        if (b === 0) {
            continue;
        }
        for (let i = 0; i < L * 3; i++) {
            out[i] += b * modes[e * L * 3 + i];
        }
    }
    return out;
}

/** Inner-lip gap (cm, upper minus lower lip along y) of each frame. */
export function LipGap(weights: Float32Array): Float32Array {
    const n = weights.length / ExpressionCount;
    const g = new Float32Array(n);
    const tmp = new Float32Array(L * 3);
    const u = basis.upperInnerLip;
    const l = basis.lowerInnerLip;
    const neutralGap = basis.neutral[u][1] - basis.neutral[l][1];
    for (let f = 0; f < n; f++) {
        lipOffsets(weights, f * ExpressionCount, tmp);
        g[f] = neutralGap + tmp[u * 3 + 1] - tmp[l * 3 + 1];
    }
    return g;
}

/** Inner-lip gap (cm) at or below which the mouth counts as closed. */
export const ClosedGap = 0.25;

/** Accumulates metrics over utterances. */
export class MetricAccumulator {
    private _frames = 0;
    private _correct = 0;
    private _correctMerged = 0;
    private _predSil = 0;
    private _predSilTrue = 0;
    private _refSil = 0;
    private _pp = 0;
    private _ppClosed = 0;
    private _lve = 0;
    private _jawPred: number[] = [];
    private _jawRef: number[] = [];

    public add(ref: IReference, sys: ISystemFrames): void {
        const n = ref.labels.length;
        const a = new Float32Array(L * 3);
        const b = new Float32Array(L * 3);
        const jaw = 26;
        for (let f = 0; f < n; f++) {
            const r = ref.labels[f];
            const p = sys.classes[f];
            this._frames++;
            this._correct += +(r === p);
            this._correctMerged += +(MergedVisemeOf[Visemes[r]] === MergedVisemeOf[Visemes[p]]);
            if (p === 0) {
                this._predSil++;
                this._predSilTrue += +(r === 0);
            }
            this._refSil += +(r === 0);
            lipOffsets(sys.weights, f * ExpressionCount, a);
            lipOffsets(ref.weights, f * ExpressionCount, b);
            let e = 0;
            for (let i = 0; i < L; i++) {
                e += Math.hypot(a[i * 3] - b[i * 3], a[i * 3 + 1] - b[i * 3 + 1], a[i * 3 + 2] - b[i * 3 + 2]);
            }
            this._lve += (e / L) * 10; // mm
            this._jawPred.push(sys.weights[f * ExpressionCount + jaw]);
            this._jawRef.push(ref.weights[f * ExpressionCount + jaw]);
        }
        const gap = LipGap(sys.weights);
        for (const s of ref.visemes) {
            if (s.v !== "PP" || s.end - s.start < 0.04) {
                continue;
            }
            this._pp++;
            const f0 = Math.max(0, Math.floor((s.start - 0.02) * 100));
            const f1 = Math.min(n - 1, Math.ceil((s.end + 0.02) * 100));
            let closed = false;
            for (let f = f0; f <= f1; f++) {
                closed ||= gap[f] <= ClosedGap;
            }
            this._ppClosed += +closed;
        }
    }

    /** Lag (frames, 0–20) maximising the correlation of predicted and reference jawOpen. */
    public jawLag(): { lagFrames: number; correlation: number } {
        let best = { lagFrames: 0, correlation: -2 };
        const n = this._jawRef.length;
        for (let lag = 0; lag <= 20; lag++) {
            let sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, m = 0;
            for (let i = 0; i + lag < n; i++) {
                const x = this._jawPred[i + lag];
                const y = this._jawRef[i];
                sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y; m++;
            }
            const c = (sxy - (sx * sy) / m) / Math.sqrt((sxx - (sx * sx) / m) * (syy - (sy * sy) / m) + 1e-12);
            if (c > best.correlation) {
                best = { lagFrames: lag, correlation: c };
            }
        }
        return best;
    }

    public result(): Record<string, number> {
        const lag = this.jawLag();
        const r3 = (x: number): number => Math.round(x * 1000) / 1000;
        return {
            frames: this._frames,
            visemeAccuracy15: r3(this._correct / this._frames),
            visemeAccuracy5: r3(this._correctMerged / this._frames),
            bilabialClosureRecall: r3(this._pp ? this._ppClosed / this._pp : 0),
            bilabialSegments: this._pp,
            silencePrecision: r3(this._predSil ? this._predSilTrue / this._predSil : 0),
            silenceRecall: r3(this._refSil ? this._predSilTrue / this._refSil : 0),
            lipVertexErrorMm: r3(this._lve / this._frames),
            jawOpenCorrelation: r3(lag.correlation),
            jawOpenLagMs: lag.lagFrames * 10,
        };
    }
}
