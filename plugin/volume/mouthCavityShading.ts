/** How far jawOpen must exceed the photo's own for the mouth cavity shading to start, and to be full. */
export const MouthCavityJawRange: readonly [number, number] = [0.05, 0.3];

/**
 * How far the raymarcher darkens the inside of an open mouth (shaders/raymarch.wgsl, "mouth cavity
 * shading"): `strength` times a smoothstep over how far `jawOpen` exceeds the jawOpen the avatar's photo
 * was taken at. A photo's own open mouth keeps its colours (they came with the photo's light); what opens
 * further is shaded.
 * @param strength the avatar's `AvatarVolume.mouthCavityShading`, 0–1
 * @param jawOpen the current jawOpen weight
 * @param photoJawOpen the photo's jawOpen (0 without a photo)
 * @returns the shader's `cavityShading`, 0–1
 */
export function MouthCavityShading(strength: number, jawOpen: number, photoJawOpen = 0): number {
    const [from, to] = MouthCavityJawRange;
    const t = Math.min(Math.max((jawOpen - photoJawOpen - from) / (to - from), 0), 1);
    return strength * t * t * (3 - 2 * t);
}
