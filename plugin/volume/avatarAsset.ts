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
    /** Per-avatar photo layer (optional): the photo's colour at the surface it saw, and hair/neck density; photo reconstruction makes it. */
    photoLayer?: IPhotoLayer;
}

/** Colour planes of an avatar: float16 logit offsets, layout [plane][r, g, b][row][column]. */
export interface IColourPlanes {
    /** Plane resolution (independent of the tri-plane's). */
    resolution: number;
    /** Raw float16 bits, 3 × 3 × resolution² values. */
    values: Uint16Array;
}

/**
 * What one photo shows, kept as seen from the photo's own camera (docs/formats.md, "photo layer";
 * the role of NOFA's detail network and its fusion): the photo's colour for the surface it saw, and
 * a slab of density for what the 3DMM lacks (hair, the neck's outline) between a front and a back
 * depth along each pixel's ray. Looked up at canonical points, so it moves with the deformation.
 */
export interface IPhotoLayer {
    /**
     * Row-major 3 × 4 matrix taking a canonical point (cm, homogeneous) to `(u·w, v·w, w)`: `u`, `v`
     * in [0, 1] across the layer (u to the right, v down; row 0 is v = 0), `w` the distance in front
     * of the photo's camera (cm).
     */
    projection: Float32Array;
    /** Width, pixels. */
    width: number;
    /** Height, pixels. */
    height: number;
    /**
     * RGBA8, `[row][column][4]`: the photo's colour (as the decoder's colour: 0–255 for 0–1) and,
     * in alpha, how far the surface colour is trusted (255: the photo's colour replaces the volume's
     * at the first surface; 0: the volume's own colour).
     */
    colour: Uint8Array;
    /**
     * Raw float16 bits, `[row][column][4]`: the first surface's distance `w` (cm) along the pixel's
     * ray, the slab's front and back distances (cm), and the slab's density (1/cm; 0: no slab).
     */
    depth: Uint16Array;
    /**
     * The expression the photo was taken at (optional; 53 weights in `ArkitNames` order, the
     * landmark fit's β). What the photo showed of an open mouth comes with its own light, so the
     * runtime's mouth cavity shading only darkens a mouth opened further than this.
     */
    expression?: Float32Array;
}
