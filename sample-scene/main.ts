/**
 * The sample scene: a volumetric head (an avatar `.glb`) composited with meshes, its
 * expression driven by sliders and voice lines, and a photo panel that makes an avatar from a
 * portrait photo beside it. Query parameters: `avatar=URL` (a `.glb`), `size=W` (canvas px),
 * `ui=0` (hide the panel).
 * Tests drive it through `window.nofaSample`.
 */
import { WebGPUEngine } from "@babylonjs/core/Engines/webgpuEngine.js";
import { Scene } from "@babylonjs/core/scene.js";
import { ArcRotateCamera } from "@babylonjs/core/Cameras/arcRotateCamera.js";
import { HemisphericLight } from "@babylonjs/core/Lights/hemisphericLight.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { type Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { Color3, Color4 } from "@babylonjs/core/Maths/math.color.js";
import { CreateSphere } from "@babylonjs/core/Meshes/Builders/sphereBuilder.js";
import { CreateGround } from "@babylonjs/core/Meshes/Builders/groundBuilder.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { AvatarVolume, type ArkitName } from "../plugin/index";
import { SetupLipSyncDemoAsync } from "./lipSyncDemo";
import { SetupPhotoAvatarDemo, type IPhotoAvatarDemo } from "./photoAvatarDemo";

/** What the page exposes to tests and the benchmark. */
interface ISampleHooks {
    engine: WebGPUEngine;
    scene: Scene;
    camera: ArcRotateCamera;
    sphere: Mesh;
    avatar: AvatarVolume | null;
    /** The photo panel (null with ui=0): `reconstructAsync(bytes)` makes an avatar beside the base head. */
    photo: IPhotoAvatarDemo | null;
    AvatarVolume: typeof AvatarVolume;
    /** Screen pixel (CSS px, origin top-left) of a world point seen by the active camera. */
    project(x: number, y: number, z: number): [number, number];
    error: string | null;
    ready: boolean;
}

declare global {
    interface Window {
        nofaSample: ISampleHooks;
    }
}

const params = new URLSearchParams(location.search);
/** The ICT base head (written from the committed pack by `npm run assets`), else the analytic test head. */
const DefaultAvatars = ["../dist/sample-assets/ict/ict-base-mean.glb", "../dist/sample-assets/analytic/analytic-head.glb"];

async function defaultAvatarUrl(): Promise<string> {
    for (const url of DefaultAvatars) {
        if ((await fetch(url, { method: "HEAD" })).ok) {
            return url;
        }
    }
    throw new Error("no avatar found: run `npm run assets`");
}
const status = document.getElementById("status")!;
const SliderNames: ArkitName[] = ["jawOpen", "mouthSmile_L", "mouthSmile_R", "mouthPucker", "eyeBlink_L", "eyeBlink_R"];

