import { type Mlp } from "../network/mlp";
import { type ModelPack } from "../pack/modelPack";
import { EyelidRig } from "./eyelidRig";

/** Where one layer's weights lie in the flat GPU weight buffer (offsets in floats). */
export interface ILayerPlacement {
    /** Offset of W[0, 0]. */
    weightOffset: number;
    /** Offset of the bias. */
    biasOffset: number;
    /** Full input width (row stride). */
    inputs: number;
    /** Output width. */
    outputs: number;
    /** Whether a ReLU follows. */
    relu: boolean;
}

/**
 * The pack's three MLPs flattened into one f32 buffer for the GPU, and the layout of the
 * per-avatar `nofaDynamic` buffer (first-layer biases of the D-Net and W-Net with α and β folded in,
 * then the eyelid rig's block when the pack has one).
 */
export class NetworkLayout {
    /** All weights and biases, f32. */
    public readonly weights: Float32Array;
    /** Decoder layers. */
    public readonly decoder: ILayerPlacement[];
    /** D-Net layers. */
    public readonly deformation: ILayerPlacement[];
    /** W-Net layers. */
    public readonly blend: ILayerPlacement[];
    /** Offset of the D-Net's folded first-layer bias in `nofaDynamic`. */
    public readonly deformationDynamicOffset = 0;
    /** Offset of the W-Net's folded first-layer bias in `nofaDynamic`. */
    public readonly blendDynamicOffset: number;
    /** Offset of the eyelid rig's block in `nofaDynamic` (its length is 0 for a pack without one). */
    public readonly eyelidOffset: number;
    /** Length of `nofaDynamic` in floats. */
    public readonly dynamicLength: number;
    /** Widest vector any kernel holds (features, PE, hidden layers). */
    public readonly maxWidth: number;

    /** @param pack the pack to lay out */
    constructor(pack: ModelPack) {
        const all = [pack.decoder, pack.deformation, pack.blend];
        const total = all.reduce((n, mlp) => n + mlp.layers.reduce((m, l) => m + l.weight.length + l.bias.length, 0), 0);
        this.weights = new Float32Array(total);
        let cursor = 0;
        const place = (mlp: Mlp): ILayerPlacement[] =>
            mlp.layers.map((l) => {
                const weightOffset = cursor;
                this.weights.set(l.weight, cursor);
                cursor += l.weight.length;
                const biasOffset = cursor;
                this.weights.set(l.bias, cursor);
                cursor += l.bias.length;
                return { weightOffset, biasOffset, inputs: l.inputs, outputs: l.outputs, relu: l.relu };
            });
        this.decoder = place(pack.decoder);
        this.deformation = place(pack.deformation);
        this.blend = place(pack.blend);
        this.blendDynamicOffset = pack.deformation.layers[0].outputs;
        this.eyelidOffset = this.blendDynamicOffset + pack.blend.layers[0].outputs;
        this.dynamicLength = this.eyelidOffset + (pack.eyelids ? EyelidRig.BlockLength(pack.eyelids) : 0);
        const hidden = all.flatMap((mlp) => mlp.layers.map((l) => l.outputs));
        this.maxWidth = Math.max(pack.manifest.triplane.channels, pack.positionalEncodingSize, pack.decoder.inputSize, ...hidden);
    }
}
