import { GetExpressionIndex } from "../expression/arkitNames.js";

const _BlinkL = GetExpressionIndex("eyeBlink_L");
const _BlinkR = GetExpressionIndex("eyeBlink_R");

/**
 * Idle blinks for a talking head (DESIGN.md §2: mouth and jaw from audio, plus idle blinks):
 * a blink every 2–6 s (uniformly random), 150 ms long (closing 40 %, opening 60 %), with an
 * occasional double blink. Deterministic for a given seed. No allocation per update.
 */
export class IdleBlinker {
    private _seed: number;
    private _untilNext: number;
    private _phase = -1;

    /**
     * @param seed seed of the blink timing
     */
    constructor(seed = 1) {
        this._seed = seed >>> 0 || 1;
        this._untilNext = this._interval();
    }

    /**
     * Advances and writes the blink into eyeBlink_L/_R of a pose (the larger of the pose's value and the blink's).
     * @param dt time step, seconds
     * @param pose 53 weights, modified in place
     * @returns pose
     */
    public apply(dt: number, pose: Float32Array): Float32Array {
        if (this._phase < 0) {
            this._untilNext -= dt;
            if (this._untilNext <= 0) {
                this._phase = 0;
            }
        } else {
            this._phase += dt;
            if (this._phase >= 0.15) {
                this._phase = -1;
                this._untilNext = this._random() < 0.15 ? 0.12 : this._interval();
            }
        }
        if (this._phase >= 0) {
            const x = this._phase / 0.15;
            const w = x < 0.4 ? x / 0.4 : 1 - (x - 0.4) / 0.6;
            pose[_BlinkL] = Math.max(pose[_BlinkL], w);
            pose[_BlinkR] = Math.max(pose[_BlinkR], w);
        }
        return pose;
    }

    private _interval(): number {
        return 2 + 4 * this._random();
    }

    private _random(): number {
        // xorshift32
        let x = this._seed;
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        this._seed = x >>> 0;
        return this._seed / 4294967296;
    }
}
