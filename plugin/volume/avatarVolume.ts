import { type AbstractEngine } from "@babylonjs/core/Engines/abstractEngine.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import { Observable, type Observer } from "@babylonjs/core/Misc/observable.js";
import { ImportMeshAsync } from "@babylonjs/core/Loading/sceneLoader.js";
import { type Scene } from "@babylonjs/core/scene.js";
import { type Nullable } from "@babylonjs/core/types.js";
import { AvatarExpressionError, AvatarFormatError, AvatarUnsupportedError } from "../errors";
import { ExpressionCount, GetExpressionIndex, type ArkitName } from "../expression/arkitNames";
import { CheckExpressionWeight, type ExpressionWeights, ResolveExpressionWeights } from "../expression/expressionWeights";
import { type ModelPack } from "../pack/modelPack";
import { DeformedBox } from "../pack/packManifest";
import { type IImagePixels } from "../reconstruction/imagePixels";
import { type IPhotoAvatarOptions, type IReconstructionProgress } from "../reconstruction/photoAvatar";
import { type IAvatarAsset } from "./avatarAsset";
import { ApplyIctFrame } from "./avatarFrame";
import { AvatarGpuResources } from "./avatarGpuResources";
import { AvatarVolumeMaterial } from "./avatarVolumeMaterial";
import { FoldDynamicBiases } from "./dynamicBiases";
import { EyelidRig } from "./eyelidRig";
import { MouthCavityShading } from "./mouthCavityShading";
import { NetworkLayout } from "./networkLayout";

/** How the backward deformation reaches the raymarcher. */
export type DeformationMode = "baked" | "perSample";

/** Anything that can drive an avatar's expression (lip-sync, video, timed tracks, code). */
export interface IExpressionTarget {
    /** Applies 53 weights in ICT/ARKit order (or a record by name). */
    setExpression(weights: ExpressionWeights): void;
}

/** Options of {@link AvatarVolume.FromPhotoAsync}. */
export interface IAvatarFromPhotoOptions extends IPhotoAvatarOptions {
    /** The model pack (its generator makes the head). */
    pack: ModelPack;
    /** Node name. Default "photoAvatar". */
    name?: string;
    /** Notified as each stage starts and as the refinement advances (the same as `onProgress`), e.g. for a progress bar. */
    progressObservable?: Observable<IReconstructionProgress>;
}

/**
 * A photoreal, animatable volumetric head (NOFA++): a tri-plane volume raymarched in the scene
 * by a WGSL material, deformed every frame by the pack's neural deformation field driven by 53
 * ARKit-named expression weights. Place it like any node; its local frame is metres, +y up,
 * facing −z (a head at the origin looks at Babylon's default camera).
 *
 * Internally one proxy box (the deformed volume's bounds) carries the material, so bounds,
 * picking, framing and culling work as for a mesh. `dispose()` frees every GPU resource it made.
 */
export class AvatarVolume extends TransformNode implements IExpressionTarget {
    /** Raised after the expression changed (the new weights, 53 values; do not keep the array). */
    public readonly onExpressionChangedObservable = new Observable<Float32Array>();

    private _pack: Nullable<ModelPack> = null;
    private _asset: Nullable<IAvatarAsset> = null;
    private _layout: Nullable<NetworkLayout> = null;
    private _eyelids: Nullable<EyelidRig> = null;
    private _gpu: Nullable<AvatarGpuResources> = null;
    private _material: Nullable<AvatarVolumeMaterial> = null;
    private _proxy: Nullable<Mesh> = null;
    private _frame: Nullable<TransformNode> = null;
    private readonly _beta = new Float32Array(ExpressionCount);
    private _dynamic = new Float32Array(0);
    private _foldScratch = new Float32Array(0);
    private _deformationDirty = true;
    private _beforeRender: Nullable<Observer<Scene>> = null;
    private _deformationMode: DeformationMode = "baked";
    private _skipEmptySpace = true;
    private _stepSize = 0.25;
    private _surfaceSubsteps = 4;
    private _maxSteps = 512;
    private _showSampleCount = false;
    private _mouthCavityShading = 1;
    /** @internal Set by the glTF loader: the node sits under the loader's handedness-converting root. */
    public _ictFrameUnderGltfRoot = false;

