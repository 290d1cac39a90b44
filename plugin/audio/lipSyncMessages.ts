import type { LipSyncErrorCode } from "./lipSyncError.js";

/** Messages from the main thread to the lip-sync worker. */
export type LipSyncWorkerRequest =
    /** Load the network. */
    | { type: "init"; model: string | ArrayBuffer; wasmPaths?: string }
    /** Offline pass over a whole signal; answered by a "track" message with the same id. */
    | { type: "analyze"; id: number; samples: Float32Array; sampleRate: number }
    /** Start a live stream whose blocks arrive on `port` (from the capture worklet). */
    | { type: "stream"; port: MessagePort; sampleRate: number }
    /** End the live stream. */
    | { type: "endStream" };

/** Messages from the lip-sync worker to the main thread. */
export type LipSyncWorkerResponse =
    /** The network is loaded. */
    | { type: "ready"; latency: number }
    /** Result of an "analyze" request: smoothed weights (frames × 53) and viseme class per frame. */
    | { type: "track"; id: number; frameRate: number; weights: Float32Array; visemes: Uint8Array }
    /** A live pose: raw weights, silence and /p b m/ probabilities, audio-context time of the frame it shows. */
    | { type: "frame"; weights: Float32Array; silence: number; closure: number; time: number }
    /** A failure; `id` is the request's when it answers an "analyze". */
    | { type: "error"; id?: number; code: LipSyncErrorCode; message: string };
