/**
 * A square window of RGB pixels, turned about its centre and resampled: the detector's view of a
 * tilted face set upright (see `FaceLandmarkDetector`), and the way back to the source's pixels.
 */
export class UprightCrop {
    /** The window's RGB pixels, `size × size × 3`. */
    public readonly rgb: Uint8Array;

    private readonly _cos: number;
    private readonly _sin: number;

    /**
     * Samples the window (bilinear; outside the source: `fill` grey).
     * @param source RGB pixels
     * @param source.rgb the pixels, row by row
     * @param source.width width, px
     * @param source.height height, px
     * @param centreX the window's centre in the source, px
     * @param centreY the window's centre in the source, px
     * @param angle how far the source's content is turned clockwise (y down), radians: the window turns with it, so it comes out upright
     * @param side the window's side in the source, px
     * @param size the window's side in the result, px
     * @param fill grey outside the source
     */
    public constructor(
        source: { rgb: Uint8Array; width: number; height: number },
        public readonly centreX: number,
        public readonly centreY: number,
        public readonly angle: number,
        public readonly side: number,
        public readonly size: number,
        fill = 128
    ) {
        this._cos = Math.cos(angle);
        this._sin = Math.sin(angle);
        const { rgb, width, height } = source;
        const out = new Uint8Array(size * size * 3).fill(fill);
        const texel = (x: number, y: number, c: number): number => (x >= 0 && y >= 0 && x < width && y < height ? rgb[(y * width + x) * 3 + c] : fill);
        // The way back is affine: each row starts at its first pixel's source point and steps alike.
        const scale = side / size;
        const stepX = this._cos * scale;
        const stepY = this._sin * scale;
        for (let v = 0; v < size; v++) {
            const [rowX, rowY] = this.toSource(0.5, v + 0.5);
            for (let u = 0; u < size; u++) {
                const x = rowX + u * stepX;
                const y = rowY + u * stepY;
                const x0 = Math.floor(x - 0.5);
                const y0 = Math.floor(y - 0.5);
                if (x0 < -1 || y0 < -1 || x0 >= width || y0 >= height) {
                    continue;
                }
                const fx = x - 0.5 - x0;
                const fy = y - 0.5 - y0;
                for (let c = 0; c < 3; c++) {
                    const top = texel(x0, y0, c) * (1 - fx) + texel(x0 + 1, y0, c) * fx;
                    const bottom = texel(x0, y0 + 1, c) * (1 - fx) + texel(x0 + 1, y0 + 1, c) * fx;
                    out[(v * size + u) * 3 + c] = Math.round(top * (1 - fy) + bottom * fy);
                }
            }
        }
        this.rgb = out;
    }

    /**
     * Where a point of the window lies in the source.
     * @param u the point's x in the window, px
     * @param v the point's y in the window, px
     * @returns `[x, y]` in the source, px
     */
    public toSource(u: number, v: number): [number, number] {
        const scale = this.side / this.size;
        const du = (u - this.size / 2) * scale;
        const dv = (v - this.size / 2) * scale;
        return [this.centreX + this._cos * du - this._sin * dv, this.centreY + this._sin * du + this._cos * dv];
    }
}