    /**
     * Whether avatar volumes can render on this engine (WebGPU with compute shaders).
     * @param engine the engine
     * @returns true when supported
     */
    public static IsSupported(engine: AbstractEngine): boolean {
        return engine.isWebGPU && engine.getCaps().supportComputeShaders;
    }

    /**
     * Loads an avatar `.glb` (through `@babylonjs/loaders`, with the `NOFA_avatar_volume`
     * extension registered by this package's main entry or `RegisterAvatarVolumeLoader()`).
     * When it fails, whatever the loader had added to the scene is disposed (do not run other loads
     * into the same scene at the same time if you rely on that).
     * @param url the `.glb`'s URL
     * @param scene the scene
     * @returns the first avatar volume in the file
     */
    public static async LoadAsync(url: string, scene: Scene): Promise<AvatarVolume> {
        if (!AvatarVolume.IsSupported(scene.getEngine())) {
            throw new AvatarUnsupportedError(
                "AvatarVolume needs a WebGPUEngine with compute shaders; on this engine load the file with ImportMeshAsync to get its fallback mesh (photo avatars carry one, with ARKit morph targets that LipSync drives)"
            );
        }
        let result: Awaited<ReturnType<typeof ImportMeshAsync>>;
        // What the scene held before, so that a failed load leaves nothing behind.
        const before = new Set<unknown>([...scene.meshes, ...scene.transformNodes]);
        try {
            result = await ImportMeshAsync(url, scene);
        } catch (e) {
            [...scene.meshes, ...scene.transformNodes].filter((n) => !before.has(n)).forEach((n) => n.dispose());
            // The scene loader wraps what the extension threw; surface our typed errors as they are.
            let inner: unknown = e;
            while (inner && !(inner instanceof AvatarFormatError || inner instanceof AvatarUnsupportedError) && (inner as { innerError?: unknown }).innerError) {
                inner = (inner as { innerError?: unknown }).innerError;
            }
            throw inner instanceof AvatarFormatError || inner instanceof AvatarUnsupportedError ? inner : e;
        }
        const avatar = result.meshes.flatMap((m) => [m, ...m.getDescendants(false)]).find((n): n is AvatarVolume => n instanceof AvatarVolume);
        if (!avatar) {
            result.meshes.forEach((m) => m.dispose());
            result.transformNodes.forEach((n) => n.dispose());
            throw new AvatarFormatError("nodes", `${url} gave no avatar: no node carries NOFA_avatar_volume, or no glTF loader is registered (import "nofa-babylon", or "@babylonjs/loaders/glTF" and call RegisterAvatarVolumeLoader())`);
        }
        return avatar;
    }

    /**
     * Creates an avatar from a pack and a volume already in memory (a reconstruction, a sampled α).
     * @param name node name
     * @param scene the scene
     * @param pack the model pack
     * @param asset the volume
     * @returns the avatar, ready to render
     */
    public static async CreateAsync(name: string, scene: Scene, pack: ModelPack, asset: IAvatarAsset): Promise<AvatarVolume> {
        const avatar = new AvatarVolume(name, scene);
        try {
            await avatar._setVolumeAsync(pack, asset);
        } catch (e) {
            avatar.dispose();
            throw e;
        }
        return avatar;
    }

    /**
     * One portrait photo → an avatar of that person in the scene (see {@link ReconstructAvatarAsync}:
     * face and landmarks, 3DMM fit, G(α), the photo's colours fitted into the tri-plane). The
     * reconstruction code (and the face detector) load on first use, in their own chunk.
     * Nothing is left in the scene or on the GPU when it fails.
     * @param image the photo: encoded bytes (JPEG anywhere; PNG/WebP in the browser) or decoded pixels (an `ImageData`)
     * @param scene the scene
     * @param options the pack, where the face detector's weights are (`faceModels` or a `detector`),
     *   face choice, `refine` for the longer refinement, and `progressObservable` to follow the stages
     * @returns the avatar, with its expression neutral
     * @throws ReconstructionError with a `code` naming what was wrong with the photo
     */
    public static async FromPhotoAsync(image: ArrayBuffer | Uint8Array | IImagePixels, scene: Scene, options: IAvatarFromPhotoOptions): Promise<AvatarVolume> {
        const { ReconstructAvatarAsync } = await import("../reconstruction/photoAvatar");
        const progress = options.progressObservable;
        const result = await ReconstructAvatarAsync(image, options.pack, {
            fallbackMesh: false,
            ...options,
            onProgress: (p) => {
                options.onProgress?.(p);
                progress?.notifyObservers(p);
            },
        });
        return AvatarVolume.CreateAsync(options.name ?? "photoAvatar", scene, options.pack, result.asset);
    }

