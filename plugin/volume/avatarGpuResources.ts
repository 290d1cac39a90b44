import { ComputeShader } from "@babylonjs/core/Compute/computeShader.js";
import { StorageBuffer } from "@babylonjs/core/Buffers/storageBuffer.js";
import { Constants } from "@babylonjs/core/Engines/constants.js";
import { type WebGPUEngine } from "@babylonjs/core/Engines/webgpuEngine.js";
import { RawTexture } from "@babylonjs/core/Materials/Textures/rawTexture.js";
import { RawTexture2DArray } from "@babylonjs/core/Materials/Textures/rawTexture2DArray.js";
import { RawTexture3D } from "@babylonjs/core/Materials/Textures/rawTexture3D.js";
import { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import { type BaseTexture } from "@babylonjs/core/Materials/Textures/baseTexture.js";
import { type Scene } from "@babylonjs/core/scene.js";
import { RegisterEnginesWebGPUExtensionsEngineComputeShader } from "@babylonjs/core/Engines/WebGPU/Extensions/engine.computeShader.pure.js";
import { RegisterEnginesWebGPUExtensionsEngineRawTexture } from "@babylonjs/core/Engines/WebGPU/Extensions/engine.rawTexture.pure.js";
import { type ModelPack } from "../pack/modelPack";
import { DeformedBox } from "../pack/packManifest";
import { type IAvatarAsset } from "./avatarAsset";
import { type NetworkLayout } from "./networkLayout";
import { BakeDeformationSource, DeformedOccupancySource, DilateOccupancySource, OccupancySource, StretchCarveSource } from "./shaderSources";
import { ColourPlanesToTextureLayers, PhotoProjectionColumnMajor, TriplaneToTextureLayers } from "./triplaneTexture";

/** Target cell sizes (cm) of the displacement texture and of the occupancy grid. */
const DisplacementCell = 0.6;
const OccupancyCell = 1.0;
/** Density (1/cm) under which a cell counts as empty: at 0.25 cm steps, < 0.25 % opacity per sample. */
const OccupancyThreshold = 0.01;

function _dims(min: number[], max: number[], cell: number, cap: number): [number, number, number] {
    return [0, 1, 2].map((k) => Math.min(cap, Math.max(2, Math.ceil((max[k] - min[k]) / cell)))) as [number, number, number];
}

/** A binding of a compute pass: name in the WGSL, binding index in group 0, resource (a texture is
 * sampled, its sampler bound just before it, unless "storage"). */
type PassBinding = [string, number, StorageBuffer | BaseTexture] | [string, number, BaseTexture, "storage"];

function _computePass(name: string, engine: WebGPUEngine, source: string, bindings: PassBinding[]): ComputeShader {
    const bindingsMapping: Record<string, { group: number; binding: number }> = {};
    for (const [key, binding] of bindings) {
        bindingsMapping[key] = { group: 0, binding };
    }
    const pass = new ComputeShader(name, engine, { computeSource: source }, { bindingsMapping });
    for (const [key, , resource, kind] of bindings) {
        if (resource instanceof StorageBuffer) {
            pass.setStorageBuffer(key, resource);
        } else if (kind === "storage") {
            pass.setStorageTexture(key, resource);
        } else {
            pass.setTexture(key, resource, true);
        }
    }
    return pass;
}

/**
 * Everything one avatar holds on the GPU: the tri-plane, colour-plane and photo-layer textures, the baked displacement textures,
 * the network weights, the folded α/β biases, the occupancy grid, and the compute passes that
 * fill them. `dispose()` releases all of it.
 */
export class AvatarGpuResources {
    /** The tri-plane as an rgba16float 2D-array texture. */
    public readonly triplane: RawTexture2DArray;
    /** The avatar's colour planes (3 rgba16float layers; 1 × 1 zeros when the avatar has none). */
    public readonly colourPlanes: RawTexture2DArray;
    /** The photo layer's colour and surface trust (rgba8unorm; 1 × 1 zeros when the avatar has none). */
    public readonly photoColour: RawTexture;
    /** The photo layer's surface, slab front and back distances and slab density (rgba16float; 1 × 1 zeros when none). */
    public readonly photoDepth: RawTexture;
    /** The photo layer's projection, 16 floats column-major as the shaders' mat4x4 (zeros when none). */
    public readonly photoProjection: Float32Array;
    /** w·Δx baked over the deformed box (rgba16float 3D storage texture). */
    public readonly displacement: RawTexture3D;
    /** w·j of a D-Net with a jump (1 texel without one). */
    public readonly displacementJump: RawTexture3D;
    /** The stretch carve's share of density kept, in red, at the displacement's texels (1 texel without a carve). */
    public readonly stretchKept: RawTexture3D;
    /** The pack's MLP weights (f32). */
    public readonly weights: StorageBuffer;
    /** Folded first-layer biases of the D-Net and W-Net. */
    public readonly dynamic: StorageBuffer;
    /** Occupancy of the deformed volume for the current expression, one u32 per cell. */
    public readonly occupancy: StorageBuffer;
    /** Cells of the occupancy grid per axis. */
    public readonly occupancyDims: [number, number, number];
    /** Texels of the displacement texture per axis. */
    public readonly displacementDims: [number, number, number];

    private readonly _occupancyRaw: StorageBuffer;
    private readonly _occupancyCanonical: StorageBuffer;
    private readonly _bakeParams: StorageBuffer;
    private readonly _occupancyParams: StorageBuffer;
    private readonly _photoProjectionBuffer: StorageBuffer;
    private readonly _bake: ComputeShader;
    /** The stretch carve's pass (null for a pack without one). */
    private readonly _stretchPass: ComputeShader | null;
    /** The passes that follow a change of the biases, in order, with their workgroup counts. */
    private readonly _bakePasses: [ComputeShader, number[]][];
    private readonly _occupancyPass: ComputeShader;
    private readonly _dilatePass: ComputeShader;
    private readonly _deformedOccupancyPass: ComputeShader;

    /**
     * @param name prefix of the resources' names
     * @param scene the scene (its engine must be a WebGPU engine)
     * @param pack the model pack
     * @param layout the pack's GPU layout
     * @param asset the avatar's volume
     */
    constructor(name: string, scene: Scene, pack: ModelPack, layout: NetworkLayout, asset: IAvatarAsset) {
        RegisterEnginesWebGPUExtensionsEngineComputeShader();
        RegisterEnginesWebGPUExtensionsEngineRawTexture();
        const engine = scene.getEngine() as WebGPUEngine;
        const box = pack.manifest.canonicalBox;
        const { min, max } = DeformedBox(pack.manifest);
        this.displacementDims = _dims(min, max, DisplacementCell, 96);
        this.occupancyDims = _dims(min, max, OccupancyCell, 64);
        const { channels: C, resolution: R } = asset;

        this.triplane = new RawTexture2DArray(TriplaneToTextureLayers(asset.triplane, C, R), R, R, (3 * C) / 4, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Texture.BILINEAR_SAMPLINGMODE, Constants.TEXTURETYPE_HALF_FLOAT);
        this.triplane.name = `${name}.triplane`;
        this.triplane.wrapU = this.triplane.wrapV = Texture.CLAMP_ADDRESSMODE;
        const colour = asset.colourPlanes;
        const colourSize = colour?.resolution ?? 1;
        const colourTexels = colour ? ColourPlanesToTextureLayers(colour.values, colour.resolution) : new Uint16Array(3 * 4);
        this.colourPlanes = new RawTexture2DArray(colourTexels, colourSize, colourSize, 3, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Texture.BILINEAR_SAMPLINGMODE, Constants.TEXTURETYPE_HALF_FLOAT);
        this.colourPlanes.name = `${name}.colourPlanes`;
        this.colourPlanes.wrapU = this.colourPlanes.wrapV = Texture.CLAMP_ADDRESSMODE;
        const photo = asset.photoLayer;
        const [pw, ph] = photo ? [photo.width, photo.height] : [1, 1];
        this.photoColour = new RawTexture(photo?.colour ?? new Uint8Array(4), pw, ph, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Texture.BILINEAR_SAMPLINGMODE, Constants.TEXTURETYPE_UNSIGNED_BYTE);
        this.photoColour.name = `${name}.photoColour`;
        this.photoDepth = new RawTexture(photo?.depth ?? new Uint16Array(4), pw, ph, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Texture.BILINEAR_SAMPLINGMODE, Constants.TEXTURETYPE_HALF_FLOAT);
        this.photoDepth.name = `${name}.photoDepth`;
        for (const t of [this.photoColour, this.photoDepth]) {
            t.wrapU = t.wrapV = Texture.CLAMP_ADDRESSMODE;
        }
        this.photoProjection = PhotoProjectionColumnMajor(photo?.projection);
        const [dx, dy, dz] = this.displacementDims;
        this.displacement = new RawTexture3D(null, dx, dy, dz, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Texture.BILINEAR_SAMPLINGMODE, Constants.TEXTURETYPE_HALF_FLOAT, Constants.TEXTURE_CREATIONFLAG_STORAGE);
        this.displacement.name = `${name}.displacement`;
        const [jx, jy, jz] = pack.deformationJumpSharpness === null ? [1, 1, 1] : this.displacementDims;
        this.displacementJump = new RawTexture3D(null, jx, jy, jz, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Texture.BILINEAR_SAMPLINGMODE, Constants.TEXTURETYPE_HALF_FLOAT, Constants.TEXTURE_CREATIONFLAG_STORAGE);
        this.displacementJump.name = `${name}.displacementJump`;
        const [kx, ky, kz] = pack.stretchCarve === null ? [1, 1, 1] : this.displacementDims;
        this.stretchKept = new RawTexture3D(null, kx, ky, kz, Constants.TEXTUREFORMAT_RGBA, scene, false, false, Texture.BILINEAR_SAMPLINGMODE, Constants.TEXTURETYPE_UNSIGNED_BYTE, Constants.TEXTURE_CREATIONFLAG_STORAGE);
        this.stretchKept.name = `${name}.stretchKept`;
        for (const t of [this.displacement, this.displacementJump, this.stretchKept]) {
            t.wrapU = t.wrapV = t.wrapR = Texture.CLAMP_ADDRESSMODE;
        }

        this.weights = new StorageBuffer(engine, layout.weights.byteLength, Constants.BUFFER_CREATIONFLAG_WRITE, `${name}.weights`);
        this.weights.update(layout.weights);
        this.dynamic = new StorageBuffer(engine, layout.dynamicLength * 4, Constants.BUFFER_CREATIONFLAG_WRITE, `${name}.dynamic`);
        const cells = this.occupancyDims[0] * this.occupancyDims[1] * this.occupancyDims[2];
        this._occupancyRaw = new StorageBuffer(engine, cells * 4, Constants.BUFFER_CREATIONFLAG_READWRITE, `${name}.occupancyRaw`);
        this._occupancyCanonical = new StorageBuffer(engine, cells * 4, Constants.BUFFER_CREATIONFLAG_READWRITE, `${name}.occupancyCanonical`);
        this.occupancy = new StorageBuffer(engine, cells * 4, Constants.BUFFER_CREATIONFLAG_READWRITE, `${name}.occupancy`);
        this._bakeParams = this._gridParams(engine, `${name}.bakeParams`, min, max, this.displacementDims, box, [0, 0]);
        this._occupancyParams = this._gridParams(engine, `${name}.occupancyParams`, min, max, this.occupancyDims, box, [OccupancyThreshold, 1]);
        this._photoProjectionBuffer = new StorageBuffer(engine, 64, Constants.BUFFER_CREATIONFLAG_WRITE, `${name}.photoProjection`);
        this._photoProjectionBuffer.update(this.photoProjection);

        this._bake = _computePass(`${name}.bake`, engine, BakeDeformationSource(pack, layout), [
            ["nofaWeights", 0, this.weights],
            ["nofaDynamic", 1, this.dynamic],
            ["gridParams", 2, this._bakeParams],
            ["displacementOut", 3, this.displacement, "storage"],
            ["displacementJumpOut", 4, this.displacementJump, "storage"],
        ]);
        this._occupancyPass = _computePass(`${name}.occupancy`, engine, OccupancySource(pack, layout), [
            ["nofaWeights", 0, this.weights],
            ["nofaTriplane", 2, this.triplane],
            ["gridParams", 3, this._occupancyParams],
            ["occupancyOut", 4, this._occupancyRaw],
            ["nofaPhotoColour", 6, this.photoColour],
            ["nofaPhotoDepth", 8, this.photoDepth],
            ["nofaPhotoProjection", 9, this._photoProjectionBuffer],
        ]);
        this._dilatePass = _computePass(`${name}.dilate`, engine, DilateOccupancySource(), [
            ["occupancyIn", 0, this._occupancyRaw],
            ["occupancyOut", 1, this._occupancyCanonical],
            ["gridParams", 2, this._occupancyParams],
        ]);
        this._stretchPass =
            pack.stretchCarve === null
                ? null
                : _computePass(`${name}.stretchCarve`, engine, StretchCarveSource(pack), [
                      ["gridParams", 0, this._bakeParams],
                      ["nofaDisplacement", 2, this.displacement],
                      ["nofaDisplacementJump", 4, this.displacementJump],
                      ["keptOut", 5, this.stretchKept, "storage"],
                  ]);
        this._deformedOccupancyPass = _computePass(`${name}.deformedOccupancy`, engine, DeformedOccupancySource(pack), [
            ["occupancyIn", 0, this._occupancyCanonical],
            ["nofaDisplacement", 2, this.displacement],
            ["gridParams", 3, this._occupancyParams],
            ["occupancyOut", 4, this.occupancy],
            ["nofaDisplacementJump", 6, this.displacementJump],
        ]);
        const d = this.displacementDims.map((n) => Math.ceil(n / 4));
        const o = this.occupancyDims.map((n) => Math.ceil(n / 4));
        this._bakePasses = [[this._bake, d], ...(this._stretchPass ? [[this._stretchPass, d] as [ComputeShader, number[]]] : []), [this._deformedOccupancyPass, o]];
    }

    private _gridParams(engine: WebGPUEngine, label: string, min: number[], max: number[], dims: number[], box: { min: number[]; max: number[] }, extra: number[]): StorageBuffer {
        const data = new ArrayBuffer(96);
        new Float32Array(data, 0, 8).set([...min, 0, ...max, 0]);
        new Uint32Array(data, 32, 4).set([...dims, 0]);
        new Float32Array(data, 48, 12).set([...box.min, 0, ...box.max, 0, ...extra, 0, 0]);
        const buffer = new StorageBuffer(engine, 96, Constants.BUFFER_CREATIONFLAG_WRITE, label);
        buffer.update(new Uint8Array(data));
        return buffer;
    }

    /** Marks the occupied cells of the canonical volume and dilates them by one cell (once per avatar). */
    public async buildOccupancyAsync(): Promise<void> {
        const groups = this.occupancyDims.map((d) => Math.ceil(d / 4));
        await this._occupancyPass.dispatchWhenReady(groups[0], groups[1], groups[2]);
        await this._dilatePass.dispatchWhenReady(groups[0], groups[1], groups[2]);
    }

    /**
     * Uploads new folded biases (α or β changed).
     * @param values `layout.dynamicLength` floats
     */
    public updateDynamic(values: Float32Array): void {
        this.dynamic.update(values);
    }

    /**
     * Bakes the displacement texture from the current biases (and the stretch carve from it), then moves the
     * occupancy grid with it.
     * @returns false when the passes are not compiled yet (nothing was dispatched)
     */
    public bake(): boolean {
        const passes = this._bakePasses;
        if (!passes.every(([pass]) => pass.isReady())) {
            return false;
        }
        return passes.every(([pass, [x, y, z]]) => pass.dispatch(x, y, z));
    }

    /** Bakes (and computes the stretch carve and moves the occupancy grid) once the passes are compiled. */
    public async bakeWhenReadyAsync(): Promise<void> {
        for (const [pass, [x, y, z]] of this._bakePasses) {
            await pass.dispatchWhenReady(x, y, z);
        }
    }

    /** Releases every texture and buffer. */
    public dispose(): void {
        this.triplane.dispose();
        this.colourPlanes.dispose();
        this.photoColour.dispose();
        this.photoDepth.dispose();
        this.displacement.dispose();
        this.displacementJump.dispose();
        this.stretchKept.dispose();
        for (const b of [this.weights, this.dynamic, this.occupancy, this._occupancyRaw, this._occupancyCanonical, this._bakeParams, this._occupancyParams, this._photoProjectionBuffer]) {
            b.dispose();
        }
    }
}
