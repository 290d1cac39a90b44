/** How much shorter (ratio of the horizontal distances from the nose tip to the jaw line's ends) the far side must be for a face to count as turned. */
const _TurnedRatio = 0.75;
/** How far beyond the jaw line (fraction of the inter-ocular distance) a photo point must lie to count as hidden. */
const _Margin = 0.05;

/**
 * The far side of a turned face, beyond its detected outline. On the side that turns away from the
 * camera, the detected jaw line (landmarks 0–8 or 8–16, then up past the temple) is the real head's
 * silhouette: what the photo shows beyond it lies behind the cheek (background, hair, a shoulder).
 * The fitted 3DMM, a little wider or turned a little less, may overhang that line; the photo's
 * colour there is not the mesh's, so the projection and the photo layer take none from it (the
 * mirror side and the nearest colours fill it in).
 */
export class FarSideOutline {
    private constructor(
        /** The outline's knots, photo px, sorted by y (top first). */
        private readonly _knots: Array<[number, number]>,
        /** +1: the far side is towards +x in the photo; −1: towards −x. */
        private readonly _side: 1 | -1,
        /** Photo px beyond the outline before a point counts as hidden. */
        private readonly _margin: number
    ) {}

    /**
     * The far side's outline of a face, or null when the face looks about straight at the camera
     * (both sides of the jaw line are then silhouettes, and the fit's overhang is small).
     * @param landmarks the detected 68 landmarks (Multi-PIE order), photo px, `[x0, y0, x1, y1, …]`
     * @returns the outline, or null for a frontal face
     */
    public static FromLandmarks(landmarks: ArrayLike<number>): FarSideOutline | null {
        const x = (i: number): number => landmarks[2 * i];
        const y = (i: number): number => landmarks[2 * i + 1];
        const toStart = Math.abs(x(30) - x(0));
        const toEnd = Math.abs(x(16) - x(30));
        if (Math.min(toStart, toEnd) > _TurnedRatio * Math.max(toStart, toEnd)) {
            return null;
        }
        // Landmark 0 starts the jaw line on the subject's right; the far side is the shorter one.
        const [jaw, browEnd] = toStart < toEnd ? [[8, 7, 6, 5, 4, 3, 2, 1, 0], 17] : [[8, 9, 10, 11, 12, 13, 14, 15, 16], 26];
        const side = Math.sign(x(jaw[jaw.length - 1]) - x(30)) >= 0 ? 1 : -1;
        const knots: Array<[number, number]> = jaw.map((i) => [x(i), y(i)]);
        // Past the temple, the outline rises from the jaw line's end, as far out as the brow's end reaches.
        const top = jaw[jaw.length - 1];
        const outer = side * x(browEnd) > side * x(top) ? x(browEnd) : x(top);
        knots.push([outer, Math.min(y(browEnd), y(top))]);
        knots.sort((a, b) => a[1] - b[1]);
        const iod = Math.hypot(x(36) - x(45), y(36) - y(45));
        return new FarSideOutline(knots, side, _Margin * iod);
    }

    /**
     * Whether the photo, at this point, shows what lies behind the far cheek rather than the head.
     * @param px photo column, px
     * @param py photo row, px
     * @returns true beyond the far side's outline (by the margin), above the chin
     */
    public hides(px: number, py: number): boolean {
        const k = this._knots;
        if (py > k[k.length - 1][1]) {
            return false;
        }
        let edge = k[0][0];
        for (let i = 1; i < k.length; i++) {
            if (py <= k[i][1]) {
                const [x0, y0] = k[i - 1];
                const [x1, y1] = k[i];
                edge = py <= y0 ? x0 : x0 + ((x1 - x0) * (py - y0)) / Math.max(y1 - y0, 1e-6);
                break;
            }
        }
        return this._side * (px - edge) > this._margin;
    }
}