    /**
     * Creates an empty avatar node; a volume is attached by {@link CreateAsync} or the loader.
     * @param name node name
     * @param scene the scene
     */
    constructor(name: string, scene: Scene) {
        super(name, scene);
    }

    /** The model pack, once a volume is attached. */
    public get pack(): Nullable<ModelPack> {
        return this._pack;
    }

    /** The volume (α, tri-plane), once attached. */
    public get asset(): Nullable<IAvatarAsset> {
        return this._asset;
    }

    /** The internal proxy box that carries the raymarching material (for picking and bounds). */
    public get proxyMesh(): Nullable<Mesh> {
        return this._proxy;
    }

    /** The current 53 expression weights (read-only view; use {@link setExpression} to change). */
    public get expression(): Readonly<Float32Array> {
        return this._beta;
    }

    /** "baked" (default): D-Net·W-Net baked into a 3D texture when β changes; "perSample": evaluated at every sample (reference). */
    public get deformationMode(): DeformationMode {
        return this._deformationMode;
    }

    public set deformationMode(mode: DeformationMode) {
        if (mode !== "baked" && mode !== "perSample") {
            throw new RangeError(`deformationMode must be "baked" or "perSample", got ${String(mode)}`);
        }
        this._deformationMode = mode;
        this._deformationDirty = true;
        this._updateMarching();
    }

    /** Whether rays skip empty cells of the occupancy grid (default true). */
    public get skipEmptySpace(): boolean {
        return this._skipEmptySpace;
    }

    public set skipEmptySpace(value: boolean) {
        this._skipEmptySpace = value;
        this._updateMarching();
    }

    /** Distance between samples along a ray, in canonical cm (default 0.25). Smaller is sharper and slower. */
    public get stepSize(): number {
        return this._stepSize;
    }

    public set stepSize(value: number) {
        if (!(value > 0) || !Number.isFinite(value)) {
            throw new RangeError(`stepSize must be a positive number of cm, got ${value}`);
        }
        this._stepSize = value;
        this._updateMarching();
    }

    /**
     * Samples per step in a short window around the first surface each ray meets (default 4; 1 turns the
     * window off; at most 16). Thin parts that fall between two steps (eyelids, the eyes' rims) then show
     * without aliasing into streaks, at a fraction of the cost of a {@link stepSize} that much smaller.
     */
    public get surfaceSubsteps(): number {
        return this._surfaceSubsteps;
    }

    public set surfaceSubsteps(value: number) {
        if (!Number.isInteger(value) || value < 1 || value > 16) {
            throw new RangeError(`surfaceSubsteps must be an integer from 1 to 16, got ${value}`);
        }
        this._surfaceSubsteps = value;
        this._updateMarching();
    }

    /**
     * How far the inside of an open mouth is darkened, 0–1 (default 1): light reaches it only through the
     * gap between the lips, so teeth just behind them stay bright and the throat goes dark. It grows with
     * jawOpen beyond the jawOpen of the avatar's photo (a photo's own open mouth keeps its colours).
     */
    public get mouthCavityShading(): number {
        return this._mouthCavityShading;
    }

    public set mouthCavityShading(value: number) {
        if (!(value >= 0 && value <= 1)) {
            throw new RangeError(`mouthCavityShading must be a number from 0 to 1, got ${value}`);
        }
        this._mouthCavityShading = value;
        this._updateCavityShading();
    }

    /** Benchmark view: draw samples per ray (red = count / 1024) instead of colour. */
    public get showSampleCount(): boolean {
        return this._showSampleCount;
    }

    public set showSampleCount(value: boolean) {
        this._showSampleCount = value;
        this._updateMarching();
    }

    /**
     * Sets the expression: 53 weights in ICT/ARKit order, or a record by name (names left out are 0).
     * Values are clamped to [0, 1]; the deformation is re-baked before the next frame.
     * @param weights the weights
     * @throws AvatarExpressionError for an unknown name, a wrong length or a non-finite value (nothing changes)
     */
    public setExpression(weights: ExpressionWeights): void {
        ResolveExpressionWeights(weights, this._beta);
        this._expressionChanged();
    }

