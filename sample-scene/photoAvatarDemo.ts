/**
 * "Photo → avatar" for the sample scene: a file input (and dropping a photo on the page) that
 * reconstructs an avatar beside the base head, with the stages shown as they run.
 */
import { type Scene } from "@babylonjs/core/scene.js";
import { Observable } from "@babylonjs/core/Misc/observable.js";
import { AvatarVolume } from "../plugin/volume/avatarVolume.js";
import { type ModelPack } from "../plugin/pack/modelPack.js";
import { UrlFileReader } from "../plugin/io/fileSource.js";
import { FaceLandmarkDetector } from "../plugin/reconstruction/faceLandmarkDetector.js";
import { PersonSegmenter } from "../plugin/reconstruction/personSegmenter.js";
import { type IReconstructionProgress } from "../plugin/reconstruction/photoAvatar.js";

/** Where the page finds the detector's weights and the wasm files (served from node_modules by serve.js). */
const NodeModules = new URL("../node_modules/", location.href).href;

/** The photo panel's state: the latest avatar made from a photo. */
export interface IPhotoAvatarDemo {
    /** Reconstructs an avatar from a photo's bytes and puts it in the scene (replacing the previous one). */
    reconstructAsync(bytes: ArrayBuffer): Promise<AvatarVolume>;
    /** Raised with each new avatar. */
    onAvatarObservable: Observable<AvatarVolume>;
}

/**
 * Adds the photo controls to `container`.
 * @param scene the scene
 * @param pack the model pack (its generator makes the head)
 * @param container where the controls go
 * @param status where progress and errors are written
 * @returns the demo's handle
 */
export function SetupPhotoAvatarDemo(scene: Scene, pack: ModelPack, container: HTMLElement, status: HTMLElement): IPhotoAvatarDemo {
    let detector: Promise<FaceLandmarkDetector> | null = null;
    let segmenter: Promise<PersonSegmenter> | null = null;
    let current: AvatarVolume | null = null;
    const onAvatarObservable = new Observable<AvatarVolume>();
    const progressObservable = new Observable<IReconstructionProgress>();
    // Seconds per stage, shown when done.
    const stageTimes: string[] = [];
    let last: { stage: string; at: number } | null = null;
    progressObservable.add((p) => {
        const now = performance.now();
        if (last?.stage !== p.stage) {
            if (last) {
                stageTimes.push(`${last.stage} ${((now - last.at) / 1000).toFixed(1)}`);
            }
            last = { stage: p.stage, at: now };
        }
        status.textContent = `photo → avatar: ${p.stage} (${Math.round(100 * p.fraction)} %)`;
    });

    const reconstructAsync = async (bytes: ArrayBuffer): Promise<AvatarVolume> => {
        detector ??= FaceLandmarkDetector.CreateAsync({
            models: UrlFileReader(`${NodeModules}@vladmandic/face-api/model/`),
            backend: "wasm",
            wasmPaths: `${NodeModules}@tensorflow/tfjs-backend-wasm/dist/`,
        });
        // The hair matte's person segmenter (0.3 MB, this package's models/third-party/), loaded once after the detector's backend.
        segmenter ??= detector.then(() => PersonSegmenter.CreateAsync({ model: UrlFileReader(new URL("../models/third-party/selfie-segmentation/", location.href).href) }));
        const started = performance.now();
        stageTimes.length = 0;
        last = null;
        const avatar = await AvatarVolume.FromPhotoAsync(bytes, scene, {
            pack,
            name: "photoAvatar",
            detector: await detector,
            segmenter: await segmenter,
            onnxWasmPaths: `${NodeModules}onnxruntime-web/dist/`,
            refine: refine.checked,
            progressObservable,
        });
        current?.dispose();
        current = avatar;
        avatar.position.x = -0.24;
        status.textContent = `photo → avatar in ${((performance.now() - started) / 1000).toFixed(1)} s (${stageTimes.join(", ")} s)`;
        onAvatarObservable.notifyObservers(avatar);
        return avatar;
    };
    const run = (bytes: ArrayBuffer): void => {
        reconstructAsync(bytes).catch((e: Error) => (status.textContent = `photo → avatar failed: ${e.message}`));
    };

    const label = document.createElement("label");
    label.textContent = "photo → avatar";
    const input = document.createElement("input");
    input.type = "file";
    input.accept = "image/jpeg,image/png,image/webp";
    input.id = "photo";
    input.addEventListener("change", async () => {
        const file = input.files?.[0];
        if (file) {
            run(await file.arrayBuffer());
        }
    });
    label.appendChild(input);
    container.appendChild(label);
    // The optional longer refinement (finer colour planes).
    const refineLabel = document.createElement("label");
    const refine = document.createElement("input");
    refine.type = "checkbox";
    refine.id = "refinePhoto";
    refineLabel.append("refine (≈ 12 s more)", refine);
    container.appendChild(refineLabel);
    // A photo dropped anywhere on the page.
    document.addEventListener("dragover", (e) => e.preventDefault());
    document.addEventListener("drop", async (e) => {
        e.preventDefault();
        const file = e.dataTransfer?.files[0];
        if (file) {
            run(await file.arrayBuffer());
        }
    });
    return { reconstructAsync, onAvatarObservable };
}
