import nofaCommon from "../../shaders/nofaCommon.wgsl";
import mlp from "../../shaders/mlp.wgsl";
import positionalEncoding from "../../shaders/positionalEncoding.wgsl";
import triplane from "../../shaders/triplane.wgsl";
import deformation from "../../shaders/deformation.wgsl";
import displacementJoin from "../../shaders/displacementJoin.wgsl";
import bakedDisplacement from "../../shaders/bakedDisplacement.wgsl";
import raymarch from "../../shaders/raymarch.wgsl";
import colourPlanes from "../../shaders/colourPlanes.wgsl";
import photoLayer from "../../shaders/photoLayer.wgsl";
import gridParams from "../../shaders/gridParams.wgsl";
import bakeDeformation from "../../shaders/bakeDeformation.wgsl";
import occupancy from "../../shaders/occupancy.wgsl";
import dilateOccupancy from "../../shaders/dilateOccupancy.wgsl";
import deformedOccupancy from "../../shaders/deformedOccupancy.wgsl";
import stretchCarve from "../../shaders/stretchCarve.wgsl";
import eyelids from "../../shaders/eyelids.wgsl";
import { type ModelPack } from "../pack/modelPack";
import { ColourPlaneXyFade } from "./colourPlaneFade";
import { type ILayerPlacement, type NetworkLayout } from "./networkLayout";

/** WGSL of one network: layers ping-pong between two vectors; the first may take its bias from `nofaDynamic`. */
function _networkFunction(name: string, layers: ILayerPlacement[], returnType: "f32" | "vec4<f32>" | "NofaVector", firstLayer?: { dynamicOffset: number; usedInputs: number }): string {
    const lines = [`fn ${name}(x: ptr<function, NofaVector>) -> ${returnType} {`, "    var a: NofaVector;", "    var b: NofaVector;"];
    let src = "x";
    layers.forEach((l, i) => {
        const dst = i % 2 === 0 ? "&a" : "&b";
        if (i === 0 && firstLayer) {
            lines.push(`    nofaMlpDynamicBias(${dst}, ${firstLayer.dynamicOffset}u, ${l.outputs}u);`);
            lines.push(`    nofaMlpAccumulate(${src}, ${dst}, ${l.weightOffset}u, ${l.inputs}u, ${firstLayer.usedInputs}u, ${l.outputs}u);`);
        } else {
            lines.push(`    nofaMlpBias(${dst}, ${l.biasOffset}u, ${l.outputs}u);`);
            lines.push(`    nofaMlpAccumulate(${src}, ${dst}, ${l.weightOffset}u, ${l.inputs}u, ${l.inputs}u, ${l.outputs}u);`);
        }
        if (l.relu) {
            lines.push(`    nofaMlpRelu(${dst}, ${l.outputs}u);`);
        }
        src = dst;
    });
    const out = layers.length % 2 === 1 ? "a" : "b";
    const ret = returnType === "f32" ? `${out}[0]` : returnType === "NofaVector" ? out : `vec4<f32>(${out}[0], ${out}[1], ${out}[2], ${out}[3])`;
    lines.push(`    return ${ret};`, "}");
    return lines.join("\n");
}

/**
 * What every kernel of a pack starts with: constants and the MLP, encoding and maths helpers.
 * @param pack the pack
 * @param layout its GPU layout
 * @returns WGSL source
 */
export function NetworkBase(pack: ModelPack, layout: NetworkLayout): string {
    return [
        `const NOFA_MLP_WIDTH: u32 = ${layout.maxWidth}u;`,
        `const NOFA_CHANNELS: u32 = ${pack.manifest.triplane.channels}u;`,
        `const NOFA_PE_FREQUENCIES: u32 = ${pack.manifest.positionalEncoding.frequencies}u;`,
        mlp,
        positionalEncoding,
        nofaCommon,
    ].join("\n");
}

/**
 * WGSL of the decoder with its weight offsets, and the tri-plane lookup it reads.
 * @param layout the pack's GPU layout
 * @returns WGSL source
 */
export function DecoderSource(layout: NetworkLayout): string {
    return [_networkFunction("nofaDecoderNet", layout.decoder, "vec4<f32>"), triplane].join("\n");
}

/**
 * Whether the pack's D-Net has a jump, and its sharpness, and whether it has a stretch carve, and its
 * thresholds, as WGSL constants, with the join of the field's parts.
 */
function _displacementJoin(pack: ModelPack): string {
    const k = pack.deformationJumpSharpness;
    const carve = pack.stretchCarve;
    return [
        `const NOFA_DEFORMATION_JUMP: bool = ${k !== null};`,
        `const NOFA_JUMP_SHARPNESS: f32 = ${(k ?? 0).toFixed(6)};`,
        `const NOFA_STRETCH_CARVE: bool = ${carve !== null};`,
        `const NOFA_STRETCH_FROM: f32 = ${(carve?.from ?? 0).toFixed(6)};`,
        `const NOFA_STRETCH_TO: f32 = ${(carve?.to ?? 1).toFixed(6)};`,
        displacementJoin,
    ].join("\n");
}

