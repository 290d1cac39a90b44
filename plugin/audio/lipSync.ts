import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import { Observable, type Observer } from "@babylonjs/core/Misc/observable.js";
import type { IDisposable } from "@babylonjs/core/scene.js";
import type { Nullable } from "@babylonjs/core/types.js";
import { ExpressionCount } from "../expression/arkitNames.js";
import { ExpressionSmoother, type IExpressionSmootherOptions } from "./expressionSmoother.js";
import type { IExpressionTarget } from "../volume/avatarVolume.js";
import { MorphTargetExpressionTarget } from "./expressionTarget.js";
import { ExpressionTrack } from "./expressionTrack.js";
import { IdleBlinker } from "./idleBlinker.js";
import { LipSyncError } from "./lipSyncError.js";
import type { LipSyncWorkerRequest, LipSyncWorkerResponse } from "./lipSyncMessages.js";
import { LipSyncCaptureProcessorName, LipSyncWorkletSource } from "./lipSyncWorkletSource.js";

/** Options of {@link LipSync.CreateAsync}. */
export interface ILipSyncOptions {
    /** URL of the lip-sync network (lipsync.onnx); default: the one in this package's model pack. */
    modelUrl?: string;
    /** Where onnxruntime-web finds its .wasm files (URL prefix ending in "/"). */
    wasmPaths?: string;
    /** The worker script; default: `lipSyncWorker.js` beside this module (bundlers resolve it). */
    workerUrl?: string | URL;
    /** Audio context to use; default: a new one. */
    audioContext?: AudioContext;
    /** Smoothing of live poses. */
    smoothing?: IExpressionSmootherOptions;
    /** Add idle blinks to the poses (default true). */
    idleBlinks?: boolean;
}

/** A sound for {@link LipSync.playAsync} and {@link LipSync.analyzeAsync}. */
export type LipSyncAudioSource = string | ArrayBuffer | Blob | AudioBuffer;

/**
 * Lip-sync from audio: features (meyda) and a small causal network (onnxruntime-web, wasm) in a
 * Web Worker drive 53 ARKit expression weights on an `AvatarVolume` (any {@link IExpressionTarget})
 * or on any mesh with ARKit-named morph targets.
 *
 * Voice lines ({@link playAsync}): an offline pass yields an {@link ExpressionTrack} (which can be
 * saved and passed back later), replayed in sync with the audio's playback. Live sources
 * ({@link connectMediaElement}, {@link connectStreamAsync}, {@link startMicrophoneAsync}): audio
 * reaches the worker through an AudioWorklet; poses arrive about {@link latency} after the sound.
 * @experimental
 */
export class LipSync implements IDisposable {
    /** Raised with the 53 weights each time a new pose is applied (a reused array). */
    public readonly onExpressionObservable = new Observable<Float32Array>();
    /** Raised when a voice line ends or is interrupted. */
    public readonly onEndedObservable = new Observable<void>();

    private readonly _engine: Nullable<AbstractEngine>;
    private readonly _context: AudioContext;
    private readonly _ownsContext: boolean;
    private readonly _worker: Worker;
    private readonly _smoother: ExpressionSmoother;
    private readonly _blinker: Nullable<IdleBlinker>;
    private readonly _pose = new Float32Array(ExpressionCount);
    private _dt = 0;
    private readonly _weights = new Float32Array(ExpressionCount);
    private readonly _live = new Float32Array(ExpressionCount);
    private _liveSilence = 1;
    private _liveClosure = 0;
    private _liveTime = -1;
    private _latencySum = 0;
    private _latencyCount = 0;
    private _target: Nullable<IExpressionTarget> = null;
    private _frameObserver: Nullable<Observer<AbstractEngine>> = null;
    private _rafHandle = 0;
    private _lastTick = 0;
    private _capture: Nullable<AudioWorkletNode> = null;
    private _liveSource: Nullable<AudioNode> = null;
    private _mediaSources = new WeakMap<HTMLMediaElement, MediaElementAudioSourceNode>();
    private _track: Nullable<ExpressionTrack> = null;
    private _trackStart = 0;
    private _player: Nullable<AudioBufferSourceNode> = null;
    private _playResolve: Nullable<() => void> = null;
    private _nextId = 1;
    private readonly _pending = new Map<number, { resolve: (t: ExpressionTrack) => void; reject: (e: Error) => void }>();
    private _disposed = false;
    private _running = false;
    /** Algorithmic latency of live poses in seconds (look-ahead + half window), from the worker. */
    public readonly latency: number;

