/**
 * Where the colour planes' xy plane stops colouring, towards the back of the head (docs/formats.md,
 * "colour planes"). The xy plane is shared by every point of the same x and y: the face and the back
 * of the head alike. Faded out behind the cheeks, it colours the face alone; the back of the head takes
 * its colour from the xz and yz planes, which tell the two apart by depth.
 * In the canonical box's normalised z (−1 at its back, 1 at its front).
 */
export const ColourPlaneXyFade = { from: -0.3, to: 0.15 } as const;

/**
 * The xy colour plane's weight at a normalised depth: a smoothstep from 0 at `ColourPlaneXyFade.from`
 * to 1 at `ColourPlaneXyFade.to`, as `shaders/colourPlanes.wgsl` computes it.
 * @param z normalised z, −1 to 1
 * @returns 0 to 1
 */
export function ColourPlaneXyWeight(z: number): number {
    const t = Math.min(Math.max((z - ColourPlaneXyFade.from) / (ColourPlaneXyFade.to - ColourPlaneXyFade.from), 0), 1);
    return t * t * (3 - 2 * t);
}