    /**
     * Sets one expression weight, leaving the others.
     * @param name an ICT/ARKit name
     * @param value the weight, clamped to [0, 1]
     * @throws AvatarExpressionError for an unknown name or a non-finite value
     */
    public setExpressionWeight(name: ArkitName, value: number): void {
        const index = GetExpressionIndex(name);
        if (index < 0) {
            throw new AvatarExpressionError(name, "is not one of the 53 ICT/ARKit expression names");
        }
        this._beta[index] = CheckExpressionWeight(name, value);
        this._expressionChanged();
    }

    private _expressionChanged(): void {
        this._deformationDirty = true;
        this._updateCavityShading();
        this.onExpressionChangedObservable.notifyObservers(this._beta);
    }

    /**
     * Attaches a volume: checks it against the pack, uploads it, builds the occupancy grid and
     * bakes the deformation. On failure everything made so far is released.
     * @internal
     */
    public async _setVolumeAsync(pack: ModelPack, asset: IAvatarAsset): Promise<void> {
        if (!AvatarVolume.IsSupported(this.getScene().getEngine())) {
            throw new AvatarUnsupportedError("AvatarVolume needs a WebGPUEngine with compute shaders (AvatarVolume.IsSupported(engine) is false)");
        }
        const m = pack.manifest;
        if (!pack.rendersAvatarsOf(asset.packId, asset.packVersion)) {
            const also = m.compatibleAvatarVersions?.length ? ` (which renders avatars of ${m.compatibleAvatarVersions.join(", ")} too)` : "";
            throw new AvatarFormatError("pack", `the avatar was made for pack ${asset.packId}@${asset.packVersion}, not ${m.id}@${m.version}${also}`);
        }
        if (asset.channels !== m.triplane.channels || asset.resolution !== m.triplane.resolution) {
            throw new AvatarFormatError("triplane", `is ${asset.channels}×${asset.resolution}², the pack needs ${m.triplane.channels}×${m.triplane.resolution}²`);
        }
        if (asset.alpha.length !== m.alphaDims) {
            throw new AvatarFormatError("alpha", `has ${asset.alpha.length} values, the pack needs ${m.alphaDims}`);
        }
        const photo = asset.photoLayer;
        if (photo) {
            const sizeOk = [photo.width, photo.height].every((v) => Number.isInteger(v) && v >= 1 && v <= 4096);
            if (!sizeOk || photo.projection.length !== 12 || photo.colour.length !== photo.width * photo.height * 4 || photo.depth.length !== photo.width * photo.height * 4) {
                throw new AvatarFormatError("photoLayer", `must be a 12-value projection and ${photo.width}×${photo.height}×4 colour and depth values (width, height in [1, 4096])`);
            }
            if (photo.expression && photo.expression.length !== ExpressionCount) {
                throw new AvatarFormatError("photoLayer.expression", `has ${photo.expression.length} weights, expected ${ExpressionCount}`);
            }
        }
        this._releaseVolume();
        const scene = this.getScene();
        try {
            this._pack = pack;
            this._asset = asset;
            this._layout = new NetworkLayout(pack);
            this._eyelids = pack.eyelids ? new EyelidRig(pack.eyelids, asset.alpha) : null;
            this._dynamic = new Float32Array(this._layout.dynamicLength);
            this._foldScratch = new Float32Array(m.alphaDims + ExpressionCount);
            this._gpu = new AvatarGpuResources(this.name, scene, pack, this._layout, asset);
            this._material = new AvatarVolumeMaterial(`${this.name}.material`, scene, pack, this._layout);
            this._material.setTexture("nofaTriplane", this._gpu.triplane);
            this._material.setTexture("nofaColourPlanes", this._gpu.colourPlanes);
            this._material.setTexture("nofaPhotoColour", this._gpu.photoColour);
            this._material.setTexture("nofaPhotoDepth", this._gpu.photoDepth);
            this._material.setPhotoProjection(this._gpu.photoProjection);
            this._material.setTexture("nofaDisplacement", this._gpu.displacement);
            this._material.setTexture("nofaDisplacementJump", this._gpu.displacementJump);
            this._material.setTexture("nofaStretchKept", this._gpu.stretchKept);
            this._material.setStorageBuffer("nofaWeights", this._gpu.weights);
            this._material.setStorageBuffer("nofaDynamic", this._gpu.dynamic);
            this._material.setStorageBuffer("nofaOccupancy", this._gpu.occupancy);
            this._material.setVector3("occupancyDims", Vector3.FromArray(this._gpu.occupancyDims));
            this._updateMarching();
            this._updateCavityShading();

            this._frame = new TransformNode(`${this.name}.ictFrame`, scene);
            this._frame.parent = this;
            ApplyIctFrame(this._frame, this._ictFrameUnderGltfRoot);
            const deformed = DeformedBox(m);
            this._proxy = this._createProxy(scene, deformed.min, deformed.max);
            this._proxy.parent = this._frame;
            this._proxy.material = this._material;
            this._proxy.onAfterWorldMatrixUpdateObservable.add((mesh) => this._material?.updateWorld(mesh.getWorldMatrix()));

            this._uploadDynamic();
            await this._gpu.buildOccupancyAsync();
            await this._gpu.bakeWhenReadyAsync();
            this._deformationDirty = false;
            this._beforeRender = scene.onBeforeRenderObservable.add(() => this._updateDeformation());
        } catch (e) {
            this._releaseVolume();
            throw e;
        }
    }