/**
 * WGSL of the D-Net and W-Net with the folded first-layer biases, plus the backward deformation.
 * @param pack the pack
 * @param layout its GPU layout
 * @returns WGSL source
 */
export function DeformationSource(pack: ModelPack, layout: NetworkLayout): string {
    const pe = pack.positionalEncodingSize;
    return [
        _displacementJoin(pack),
        _networkFunction("nofaDeformationNet", layout.deformation, "NofaVector", { dynamicOffset: layout.deformationDynamicOffset, usedInputs: pe }),
        _networkFunction("nofaBlendNet", layout.blend, "f32", { dynamicOffset: layout.blendDynamicOffset, usedInputs: pe }),
        deformation,
    ].join("\n");
}

/** WGSL of the colour planes' lookup (`nofaColourOffset`) with the xy plane's fade; the texture and sampler are the includer's. */
export function ColourPlanesSource(): string {
    return [`const NOFA_COLOUR_XY_FROM: f32 = ${ColourPlaneXyFade.from.toFixed(6)};`, `const NOFA_COLOUR_XY_TO: f32 = ${ColourPlaneXyFade.to.toFixed(6)};`, colourPlanes].join("\n");
}

/** WGSL of the photo layer's lookup (`nofaPhotoSample`; the textures and samplers are the includer's). */
export function PhotoLayerSource(): string {
    return photoLayer;
}

/**
 * WGSL of the eyelid rig's backward map (`nofaEyelidBackward`) with the pack's constants; it reads its block of
 * `nofaDynamic` (the includer's global). A pack without a rig gets a map that returns its point.
 * @param pack the pack
 * @param layout its GPU layout (where the block starts)
 * @returns WGSL source
 */
export function EyelidSource(pack: ModelPack, layout: NetworkLayout): string {
    const rig = pack.eyelids;
    const radians = (degrees: number): string => ((degrees * Math.PI) / 180).toFixed(7);
    return [
        `const NOFA_EYELIDS: bool = ${rig !== null};`,
        `const NOFA_EYELID_OFFSET: u32 = ${layout.eyelidOffset}u;`,
        `const NOFA_EYELID_POINTS: u32 = ${rig?.marginPoints ?? 2}u;`,
        `const NOFA_EYELID_INSET: f32 = ${radians(rig?.insetDegrees ?? 0)};`,
        `const NOFA_EYELID_PLATEAU: f32 = ${radians(rig?.plateauDegrees ?? 0)};`,
        `const NOFA_EYELID_SPAN: f32 = ${radians(rig?.spanDegrees ?? 1)};`,
        `const NOFA_EYELID_SHELL: vec2<f32> = vec2<f32>(${(rig?.shell[0] ?? 0).toFixed(6)}, ${(rig?.shell[1] ?? 1).toFixed(6)});`,
        `const NOFA_EYELID_TAPER: f32 = ${(rig?.taper ?? 1).toFixed(6)};`,
        eyelids,
    ].join("\n");
}

/** Functions the material's fragment shader includes: everything up to `nofaRaymarch`. */
export function RaymarchFunctions(pack: ModelPack, layout: NetworkLayout): string {
    return [NetworkBase(pack, layout), DecoderSource(layout), ColourPlanesSource(), photoLayer, DeformationSource(pack, layout), bakedDisplacement, EyelidSource(pack, layout), raymarch].join("\n");
}

/** Full source of the compute pass that bakes the displacement texture. */
export function BakeDeformationSource(pack: ModelPack, layout: NetworkLayout): string {
    return [NetworkBase(pack, layout), DeformationSource(pack, layout), gridParams, bakeDeformation].join("\n");
}

/** Full source of the compute pass that marks occupied cells (the decoder's density or the photo layer's slab). */
export function OccupancySource(pack: ModelPack, layout: NetworkLayout): string {
    return [NetworkBase(pack, layout), DecoderSource(layout), photoLayer, gridParams, occupancy].join("\n");
}

/** Full source of the compute pass that dilates the occupancy grid. */
export function DilateOccupancySource(): string {
    return [gridParams, dilateOccupancy].join("\n");
}

/**
 * Full source of the compute pass that moves the occupancy grid with the baked deformation.
 * @param pack the pack (whether its D-Net has a jump)
 * @returns WGSL source
 */
export function DeformedOccupancySource(pack: ModelPack): string {
    return [_displacementJoin(pack), bakedDisplacement, gridParams, deformedOccupancy].join("\n");
}

/**
 * Full source of the compute pass that computes the stretch carve's share of density kept from the baked field.
 * @param pack the pack (its jump and its stretch carve's thresholds)
 * @returns WGSL source
 */
export function StretchCarveSource(pack: ModelPack): string {
    return [_displacementJoin(pack), bakedDisplacement, gridParams, stretchCarve].join("\n");
}
