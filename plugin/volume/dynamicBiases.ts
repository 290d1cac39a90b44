import { type ModelPack } from "../pack/modelPack";
import { type NetworkLayout } from "./networkLayout";

/**
 * Fills the per-avatar `nofaDynamic` buffer: the first-layer biases of the D-Net and W-Net with
 * the α and β columns folded in, so the GPU multiplies only the positional-encoding columns.
 * Allocation-free: call it whenever α or β change.
 * @param pack the pack
 * @param layout its GPU layout
 * @param alpha identity (pack's alphaDims values)
 * @param beta expression (53 values)
 * @param scratch `alphaDims + 53` floats of scratch
 * @param out `layout.dynamicLength` floats
 */
export function FoldDynamicBiases(pack: ModelPack, layout: NetworkLayout, alpha: Float32Array, beta: Float32Array, scratch: Float32Array, out: Float32Array): void {
    const pe = pack.positionalEncodingSize;
    scratch.set(alpha, 0);
    scratch.set(beta, alpha.length);
    pack.deformation.foldTrailingInputs(pe, scratch, out, layout.deformationDynamicOffset);
    pack.blend.foldTrailingInputs(pe, alpha, out, layout.blendDynamicOffset);
}
