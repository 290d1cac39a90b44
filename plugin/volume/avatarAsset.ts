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
}
