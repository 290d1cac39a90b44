/**
 * Browser test page for LipSync (headless Chromium): a mesh with ARKit-named morph targets driven
 * by the offline pass, the streaming path (an <audio> element through the AudioWorklet and the
 * worker) and the microphone (Chromium's fake device). Results go to window.__result.
 */
import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { MorphTarget } from "@babylonjs/core/Morph/morphTarget.js";
import { MorphTargetManager } from "@babylonjs/core/Morph/morphTargetManager.js";
import { Scene } from "@babylonjs/core/scene.js";
import { LipSync } from "../../../plugin/audio/lipSync.js";
import { LipSyncError } from "../../../plugin/audio/lipSyncError.js";

interface IResult {
    offline?: { frames: number; maxJaw: number; json: number };
    stream?: { t: number[]; jaw: number[]; press: number[]; latency: number; algorithmic: number };
    errors?: Record<string, string>;
    microphone?: { poses: number };
    failure?: string;
}
const w = window as unknown as { __result: IResult; __done: boolean };
w.__result = {};

async function main(): Promise<void> {
    const engine = new NullEngine();
    const scene = new Scene(engine);
    const head = new Mesh("head", scene);
    const manager = new MorphTargetManager(scene);
    const jaw = new MorphTarget("jawOpen", 0, scene);
    const press = new MorphTarget("mouthPressLeft", 0, scene);
    manager.addTarget(jaw);
    manager.addTarget(press);
    manager.addTarget(new MorphTarget("mouthFunnel", 0, scene));
    head.morphTargetManager = manager;

    const lips = await LipSync.CreateAsync(null, { wasmPaths: "/ort/" });
    lips.attach(head);

    // offline pass → track, saved as JSON
    const track = await lips.analyzeAsync("/fixtures/papa.wav");
    let maxJaw = 0;
    for (let f = 0; f < track.frameCount; f++) {
        maxJaw = Math.max(maxJaw, track.weights[f * 53 + 26]);
    }
    w.__result.offline = { frames: track.frameCount, maxJaw, json: JSON.stringify(track.serialize()).length };

    // typed errors
    const errors: Record<string, string> = {};
    const code = async (f: () => Promise<unknown>): Promise<string> => {
        try {
            await f();
            return "none";
        } catch (e) {
            return e instanceof LipSyncError ? e.code : `untyped: ${e}`;
        }
    };
    errors.empty = await code(() => lips.analyzeAsync(new ArrayBuffer(0)));
    errors.notAudio = await code(() => lips.analyzeAsync("/fixtures/papa.json"));
    errors.missing = await code(() => lips.analyzeAsync("/fixtures/nothing.wav"));
    w.__result.errors = errors;

    // streaming: an <audio> element through the worklet and the worker, sampled every frame
    const audio = new Audio("/fixtures/papa.wav");
    audio.crossOrigin = "anonymous";
    lips.connectMediaElement(audio);
    await lips.startAsync();
    const ctx = lips.audioContext;
    const t: number[] = [];
    const jw: number[] = [];
    const pr: number[] = [];
    let start = -1;
    const sampler = lips.onExpressionObservable.add((weights) => {
        if (start < 0 && !audio.paused) {
            start = ctx.currentTime - audio.currentTime;
        }
        if (start >= 0) {
            t.push(ctx.currentTime - start);
            jw.push(weights[26]);
            pr.push(weights[37]);
        }
    });
    await audio.play();
    await new Promise<void>((r) => (audio.onended = () => r()));
    await new Promise((r) => setTimeout(r, 600));
    sampler?.remove();
    w.__result.stream = { t, jaw: jw, press: pr, latency: lips.measuredLatency, algorithmic: lips.latency };
    lips.stop();

    // microphone (fake device): poses keep coming
    let poses = 0;
    const stream = await lips.startMicrophoneAsync();
    const counter = lips.onExpressionObservable.add(() => poses++);
    await new Promise((r) => setTimeout(r, 700));
    counter?.remove();
    lips.interrupt();
    stream.getTracks().forEach((tr) => tr.stop());
    w.__result.microphone = { poses };
    lips.dispose();
    engine.dispose();
}

main()
    .catch((e) => (w.__result.failure = String(e?.stack ?? e)))
    .finally(() => (w.__done = true));