    private constructor(engine: Nullable<AbstractEngine>, context: AudioContext, ownsContext: boolean, worker: Worker, latency: number, options: ILipSyncOptions) {
        this._engine = engine;
        this._context = context;
        this._ownsContext = ownsContext;
        this._worker = worker;
        this.latency = latency;
        this._smoother = new ExpressionSmoother(options.smoothing ?? {});
        this._blinker = options.idleBlinks === false ? null : new IdleBlinker();
        worker.onmessage = (e: MessageEvent<LipSyncWorkerResponse>) => this._onWorkerMessage(e.data);
    }

    /**
     * Creates the lip-sync runtime: starts its worker, loads the network and the capture worklet.
     * @param engine the engine whose frames drive the target (poses are applied at the start of each frame); null: requestAnimationFrame
     * @param options model location, audio context, smoothing
     * @returns the runtime
     * @throws {@link LipSyncError} `NOT_SUPPORTED` (no Worker or AudioWorklet), `MODEL_LOAD_FAILED`
     */
    public static async CreateAsync(engine: Nullable<AbstractEngine> = null, options: ILipSyncOptions = {}): Promise<LipSync> {
        if (typeof Worker === "undefined" || typeof AudioContext === "undefined" || typeof AudioWorkletNode === "undefined") {
            throw new LipSyncError("NOT_SUPPORTED", "LipSync needs Worker, AudioContext and AudioWorklet");
        }
        const context = options.audioContext ?? new AudioContext();
        const worker = options.workerUrl
            ? new Worker(options.workerUrl, { type: "module" })
            : new Worker(new URL("./lipSyncWorker.js", import.meta.url), { type: "module" });
        const modelUrl = options.modelUrl ?? new URL("../../models/packs/lipsync/lipsync.onnx", import.meta.url).href;
        const ready = new Promise<number>((resolve, reject) => {
            worker.onmessage = (e: MessageEvent<LipSyncWorkerResponse>) => {
                const m = e.data;
                if (m.type === "ready") {
                    resolve(m.latency);
                } else if (m.type === "error") {
                    reject(new LipSyncError(m.code, m.message));
                }
            };
            worker.onerror = (e) => reject(new LipSyncError("MODEL_LOAD_FAILED", `lip-sync worker failed: ${e.message}`));
        });
        const init: LipSyncWorkerRequest = { type: "init", model: new URL(modelUrl, globalThis.location?.href).href, wasmPaths: options.wasmPaths };
        worker.postMessage(init);
        const blobUrl = URL.createObjectURL(new Blob([LipSyncWorkletSource], { type: "text/javascript" }));
        try {
            const [latency] = await Promise.all([ready, context.audioWorklet.addModule(blobUrl)]);
            return new LipSync(engine, context, !options.audioContext, worker, latency, options);
        } catch (e) {
            worker.terminate();
            throw e instanceof LipSyncError ? e : new LipSyncError("NOT_SUPPORTED", `cannot start the capture worklet: ${(e as Error).message}`);
        } finally {
            URL.revokeObjectURL(blobUrl);
        }
    }

    /** The audio context the runtime plays and captures through. */
    public get audioContext(): AudioContext {
        return this._context;
    }

