import * as ort from "onnxruntime-web";
import type { Nullable } from "@babylonjs/core/types.js";
import { ExpressionCount } from "../expression/arkitNames.js";
import { ComputeLipSyncFeatures } from "./computeFeatures.js";
import { ExpressionSmoother, type IExpressionSmootherOptions } from "./expressionSmoother.js";
import { ExpressionTrack } from "./expressionTrack.js";
import { LipSyncError } from "./lipSyncError.js";
import { LipSyncFeatureConfig, LipSyncFeatureExtractor } from "./lipSyncFeatures.js";
import { StreamingResampler } from "./streamingResampler.js";
import { Visemes } from "./visemes.js";

/** Options of {@link LipSyncAnalyzer.CreateAsync}. */
export interface ILipSyncAnalyzerOptions {
    /** Where onnxruntime-web finds its .wasm files (a URL prefix ending in "/"); default: its own. */
    wasmPaths?: string;
    /** Smoothing of the emitted weights. */
    smoothing?: IExpressionSmootherOptions;
}

/** Raw network output for a run of frames. */
export interface ILipSyncFrames {
    /** Number of frames (100 per second). */
    frameCount: number;
    /** frameCount × 53 weights. */
    weights: Float32Array;
    /** frameCount × 15 viseme probabilities. */
    visemes: Float32Array;
}

const _Hidden = 96;
const _Lookahead = 4;

/**
 * The lip-sync network on features, with no Web Audio and no DOM: runs in a worker, on the main
 * thread or in Node. Offline: {@link analyzeAsync} turns a whole signal into an {@link ExpressionTrack}.
 * Live: {@link beginStream} then {@link pushAsync} blocks of any size; each output frame comes
 * `lookaheadFrames` frames (40 ms) after the audio frame it describes.
 */
export class LipSyncAnalyzer {
    /** Frames the network looks ahead of the pose it emits. */
    public readonly lookaheadFrames = _Lookahead;
    /** Algorithmic latency in seconds: look-ahead plus half the analysis window. */
    public readonly latency = _Lookahead / LipSyncFeatureConfig.frameRate + LipSyncFeatureConfig.bufferSize / 2 / LipSyncFeatureConfig.sampleRate;

    private readonly _session: ort.InferenceSession;
    private readonly _smoothing: IExpressionSmootherOptions;
    private _state: ort.Tensor;
    private _resampler: Nullable<StreamingResampler> = null;
    private readonly _extractor = new LipSyncFeatureExtractor();
    private _pending: Float32Array = new Float32Array(64 * LipSyncFeatureConfig.featureCount);
    private _pendingFrames = 0;
    private _streamFrames = 0;
    private _queue: Promise<unknown> = Promise.resolve();

    private constructor(session: ort.InferenceSession, smoothing: IExpressionSmootherOptions) {
        this._session = session;
        this._smoothing = smoothing;
        this._state = LipSyncAnalyzer._ZeroState();
    }

    /**
     * Loads the network.
     * @param model the ONNX file's bytes, or its URL
     * @param options runtime options
     * @returns the analyzer
     * @throws {@link LipSyncError} `MODEL_LOAD_FAILED`
     */
    public static async CreateAsync(model: ArrayBuffer | Uint8Array | string, options: ILipSyncAnalyzerOptions = {}): Promise<LipSyncAnalyzer> {
        ort.env.wasm.numThreads = 1;
        if (options.wasmPaths) {
            ort.env.wasm.wasmPaths = options.wasmPaths;
        }
        let session: ort.InferenceSession;
        try {
            const bytes = typeof model === "string" ? new Uint8Array(await (await fetch(model)).arrayBuffer()) : model instanceof Uint8Array ? model : new Uint8Array(model);
            session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
        } catch (e) {
            throw new LipSyncError("MODEL_LOAD_FAILED", `cannot load the lip-sync network: ${(e as Error).message}`);
        }
        for (const name of ["features", "state"]) {
            if (!session.inputNames.includes(name)) {
                throw new LipSyncError("MODEL_LOAD_FAILED", `the network has no input "${name}"`);
            }
        }
        for (const name of ["weights", "visemes", "state_out"]) {
            if (!session.outputNames.includes(name)) {
                throw new LipSyncError("MODEL_LOAD_FAILED", `the network has no output "${name}"`);
            }
        }
        return new LipSyncAnalyzer(session, options.smoothing ?? {});
    }

    /** @returns "LipSyncAnalyzer" */
    public getClassName(): string {
        return "LipSyncAnalyzer";
    }

    /**
     * Runs the network on features (no smoothing): the pose of every frame of the signal.
     * @param features frameCount × 17 features, from {@link ComputeLipSyncFeatures}
     * @param frameCount number of frames
     * @returns raw weights and viseme probabilities per frame
     */
    public async runFeaturesAsync(features: Float32Array, frameCount: number): Promise<ILipSyncFrames> {
        const F = LipSyncFeatureConfig.featureCount;
        const padded = new Float32Array((frameCount + _Lookahead) * F); // trailing silence frames are all-zero features
        padded.set(features.subarray(0, frameCount * F));
        const out = await this._session.run({
            features: new ort.Tensor("float32", padded, [1, frameCount + _Lookahead, F]),
            state: LipSyncAnalyzer._ZeroState(),
        });
        return {
            frameCount,
            weights: (out.weights.data as Float32Array).slice(_Lookahead * ExpressionCount),
            visemes: (out.visemes.data as Float32Array).slice(_Lookahead * Visemes.length),
        };
    }

