/**
 * Lip-sync controls for the sample scene: buttons that play the espeak-ng voice lines in
 * assets/lines/ with the mouth in sync (offline pass, then playback), take the microphone, and stop.
 * The scene calls `SetupLipSyncDemoAsync` once with its engine and the head to drive.
 */
import type { AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import type { AbstractMesh } from "@babylonjs/core/Meshes/abstractMesh.js";
import type { IExpressionTarget } from "../plugin/volume/avatarVolume.js";
import { LipSync, type ILipSyncOptions } from "../plugin/audio/lipSync.js";

/** The voice lines shipped in sample-scene/assets/lines/ (espeak-ng, 16 kHz WAV). */
export const SampleVoiceLines = ["greeting", "warning", "farewell"] as const;

/**
 * Creates a LipSync driving `target` and adds its buttons to `container`.
 * @param engine the scene's engine (poses are applied at the start of each frame)
 * @param target an AvatarVolume (`setExpression`) or a mesh / glTF root with ARKit morph targets
 * @param container where the buttons go
 * @param linesUrl URL of the folder holding the voice lines (default "assets/lines/")
 * @param options LipSync options (e.g. `wasmPaths` where onnxruntime-web's .wasm files are served)
 * @returns the LipSync (dispose it with the scene)
 */
export async function SetupLipSyncDemoAsync(
    engine: AbstractEngine,
    target: IExpressionTarget | AbstractMesh,
    container: HTMLElement,
    linesUrl = "assets/lines/",
    options: ILipSyncOptions = {}
): Promise<LipSync> {
    const lips = await LipSync.CreateAsync(engine, options);
    lips.attach(target);
    let mic: MediaStream | null = null;
    const stopMic = (): void => {
        mic?.getTracks().forEach((t) => t.stop());
        mic = null;
    };
    const button = (label: string, onClick: () => Promise<unknown> | void): void => {
        const b = document.createElement("button");
        b.textContent = label;
        b.onclick = () => void Promise.resolve(onClick()).catch((e) => console.error(e));
        container.appendChild(b);
    };
    for (const line of SampleVoiceLines) {
        button(`Say "${line}"`, () => {
            stopMic();
            return lips.playAsync(`${linesUrl}${line}.wav`);
        });
    }
    button("Microphone", async () => {
        stopMic();
        mic = await lips.startMicrophoneAsync();
    });
    button("Stop", () => {
        stopMic();
        lips.interrupt();
    });
    return lips;
}
