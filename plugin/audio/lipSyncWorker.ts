/**
 * Web Worker entry of the lip-sync runtime: features (meyda) and the network (onnxruntime-web,
 * wasm) off the main thread, for offline passes and live streams. Started by `LipSync`.
 */
import type { Nullable } from "@babylonjs/core/types.js";
import { LipSyncAnalyzer } from "./lipSyncAnalyzer.js";
import { LipSyncError } from "./lipSyncError.js";
import type { LipSyncWorkerRequest, LipSyncWorkerResponse } from "./lipSyncMessages.js";

const scope = self as unknown as { onmessage: ((e: MessageEvent) => void) | null; postMessage(m: LipSyncWorkerResponse, transfer?: Transferable[]): void };
let analyzer: Nullable<LipSyncAnalyzer> = null;
let streamPort: Nullable<MessagePort> = null;

const fail = (e: unknown, id?: number): void => {
    const err = e instanceof LipSyncError ? e : new LipSyncError("DECODE_FAILED", String((e as Error)?.message ?? e));
    scope.postMessage({ type: "error", id, code: err.code, message: err.message });
};

scope.onmessage = (e: MessageEvent<LipSyncWorkerRequest>): void => {
    const m = e.data;
    switch (m.type) {
        case "init":
            LipSyncAnalyzer.CreateAsync(m.model, { wasmPaths: m.wasmPaths }).then(
                (a) => {
                    analyzer = a;
                    scope.postMessage({ type: "ready", latency: a.latency });
                },
                (err) => fail(err)
            );
            break;
        case "analyze":
            analyzer!.analyzeAsync(m.samples, m.sampleRate).then(
                ({ track }) => {
                    const visemes = track.visemes ?? new Uint8Array(track.frameCount);
                    scope.postMessage({ type: "track", id: m.id, frameRate: track.frameRate, weights: track.weights, visemes }, [track.weights.buffer, visemes.buffer]);
                },
                (err) => fail(err, m.id)
            );
            break;
        case "stream": {
            streamPort?.close();
            const a = analyzer!;
            a.beginStream(m.sampleRate);
            let start = -1;
            streamPort = m.port;
            streamPort.onmessage = (ev: MessageEvent<{ samples: Float32Array; time: number }>): void => {
                const { samples, time } = ev.data;
                if (start < 0) {
                    start = time - samples.length / m.sampleRate;
                }
                a.pushAsync(samples, (weights, visemes, t) => {
                    scope.postMessage({ type: "frame", weights: weights.slice(), silence: visemes[0], closure: visemes[1], time: start + t });
                }).catch((err) => fail(err));
            };
            break;
        }
        case "endStream":
            streamPort?.close();
            streamPort = null;
            break;
    }
};