    private _createProxy(scene: Scene, min: number[], max: number[]): Mesh {
        const proxy = new Mesh(`${this.name}.volumeProxy`, scene);
        const positions: number[] = [];
        for (let i = 0; i < 8; i++) {
            positions.push(i & 1 ? max[0] : min[0], i & 2 ? max[1] : min[1], i & 4 ? max[2] : min[2]);
        }
        // Counter-clockwise seen from outside (right-handed ICT frame; Babylon flips for the mirror).
        const indices = [0, 2, 1, 1, 2, 3, 4, 5, 6, 5, 7, 6, 0, 1, 4, 1, 5, 4, 2, 6, 3, 3, 6, 7, 0, 4, 2, 2, 4, 6, 1, 3, 5, 3, 7, 5];
        const data = new VertexData();
        data.positions = positions;
        data.indices = indices;
        data.applyToMesh(proxy);
        proxy.alwaysSelectAsActiveMesh = false;
        return proxy;
    }

    private _uploadDynamic(): void {
        if (!this._pack || !this._layout || !this._gpu || !this._asset) {
            return;
        }
        FoldDynamicBiases(this._pack, this._layout, this._asset.alpha, this._beta, this._foldScratch, this._dynamic);
        this._eyelids?.write(this._beta, this._dynamic, this._layout.eyelidOffset);
        this._gpu.updateDynamic(this._dynamic);
    }

    private _updateDeformation(): void {
        if (!this._deformationDirty || !this._gpu) {
            return;
        }
        this._uploadDynamic();
        // Baked in both modes: the per-sample mode still reads the moved occupancy grid.
        if (!this._gpu.bake()) {
            return;
        }
        this._deformationDirty = false;
    }

    private _updateMarching(): void {
        this._material?.setMarching(this._stepSize, this._maxSteps, this._deformationMode === "perSample", this._skipEmptySpace, this._showSampleCount, this._surfaceSubsteps);
    }

    private _updateCavityShading(): void {
        const jaw = GetExpressionIndex("jawOpen");
        this._material?.setCavityShading(MouthCavityShading(this._mouthCavityShading, this._beta[jaw], this._asset?.photoLayer?.expression?.[jaw]));
    }

    private _releaseVolume(): void {
        if (this._beforeRender) {
            this.getScene().onBeforeRenderObservable.remove(this._beforeRender);
            this._beforeRender = null;
        }
        this._proxy?.dispose();
        this._frame?.dispose();
        this._material?.dispose(true, false);
        this._gpu?.dispose();
        this._proxy = null;
        this._frame = null;
        this._material = null;
        this._gpu = null;
        this._layout = null;
        this._eyelids = null;
        this._pack = null;
        this._asset = null;
    }

    /** @returns "AvatarVolume" */
    public override getClassName(): string {
        return "AvatarVolume";
    }

    /**
     * Releases the volume's GPU resources (textures, buffers, material) and the node.
     * @param doNotRecurse see TransformNode.dispose
     * @param disposeMaterialAndTextures see TransformNode.dispose
     */
    public override dispose(doNotRecurse?: boolean, disposeMaterialAndTextures = false): void {
        this._releaseVolume();
        this.onExpressionChangedObservable.clear();
        super.dispose(doNotRecurse, disposeMaterialAndTextures);
    }
}
