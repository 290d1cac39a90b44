import type { Nullable } from "@babylonjs/core/types.js";
import { ArkitNames, ExpressionCount, GetExpressionIndex } from "../expression/arkitNames.js";
import { LipSyncError } from "./lipSyncError.js";

/** The JSON form of an {@link ExpressionTrack} (see {@link ExpressionTrack.serialize}). */
export interface ISerializedExpressionTrack {
    /** Always "nofa-expression-track". */
    format: "nofa-expression-track";
    /** Format version: 1. */
    version: 1;
    /** Frames per second. */
    frameRate: number;
    /** The expression names of the columns of `frames` (channels that are zero throughout are left out). */
    names: string[];
    /** One row per frame: the weights of `names`, rounded to 3 decimals. */
    frames: number[][];
    /** Optional viseme class per frame (index into the 15 Oculus visemes). */
    visemes?: number[];
}

/**
 * Timed expression weights at a fixed frame rate: the result of an offline lip-sync pass over a
 * voice line, saved as JSON and replayed in sync with the audio's playback.
 */
export class ExpressionTrack {
    /** Frames per second. */
    public readonly frameRate: number;
    /** Number of frames. */
    public readonly frameCount: number;
    /** frameCount × 53 weights, row-major, in β order. */
    public readonly weights: Float32Array;
    /** Viseme class per frame, when known. */
    public readonly visemes: Nullable<Uint8Array>;

    /**
     * @param frameRate frames per second (> 0)
     * @param weights frameCount × 53 weights in [0, 1]
     * @param visemes optional viseme class per frame
     */
    constructor(frameRate: number, weights: Float32Array, visemes: Nullable<Uint8Array> = null) {
        if (!(frameRate > 0) || weights.length % ExpressionCount !== 0) {
            throw new LipSyncError("INVALID_ARGUMENT", "an expression track needs frameRate > 0 and a multiple of 53 weights");
        }
        for (let i = 0; i < weights.length; i++) {
            if (!Number.isFinite(weights[i])) {
                throw new LipSyncError("INVALID_ARGUMENT", `non-finite weight at index ${i}`);
            }
        }
        this.frameRate = frameRate;
        this.weights = weights;
        this.frameCount = weights.length / ExpressionCount;
        this.visemes = visemes;
    }

    /** Duration in seconds. */
    public get duration(): number {
        return this.frameCount / this.frameRate;
    }

    /** @returns "ExpressionTrack" */
    public getClassName(): string {
        return "ExpressionTrack";
    }

    /**
     * The weights at a time, interpolated linearly between frames; before the start and after the
     * end the mouth is closed (all zeros).
     * @param time seconds from the start of the track
     * @param out receives 53 weights
     * @returns out
     */
    public sample(time: number, out: Float32Array): Float32Array {
        const f = time * this.frameRate;
        if (!(f >= 0) || f > this.frameCount - 1 || this.frameCount === 0) {
            return out.fill(0);
        }
        const i = Math.floor(f);
        const j = Math.min(i + 1, this.frameCount - 1);
        const t = f - i;
        const a = i * ExpressionCount;
        const b = j * ExpressionCount;
        for (let k = 0; k < ExpressionCount; k++) {
            out[k] = this.weights[a + k] + (this.weights[b + k] - this.weights[a + k]) * t;
        }
        return out;
    }

    /** @returns the JSON form (compact: silent channels dropped, 3 decimals) */
    public serialize(): ISerializedExpressionTrack {
        const used: number[] = [];
        for (let k = 0; k < ExpressionCount; k++) {
            for (let f = 0; f < this.frameCount; f++) {
                if (this.weights[f * ExpressionCount + k] >= 0.0005) {
                    used.push(k);
                    break;
                }
            }
        }
        const frames: number[][] = [];
        for (let f = 0; f < this.frameCount; f++) {
            frames.push(used.map((k) => Math.round(this.weights[f * ExpressionCount + k] * 1000) / 1000));
        }
        const result: ISerializedExpressionTrack = {
            format: "nofa-expression-track",
            version: 1,
            frameRate: this.frameRate,
            names: used.map((k) => ArkitNames[k]),
            frames,
        };
        if (this.visemes) {
            result.visemes = Array.from(this.visemes);
        }
        return result;
    }

    /**
     * Reads a track from its JSON form.
     * @param data the object from {@link serialize} (or its JSON text)
     * @returns the track
     * @throws {@link LipSyncError} `INVALID_ARGUMENT` naming the field at fault
     */
    public static Parse(data: unknown): ExpressionTrack {
        const json = (typeof data === "string" ? JSON.parse(data) : data) as Partial<ISerializedExpressionTrack>;
        const fail = (field: string): never => {
            throw new LipSyncError("INVALID_ARGUMENT", `bad expression track: ${field}`);
        };
        if (!json || json.format !== "nofa-expression-track") {
            fail("format");
        }
        if (json.version !== 1) {
            fail("version");
        }
        if (typeof json.frameRate !== "number" || !(json.frameRate > 0)) {
            fail("frameRate");
        }
        if (!Array.isArray(json.names) || !Array.isArray(json.frames)) {
            fail(Array.isArray(json.names) ? "frames" : "names");
        }
        const cols = json.names!.map((n) => {
            const i = GetExpressionIndex(n);
            return i < 0 ? fail(`names: unknown expression "${n}"`) : i;
        });
        const weights = new Float32Array(json.frames!.length * ExpressionCount);
        json.frames!.forEach((row, f) => {
            if (!Array.isArray(row) || row.length !== cols.length) {
                fail(`frames[${f}]`);
            }
            row.forEach((v, c) => {
                if (typeof v !== "number" || !Number.isFinite(v)) {
                    fail(`frames[${f}][${c}]`);
                }
                weights[f * ExpressionCount + cols[c]] = v;
            });
        });
        let visemes: Nullable<Uint8Array> = null;
        if (json.visemes !== undefined) {
            if (!Array.isArray(json.visemes) || json.visemes.length !== json.frames!.length) {
                fail("visemes");
            }
            visemes = Uint8Array.from(json.visemes);
        }
        return new ExpressionTrack(json.frameRate!, weights, visemes);
    }
}
