import { ExpressionCount } from "../expression/arkitNames.js";

/** Options of an {@link ExpressionSmoother}. */
export interface IExpressionSmootherOptions {
    /** Time constant when a weight rises, seconds (default 0.015). */
    attack?: number;
    /** Time constant when a weight falls, seconds (default 0.035). */
    release?: number;
    /** A weight that reached a peak is held at least this long before it falls, seconds (default 0.02). */
    hold?: number;
    /** Silence probability above which the targets are all zero: the mouth closes (default 0.6). */
    silenceThreshold?: number;
}

/**
 * Smooths a stream of expression targets: one-pole filters with separate attack and release,
 * a minimum hold at peaks so that shapes do not flicker, and silence → all weights to zero
 * (the mouth closes). Frame-rate independent (each update takes its time step). No allocation
 * per update.
 */
export class ExpressionSmoother {
    /** Current smoothed weights (53). */
    public readonly current = new Float32Array(ExpressionCount);
    private readonly _attack: number;
    private readonly _release: number;
    private readonly _hold: number;
    private readonly _silence: number;
    private readonly _heldFor = new Float32Array(ExpressionCount);

    /**
     * @param options time constants and thresholds
     */
    constructor(options: IExpressionSmootherOptions = {}) {
        this._attack = options.attack ?? 0.015;
        this._release = options.release ?? 0.035;
        this._hold = options.hold ?? 0.02;
        this._silence = options.silenceThreshold ?? 0.6;
    }

    /** Closes the mouth at once (after stop or interrupt). */
    public reset(): void {
        this.current.fill(0);
        this._heldFor.fill(0);
    }

    /**
     * Advances by one step towards new targets.
     * @param target 53 target weights
     * @param silenceProbability probability that this is silence (0–1)
     * @param dt time step, seconds
     * @returns the smoothed weights ({@link current})
     */
    public update(target: ArrayLike<number>, silenceProbability: number, dt: number): Float32Array {
        const silent = silenceProbability > this._silence;
        const ka = 1 - Math.exp(-dt / this._attack);
        const kr = 1 - Math.exp(-dt / this._release);
        const cur = this.current;
        for (let i = 0; i < ExpressionCount; i++) {
            const t = silent ? 0 : Math.min(1, Math.max(0, target[i]));
            if (t >= cur[i]) {
                cur[i] += (t - cur[i]) * ka;
                this._heldFor[i] = 0;
            } else if (this._heldFor[i] < this._hold) {
                this._heldFor[i] += dt;
            } else {
                cur[i] += (t - cur[i]) * kr;
            }
        }
        return cur;
    }
}