    /** Whether a voice line is playing or a live source is connected. */
    public get isRunning(): boolean {
        return this._running;
    }

    /** Mean measured delay from a sound reaching the audio graph to its pose being applied (s); 0 before any live pose. */
    public get measuredLatency(): number {
        return this._latencyCount ? this._latencySum / this._latencyCount : 0;
    }

    /** @returns "LipSync" */
    public getClassName(): string {
        return "LipSync";
    }

    /**
     * Drives a target: an `AvatarVolume` (anything with `setExpression(Float32Array(53))`) or a mesh
     * (or glTF root) with ARKit-named morph targets. Replaces the previous target.
     * @param target what to drive
     */
    public attach(target: IExpressionTarget | AbstractMesh): void {
        this._checkDisposed();
        this._target = typeof (target as IExpressionTarget).setExpression === "function" ? (target as IExpressionTarget) : new MorphTargetExpressionTarget(target as AbstractMesh);
        this._startTicking();
    }

    /** Stops driving the target (its last pose stays). */
    public detach(): void {
        this._target = null;
    }

    /**
     * Decodes a sound (URL, file bytes, Blob or AudioBuffer) with the audio context.
     * @param source the sound
     * @returns the decoded buffer
     * @throws {@link LipSyncError} `FETCH_FAILED`, `EMPTY_AUDIO`, `DECODE_FAILED`
     */
    public async loadAsync(source: LipSyncAudioSource): Promise<AudioBuffer> {
        this._checkDisposed();
        if (typeof AudioBuffer !== "undefined" && source instanceof AudioBuffer) {
            return source;
        }
        let bytes: ArrayBuffer;
        if (typeof source === "string") {
            let response: Response;
            try {
                response = await fetch(source);
            } catch (e) {
                throw new LipSyncError("FETCH_FAILED", `${source}: ${(e as Error).message}`);
            }
            if (!response.ok) {
                throw new LipSyncError("FETCH_FAILED", `${source}: HTTP ${response.status}`);
            }
            bytes = await response.arrayBuffer();
        } else if (source instanceof ArrayBuffer) {
            bytes = source.slice(0);
        } else {
            bytes = await (source as Blob).arrayBuffer();
        }
        if (bytes.byteLength === 0) {
            throw new LipSyncError("EMPTY_AUDIO", "the sound has no bytes");
        }
        try {
            return await this._context.decodeAudioData(bytes);
        } catch (e) {
            throw new LipSyncError("DECODE_FAILED", `not a decodable audio file: ${(e as Error)?.message ?? e}`);
        }
    }

    /**
     * Offline pass over a voice line (in the worker, many times faster than real time).
     * @param source the sound
     * @returns its expression track (100 frames per second), to replay with {@link playAsync} or save with `serialize()`
     */
    public async analyzeAsync(source: LipSyncAudioSource): Promise<ExpressionTrack> {
        const buffer = await this.loadAsync(source);
        const samples = new Float32Array(buffer.length);
        for (let c = 0; c < buffer.numberOfChannels; c++) {
            const ch = buffer.getChannelData(c);
            for (let i = 0; i < ch.length; i++) {
                samples[i] += ch[i] / buffer.numberOfChannels;
            }
        }
        const id = this._nextId++;
        return new Promise<ExpressionTrack>((resolve, reject) => {
            this._pending.set(id, { resolve, reject });
            const request: LipSyncWorkerRequest = { type: "analyze", id, samples, sampleRate: buffer.sampleRate };
            this._worker.postMessage(request, [samples.buffer]);
        });
    }

