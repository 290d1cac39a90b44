import { ExpressionCount, GetExpressionIndex } from "../expression/arkitNames.js";
import { GetVisemeIndex, VisemeDominance, Visemes, VisemeShapes, type Viseme } from "./visemes.js";

/** A timed viseme, as in the evaluation's dataset files (`{ v, start, end }`, seconds). */
export interface IVisemeSegment {
    /** Viseme name (one of the 15 Oculus visemes). */
    v: string;
    /** Start time in seconds. */
    start: number;
    /** End time in seconds. */
    end: number;
}

/** The shape table as a dense matrix: 15 visemes × 53 weights. */
export const VisemeShapeMatrix: Float32Array = (() => {
    const m = new Float32Array(Visemes.length * ExpressionCount);
    Visemes.forEach((v, i) => {
        for (const [name, w] of Object.entries(VisemeShapes[v])) {
            m[i * ExpressionCount + GetExpressionIndex(name)] = w as number;
        }
    });
    return m;
})();

/**
 * Expression weights of a blend of visemes: `out = Σ_v p_v · shape_v`.
 * @param visemeWeights 15 weights (probabilities or scores), in {@link Visemes} order
 * @param out receives the 53 expression weights
 * @returns out
 */
export function VisemeBlendToExpression(visemeWeights: ArrayLike<number>, out: Float32Array): Float32Array {
    out.fill(0);
    for (let v = 0; v < Visemes.length; v++) {
        const p = visemeWeights[v];
        if (p === 0) {
            continue;
        }
        const row = v * ExpressionCount;
        for (let i = 0; i < ExpressionCount; i++) {
            out[i] += p * VisemeShapeMatrix[row + i];
        }
    }
    return out;
}

/**
 * Frame-wise targets of a viseme sequence: the viseme class of each frame (the segment that holds
 * the frame's time) and the 53 expression weights with coarticulation (dominance blending of the
 * shapes of segments within 0.3 s; see {@link VisemeDominance}).
 * Frame `k` is at time `k / frameRate`.
 * @param segments timed visemes
 * @param frameCount number of frames
 * @param frameRate frames per second (100 for the lip-sync network)
 * @returns `labels` (class index per frame, 0 = sil outside every segment) and `weights` (frameCount × 53)
 */
export function ComputeVisemeTargets(
    segments: readonly IVisemeSegment[],
    frameCount: number,
    frameRate: number
): { labels: Uint8Array; weights: Float32Array } {
    const labels = new Uint8Array(frameCount);
    const weights = new Float32Array(frameCount * ExpressionCount);
    const idx = segments.map((s) => {
        const i = GetVisemeIndex(s.v);
        return i < 0 ? 0 : i;
    });
    let first = 0;
    for (let k = 0; k < frameCount; k++) {
        const t = k / frameRate;
        while (first < segments.length && segments[first].end < t - 0.3) {
            first++;
        }
        let total = 0;
        const base = k * ExpressionCount;
        for (let s = first; s < segments.length && segments[s].start <= t + 0.3; s++) {
            const seg = segments[s];
            const v = idx[s];
            if (t >= seg.start && t < seg.end) {
                labels[k] = v;
            }
            const dom = VisemeDominance[Visemes[v] as Viseme];
            const d = t < seg.start ? seg.start - t : t > seg.end ? t - seg.end : 0;
            const w = dom.strength * Math.exp(-d / dom.decay);
            if (w < 1e-6) {
                continue;
            }
            total += w;
            const row = v * ExpressionCount;
            for (let i = 0; i < ExpressionCount; i++) {
                weights[base + i] += w * VisemeShapeMatrix[row + i];
            }
        }
        if (total > 0) {
            for (let i = 0; i < ExpressionCount; i++) {
                weights[base + i] /= total;
            }
        }
    }
    return { labels, weights };
}
