/**
 * One person's volume, as an avatar `.glb` carries it (docs/formats.md): identity α and the
 * canonical tri-plane (float16, layout [plane][channel][row][column]).
 */
export interface IAvatarAsset {
    /** Id of the model pack the volume was made for. */
    packId: string;
    /** Version of that pack. */
    packVersion: string;
    /** Where to find the pack, relative to the avatar file, when it is not registered already. */
    packUri?: string;
    /** Identity coefficients (pack's `alphaDims` values). */
    alpha: Float32Array;
    /** Tri-plane, raw float16 bits, 3 × channels × resolution² values. */
    triplane: Uint16Array;
    /** Feature channels C. */
    channels: number;
    /** Plane resolution R. */
    resolution: number;
    /**
     * Per-avatar colour (optional): three planes of logit offsets added to the decoder's r, g, b
     * (xy, xz, yz, summed like the tri-plane); photo reconstruction fits them.
     */
    colourPlanes?: IColourPlanes;
}

/** Colour planes of an avatar: float16 logit offsets, layout [plane][r, g, b][row][column]. */
export interface IColourPlanes {
    /** Plane resolution (independent of the tri-plane's). */
    resolution: number;
    /** Raw float16 bits, 3 × 3 × resolution² values. */
    values: Uint16Array;
}