    /**
     * Plays a voice line with the mouth in sync: decodes it, runs the offline pass (unless a track
     * is given), then plays the audio and applies the track at the playback position.
     * Stops whatever was playing or streaming.
     * @param source the sound
     * @param track a track made earlier for this sound (e.g. loaded with `ExpressionTrack.Parse`)
     * @returns resolves when the line ends or is stopped
     */
    public async playAsync(source: LipSyncAudioSource, track?: ExpressionTrack): Promise<void> {
        const buffer = await this.loadAsync(source);
        const t = track ?? (await this.analyzeAsync(buffer));
        this.stop();
        await this._context.resume();
        const player = this._context.createBufferSource();
        player.buffer = buffer;
        player.connect(this._context.destination);
        this._player = player;
        this._track = t;
        this._running = true;
        this._trackStart = this._context.currentTime + 0.05;
        player.start(this._trackStart);
        this._startTicking();
        return new Promise<void>((resolve) => {
            this._playResolve = resolve;
            player.onended = () => {
                if (this._player === player) {
                    this._endLine();
                }
            };
        });
    }

    /**
     * Live lip-sync of a media element (audio or video) as it plays; it stays audible.
     * @param element the element (same-origin or CORS-enabled media)
     */
    public connectMediaElement(element: HTMLMediaElement): void {
        this._checkDisposed();
        let source = this._mediaSources.get(element);
        if (!source) {
            source = this._context.createMediaElementSource(element);
            this._mediaSources.set(element, source);
        }
        this._connectLive(source, true);
    }

    /**
     * Live lip-sync of a media stream (a microphone, a WebRTC peer). The stream is not played back.
     * @param stream a stream with an audio track
     */
    public async connectStreamAsync(stream: MediaStream): Promise<void> {
        this._checkDisposed();
        if (stream.getAudioTracks().length === 0) {
            throw new LipSyncError("INVALID_ARGUMENT", "the stream has no audio track");
        }
        await this._context.resume();
        this._connectLive(this._context.createMediaStreamSource(stream), false);
    }

    /**
     * Asks for the microphone and lip-syncs it live.
     * @returns the microphone stream (stop its tracks to release the device)
     * @throws {@link LipSyncError} `NOT_SUPPORTED` when no microphone is available or permission is denied
     */
    public async startMicrophoneAsync(): Promise<MediaStream> {
        let stream: MediaStream;
        try {
            stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
        } catch (e) {
            throw new LipSyncError("NOT_SUPPORTED", `no microphone: ${(e as Error).message}`);
        }
        await this.connectStreamAsync(stream);
        return stream;
    }

    /** Resumes the audio context (browsers start it suspended until a user gesture). */
    public async startAsync(): Promise<void> {
        this._checkDisposed();
        await this._context.resume();
        this._startTicking();
    }

    /** Stops the voice line or live source; the mouth closes smoothly. */
    public stop(): void {
        if (this._player) {
            const p = this._player;
            this._player = null;
            p.onended = null;
            try {
                p.stop();
            } catch {
                // never started
            }
            p.disconnect();
            this._endLine();
        }
        this._disconnectLive();
    }

    /** Stops at once and snaps the mouth closed (an NPC cut off mid-sentence). */
    public interrupt(): void {
        this.stop();
        this._smoother.reset();
        this._weights.fill(0);
        this._apply(this._weights);
    }

    /** Stops everything, ends the worker, and closes the audio context if this runtime made it. */
    public dispose(): void {
        if (this._disposed) {
            return;
        }
        this.stop();
        this._stopTicking();
        this._disposed = true;
        this._worker.terminate();
        this._capture?.disconnect();
        for (const p of this._pending.values()) {
            p.reject(new LipSyncError("DISPOSED", "the LipSync was disposed"));
        }
        this._pending.clear();
        if (this._ownsContext) {
            void this._context.close();
        }
        this.onExpressionObservable.clear();
        this.onEndedObservable.clear();
    }