async function main(): Promise<void> {
    const canvas = document.getElementById("renderCanvas") as HTMLCanvasElement;
    if (params.get("ui") === "0") {
        document.getElementById("panel")!.style.display = "none";
    }
    const size = params.get("size");
    if (size) {
        canvas.style.width = canvas.style.height = `${size}px`;
    }
    const engine = new WebGPUEngine(canvas, { antialias: false, adaptToDeviceRatio: false });
    await engine.initAsync();
    const scene = new Scene(engine);
    scene.clearColor = new Color4(0.11, 0.13, 0.16, 1);
    const camera = new ArcRotateCamera("camera", -Math.PI / 2, Math.PI / 2.1, 0.75, new Vector3(0, 0.0, 0), scene);
    camera.minZ = 0.01;
    camera.wheelPrecision = 300;
    camera.attachControl(canvas, true);
    new HemisphericLight("light", new Vector3(0.3, 1, -0.5), scene);
    const ground = CreateGround("ground", { width: 2, height: 2 }, scene);
    ground.position.y = -0.25;
    const groundMat = new StandardMaterial("groundMat", scene);
    groundMat.diffuseColor = new Color3(0.35, 0.38, 0.42);
    ground.material = groundMat;
    const sphere = CreateSphere("sphere", { diameter: 0.12 }, scene);
    const sphereMat = new StandardMaterial("sphereMat", scene);
    sphereMat.diffuseColor = new Color3(0.2, 0.45, 0.9);
    sphere.material = sphereMat;
    sphere.position.set(0.12, 0.02, 0);
    window.nofaSample = {
        engine,
        scene,
        camera,
        sphere,
        avatar: null,
        photo: null,
        AvatarVolume,
        project: (x, y, z) => {
            const cam = scene.activeCamera!;
            const w = engine.getRenderWidth();
            const h = engine.getRenderHeight();
            const p = Vector3.Project(new Vector3(x, y, z), Matrix.IdentityReadOnly, scene.getTransformMatrix(), cam.viewport.toGlobal(w, h));
            return [(p.x * canvas.clientWidth) / w, (p.y * canvas.clientHeight) / h];
        },
        error: null,
        ready: false,
    };

    if (!AvatarVolume.IsSupported(engine)) {
        throw new Error("This browser's engine cannot run avatar volumes (WebGPU with compute shaders is needed).");
    }
    const avatar = await AvatarVolume.LoadAsync(params.get("avatar") ?? (await defaultAvatarUrl()), scene);
    window.nofaSample.avatar = avatar;

    const sliders = document.getElementById("sliders")!;
    for (const name of SliderNames) {
        const label = document.createElement("label");
        label.textContent = name;
        const input = document.createElement("input");
        input.type = "range";
        input.min = "0";
        input.max = "1";
        input.step = "0.01";
        input.value = "0";
        input.id = `slider-${name}`;
        // The sliders drive every avatar in the scene (the base head and one made from a photo).
        input.addEventListener("input", () => scene.transformNodes.forEach((n) => n instanceof AvatarVolume && n.setExpressionWeight(name, Number(input.value))));
        label.appendChild(input);
        sliders.appendChild(label);
    }
    (document.getElementById("mode") as HTMLSelectElement).addEventListener("change", (e) => {
        avatar.deformationMode = (e.target as HTMLSelectElement).value as "baked" | "perSample";
    });
    (document.getElementById("skip") as HTMLInputElement).addEventListener("change", (e) => {
        avatar.skipEmptySpace = (e.target as HTMLInputElement).checked;
    });
    status.textContent = `avatar: ${avatar.name} (pack ${avatar.pack?.id}@${avatar.pack?.version})`;
    engine.runRenderLoop(() => scene.render());
    window.addEventListener("resize", () => engine.resize());
    if (params.get("ui") !== "0") {
        // Voice lines and the microphone drive the mouth (onnxruntime-web's .wasm served from node_modules).
        // A failure here leaves the scene running with its sliders.
        const photo = SetupPhotoAvatarDemo(scene, avatar.pack!, document.getElementById("photoPanel")!, status);
        window.nofaSample.photo = photo;
        // Frame both heads once a photo avatar stands beside the base head.
        photo.onAvatarObservable.add(() => camera.target.set(-0.12, 0, 0));
        try {
            const lips = await SetupLipSyncDemoAsync(engine, avatar, document.getElementById("lipsync")!, "assets/lines/", { wasmPaths: new URL("../node_modules/onnxruntime-web/dist/", location.href).href });
            // An avatar made from a photo takes over the voice.
            photo.onAvatarObservable.add((a) => lips.attach(a));
        } catch (e) {
            status.textContent += ` (lip-sync unavailable: ${(e as Error).message})`;
        }
    }
    window.nofaSample.ready = true;
}

main().catch((e: Error) => {
    status.textContent = `error: ${e.message}`;
    if (window.nofaSample) {
        window.nofaSample.error = e.message;
    } else {
        (window as unknown as { nofaSample: { error: string } }).nofaSample = { error: e.message } as never;
    }
    console.error(e);
});
