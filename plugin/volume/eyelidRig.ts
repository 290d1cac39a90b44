import { ArkitNames } from "../expression/arkitNames";
import { type IPackEyelids } from "../pack/packManifest";

/** Floats per eye in the GPU block: centre (3), radius, blink, 3 unused, then margin x, elevation and turn. */
const _EyeHeader = 8;

/**
 * The pack's eyelid rig for one identity (docs/formats.md, "eyelids"; the maths of models/eyelids.py):
 * each eye's centre, radius and upper-lid margin for α, as the raymarcher reads them from `nofaDynamic`
 * (shaders/eyelids.wgsl). A closing lid turns about its eye's lateral axis, so blinks close the lids,
 * which the learned backward field does not do at the pack's size.
 */
export class EyelidRig {
    private readonly _block: Float32Array;
    private readonly _blinkIndices: number[];

    /**
     * @param spec the pack's eyelid rig
     * @param alpha the avatar's identity (the pack's `alphaDims` values)
     */
    constructor(spec: IPackEyelids, alpha: ArrayLike<number>) {
        const k = spec.marginPoints;
        const overshoot = (spec.overshootDegrees * Math.PI) / 180;
        this._block = new Float32Array(EyelidRig.BlockLength(spec));
        this._blinkIndices = spec.eyes.map((eye) => (ArkitNames as readonly string[]).indexOf(eye.expression));
        spec.eyes.forEach((eye, e) => {
            const base = e * (_EyeHeader + 3 * k);
            const centre = _linear(eye.centre.mean, eye.centre.identity, alpha);
            this._block.set(centre, base);
            this._block[base + 3] = _linear([eye.radius.mean], eye.radius.identity.map((r) => [r]), alpha)[0];
            const points = eye.margin.mean.map((mean, p) => {
                const m = _linear(mean, eye.margin.identity.map((rows) => rows[p]), alpha).map((v, c) => v - centre[c]);
                const q = m.map((v, c) => v + eye.margin.closedOffset[p][c]);
                const elevation = Math.atan2(m[1], m[2]);
                return { x: m[0], elevation, turn: Math.max(elevation - Math.atan2(q[1], q[2]), 0) + overshoot };
            });
            points.sort((a, b) => a.x - b.x);
            points.forEach((p, i) => {
                this._block[base + _EyeHeader + i] = p.x;
                this._block[base + _EyeHeader + k + i] = p.elevation;
                this._block[base + _EyeHeader + 2 * k + i] = p.turn;
            });
        });
    }

    /**
     * Floats the rig takes in `nofaDynamic`.
     * @param spec the pack's eyelid rig
     * @returns the block's length
     */
    public static BlockLength(spec: IPackEyelids): number {
        return spec.eyes.length * (_EyeHeader + 3 * spec.marginPoints);
    }

    /**
     * Writes the rig, with each eye's blink weight from β, into the `nofaDynamic` values.
     * @param beta expression weights (53 values)
     * @param out the `nofaDynamic` values
     * @param offset where the rig's block starts in `out`
     */
    public write(beta: ArrayLike<number>, out: Float32Array, offset: number): void {
        out.set(this._block, offset);
        const stride = this._block.length / this._blinkIndices.length;
        this._blinkIndices.forEach((index, e) => {
            out[offset + e * stride + 4] = Math.min(Math.max(beta[index], 0), 1);
        });
    }
}

/** mean + Σ_i α_i · rows[i], per component. */
function _linear(mean: number[], rows: number[][], alpha: ArrayLike<number>): number[] {
    return mean.map((m, c) => rows.reduce((sum, row, i) => sum + alpha[i] * row[c], m));
}