    private _connectLive(source: AudioNode, audible: boolean): void {
        this.stop();
        if (!this._capture) {
            this._capture = new AudioWorkletNode(this._context, LipSyncCaptureProcessorName, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [2] });
        }
        const channel = new MessageChannel();
        this._capture.port.postMessage(channel.port1, [channel.port1]);
        const request: LipSyncWorkerRequest = { type: "stream", port: channel.port2, sampleRate: this._context.sampleRate };
        this._worker.postMessage(request, [channel.port2]);
        source.connect(this._capture);
        if (audible) {
            this._capture.connect(this._context.destination);
        } else {
            // keep the worklet pulled by the graph without playing the stream back
            const mute = this._context.createGain();
            mute.gain.value = 0;
            this._capture.connect(mute).connect(this._context.destination);
        }
        this._liveSource = source;
        this._liveTime = -1;
        this._running = true;
        this._startTicking();
    }

    private _disconnectLive(): void {
        if (!this._liveSource) {
            return;
        }
        this._liveSource.disconnect();
        this._capture?.disconnect();
        this._liveSource = null;
        this._running = false;
        const request: LipSyncWorkerRequest = { type: "endStream" };
        this._worker.postMessage(request);
    }

    private _endLine(): void {
        this._track = null;
        this._player = null;
        this._running = false;
        const resolve = this._playResolve;
        this._playResolve = null;
        resolve?.();
        this.onEndedObservable.notifyObservers();
    }

    private _onWorkerMessage(m: LipSyncWorkerResponse): void {
        switch (m.type) {
            case "track": {
                const p = this._pending.get(m.id);
                this._pending.delete(m.id);
                p?.resolve(new ExpressionTrack(m.frameRate, m.weights, m.visemes));
                break;
            }
            case "frame":
                if (this._liveSource) {
                    this._live.set(m.weights);
                    this._liveSilence = m.silence;
                    this._liveClosure = m.closure;
                    this._liveTime = m.time;
                    this._latencySum += this._context.currentTime - m.time;
                    this._latencyCount++;
                }
                break;
            case "error":
                if (m.id !== undefined) {
                    const p = this._pending.get(m.id);
                    this._pending.delete(m.id);
                    p?.reject(new LipSyncError(m.code, m.message));
                }
                break;
        }
    }

    private _startTicking(): void {
        if (this._frameObserver || this._rafHandle || this._disposed) {
            return;
        }
        this._lastTick = performance.now();
        if (this._engine) {
            this._frameObserver = this._engine.onBeginFrameObservable.add(() => this._tick());
        } else {
            const loop = (): void => {
                this._tick();
                this._rafHandle = requestAnimationFrame(loop);
            };
            this._rafHandle = requestAnimationFrame(loop);
        }
    }

    private _stopTicking(): void {
        this._frameObserver?.remove();
        this._frameObserver = null;
        if (this._rafHandle) {
            cancelAnimationFrame(this._rafHandle);
            this._rafHandle = 0;
        }
    }

    private _tick(): void {
        const now = performance.now();
        const dt = Math.min(0.1, (now - this._lastTick) / 1000);
        this._lastTick = now;
        this._dt = dt;
        if (this._track) {
            const latency = this._context.outputLatency || this._context.baseLatency || 0;
            this._track.sample(this._context.currentTime - this._trackStart - latency, this._weights);
            this._smoother.current.set(this._weights);
            this._apply(this._weights);
            return;
        }
        // live: the latest pose; no pose for 150 ms (source paused, muted) counts as silence
        const stale = this._liveTime < 0 || this._context.currentTime - this._liveTime > 0.15 + this.latency;
        const out = this._smoother.update(this._live, stale || !this._liveSource ? 1 : this._liveSilence, this._liveClosure, dt);
        this._apply(out);
    }

    private _apply(weights: Float32Array): void {
        this._pose.set(weights);
        this._blinker?.apply(this._dt, this._pose);
        this._target?.setExpression(this._pose);
        this.onExpressionObservable.notifyObservers(this._pose);
    }

    private _checkDisposed(): void {
        if (this._disposed) {
            throw new LipSyncError("DISPOSED", "the LipSync was disposed");
        }
    }
}