    /**
     * Offline pass over a whole voice line.
     * @param samples mono samples in [-1, 1]
     * @param sampleRate their rate, 8–192 kHz
     * @returns the smoothed track (100 frames per second) and the raw network output
     * @throws {@link LipSyncError} `EMPTY_AUDIO`, `INVALID_ARGUMENT`
     */
    public async analyzeAsync(samples: Float32Array, sampleRate: number): Promise<{ track: ExpressionTrack; raw: ILipSyncFrames }> {
        LipSyncAnalyzer._CheckSamples(samples);
        const { features, frameCount } = ComputeLipSyncFeatures(samples, sampleRate);
        const raw = await this.runFeaturesAsync(features, frameCount);
        const smoother = new ExpressionSmoother(this._smoothing);
        const dt = 1 / LipSyncFeatureConfig.frameRate;
        const weights = new Float32Array(frameCount * ExpressionCount);
        const visemes = new Uint8Array(frameCount);
        for (let f = 0; f < frameCount; f++) {
            const v = raw.visemes.subarray(f * Visemes.length, (f + 1) * Visemes.length);
            weights.set(smoother.update(raw.weights.subarray(f * ExpressionCount, (f + 1) * ExpressionCount), v[0], v[1], dt), f * ExpressionCount);
            let best = 0;
            for (let i = 1; i < Visemes.length; i++) {
                if (v[i] > v[best]) {
                    best = i;
                }
            }
            visemes[f] = best;
        }
        return { track: new ExpressionTrack(LipSyncFeatureConfig.frameRate, weights, visemes), raw };
    }

    /**
     * Starts a live stream: resets the network state and the feature window.
     * @param sampleRate rate of the blocks that {@link pushAsync} will receive
     */
    public beginStream(sampleRate: number): void {
        this._resampler = new StreamingResampler(sampleRate, LipSyncFeatureConfig.sampleRate);
        this._extractor.reset();
        this._state = LipSyncAnalyzer._ZeroState();
        this._pendingFrames = 0;
        this._streamFrames = 0;
    }

    /**
     * Feeds a block of live audio; resolves once the network has run on the frames it completed.
     * Calls are serialised: blocks are processed in order.
     * @param samples mono samples at the stream's rate
     * @param onFrame receives each new pose: raw weights (53), viseme probabilities (15) and the
     *   frame's time in seconds from the start of the stream (views valid during the call only)
     * @returns a promise resolved when the block is processed
     */
    public pushAsync(samples: Float32Array, onFrame: (weights: Float32Array, visemes: Float32Array, time: number) => void): Promise<void> {
        const run = this._queue.then(() => this._pushNow(samples, onFrame));
        this._queue = run.catch(() => undefined);
        return run;
    }

    private async _pushNow(samples: Float32Array, onFrame: (weights: Float32Array, visemes: Float32Array, time: number) => void): Promise<void> {
        if (!this._resampler) {
            throw new LipSyncError("INVALID_ARGUMENT", "call beginStream() before pushAsync()");
        }
        const F = LipSyncFeatureConfig.featureCount;
        this._resampler.process(samples, (s) =>
            this._extractor.process(s, (f) => {
                if ((this._pendingFrames + 1) * F > this._pending.length) {
                    const grown = new Float32Array(this._pending.length * 2);
                    grown.set(this._pending);
                    this._pending = grown;
                }
                this._pending.set(f, this._pendingFrames * F);
                this._pendingFrames++;
            })
        );
        const n = this._pendingFrames;
        if (n === 0) {
            return;
        }
        this._pendingFrames = 0;
        const out = await this._session.run({
            features: new ort.Tensor("float32", this._pending.slice(0, n * F), [1, n, F]),
            state: this._state,
        });
        this._state = out.state_out as ort.Tensor;
        const w = out.weights.data as Float32Array;
        const v = out.visemes.data as Float32Array;
        for (let i = 0; i < n; i++) {
            const frame = this._streamFrames++ - _Lookahead;
            if (frame >= 0) {
                onFrame(w.subarray(i * ExpressionCount, (i + 1) * ExpressionCount), v.subarray(i * Visemes.length, (i + 1) * Visemes.length), frame / LipSyncFeatureConfig.frameRate);
            }
        }
    }

    /** Releases the network. */
    public async disposeAsync(): Promise<void> {
        await this._session.release();
    }

    private static _ZeroState(): ort.Tensor {
        return new ort.Tensor("float32", new Float32Array(_Hidden), [1, 1, _Hidden]);
    }

    private static _CheckSamples(samples: Float32Array): void {
        if (samples.length === 0) {
            throw new LipSyncError("EMPTY_AUDIO", "no samples");
        }
        for (let i = 0; i < samples.length; i++) {
            if (!Number.isFinite(samples[i])) {
                throw new LipSyncError("INVALID_ARGUMENT", `non-finite sample at index ${i}`);
            }
        }
    }
}
