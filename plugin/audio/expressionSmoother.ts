import { ExpressionCount } from "../expression/arkitNames.js";
import { VisemeShapeMatrix } from "./visemeTargets.js";

/** Options of an {@link ExpressionSmoother}. */
export interface IExpressionSmootherOptions {
    /** Time constant when a weight rises, seconds (default 0.008). */
    attack?: number;
    /** Time constant when a weight falls, seconds (default 0.02). */
    release?: number;
    /** A weight that reached a peak is held at least this long before it falls, seconds (default 0.01). */
    hold?: number;
    /** Silence probability above which the targets are all zero: the mouth closes (default 0.6). */
    silenceThreshold?: number;
    /** Lip closure = min(1, gain × P(PP)) (default 4): a likely /p b m/ closes the lips at once. */
    closureGain?: number;
    /** A lip closure is held at least this long, seconds (default 0.02). */
    closureHold?: number;
}

/**
 * Turns the network's per-frame output into the pose shown: one-pole filters with separate
 * attack and release and a minimum hold at peaks (no flicker); the bilabial closure blended in
 * from the /p b m/ probability, instantly and held at least `closureHold` (so short closures are
 * seen and do not flicker); silence → all weights to zero (the mouth closes). Frame-rate
 * independent (each update takes its time step). No allocation per update.
 */
export class ExpressionSmoother {
    /** The pose after the last update (53 weights). */
    public readonly current = new Float32Array(ExpressionCount);
    private readonly _smoothed = new Float32Array(ExpressionCount);
    private readonly _attack: number;
    private readonly _release: number;
    private readonly _hold: number;
    private readonly _silence: number;
    private readonly _closureGain: number;
    private readonly _closureHold: number;
    private readonly _heldFor = new Float32Array(ExpressionCount);
    private _closure = 0;
    private _closureHeldFor = 0;

    /**
     * @param options time constants and thresholds
     */
    constructor(options: IExpressionSmootherOptions = {}) {
        this._attack = options.attack ?? 0.008;
        this._release = options.release ?? 0.02;
        this._hold = options.hold ?? 0.01;
        this._silence = options.silenceThreshold ?? 0.6;
        this._closureGain = options.closureGain ?? 4;
        this._closureHold = options.closureHold ?? 0.02;
    }

    /** Closes the mouth at once (after stop or interrupt). */
    public reset(): void {
        this.current.fill(0);
        this._smoothed.fill(0);
        this._heldFor.fill(0);
        this._closure = 0;
        this._closureHeldFor = 0;
    }

    /**
     * Advances by one step towards new targets.
     * @param target 53 target weights
     * @param silenceProbability probability that this is silence (0–1)
     * @param closureProbability probability of a bilabial closure, /p b m/ (0–1)
     * @param dt time step, seconds
     * @returns the pose ({@link current})
     */
    public update(target: ArrayLike<number>, silenceProbability: number, closureProbability: number, dt: number): Float32Array {
        const silent = silenceProbability > this._silence;
        const ka = 1 - Math.exp(-dt / this._attack);
        const kr = 1 - Math.exp(-dt / this._release);
        const s = this._smoothed;
        for (let i = 0; i < ExpressionCount; i++) {
            const t = silent ? 0 : Math.min(1, Math.max(0, target[i]));
            if (t >= s[i]) {
                s[i] += (t - s[i]) * ka;
                this._heldFor[i] = 0;
            } else if (this._heldFor[i] < this._hold) {
                this._heldFor[i] += dt;
            } else {
                s[i] += (t - s[i]) * kr;
            }
        }
        const c = silent ? 0 : Math.min(1, this._closureGain * Math.max(0, closureProbability));
        if (c >= this._closure) {
            this._closure = c;
            this._closureHeldFor = 0;
        } else if (this._closureHeldFor < this._closureHold) {
            this._closureHeldFor += dt;
        } else {
            this._closure += (c - this._closure) * kr;
        }
        const k = this._closure;
        const pp = ExpressionCount; // row 1 of the shape matrix: PP
        for (let i = 0; i < ExpressionCount; i++) {
            this.current[i] = (1 - k) * s[i] + k * VisemeShapeMatrix[pp + i];
        }
        return this.current;
    }
}
