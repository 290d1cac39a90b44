import { UprightCrop } from "../../plugin/reconstruction/uprightCrop";

/**
 * A grey RGB image with one white pixel.
 * @returns the pixels
 */
function OneWhitePixel(width: number, height: number, x: number, y: number): { rgb: Uint8Array; width: number; height: number } {
    const rgb = new Uint8Array(width * height * 3).fill(50);
    rgb.fill(255, (y * width + x) * 3, (y * width + x + 1) * 3);
    return { rgb, width, height };
}

/**
 * Where the brightest pixel of a window lies.
 * @returns `[u, v]`
 */
function Brightest(crop: UprightCrop): [number, number] {
    let best = 0;
    for (let i = 1; i < crop.size * crop.size; i++) {
        if (crop.rgb[3 * i] > crop.rgb[3 * best]) {
            best = i;
        }
    }
    return [best % crop.size, Math.floor(best / crop.size)];
}

describe("UprightCrop (a turned window of RGB pixels)", () => {
    // The white pixel 3 px right of the centre pixel (10, 10) of a 21 × 21 image.
    const source = OneWhitePixel(21, 21, 13, 10);

    it("copies the pixels unturned at one pixel per pixel, grey outside the source", () => {
        const crop = new UprightCrop(source, 10.5, 10.5, 0, 11, 11, 128);
        expect(Brightest(crop)).toEqual([8, 5]);
        expect(crop.rgb[3 * (5 * 11 + 8)]).toBe(255);
        const beyond = new UprightCrop(source, 0, 0, 0, 4, 4, 128);
        expect(beyond.rgb[0]).toBe(128);
    });

    it("turns the content anticlockwise on screen by its angle, and maps window points back to the source", () => {
        // The window's x axis runs along the source's +y (down): what lies right of the centre shows above it.
        const crop = new UprightCrop(source, 10.5, 10.5, Math.PI / 2, 11, 11);
        expect(Brightest(crop)).toEqual([5, 2]);
        const [x, y] = crop.toSource(5.5, 2.5);
        expect(x).toBeCloseTo(13.5, 6);
        expect(y).toBeCloseTo(10.5, 6);
        // Scaled: a window twice the source's size per pixel.
        const zoomed = new UprightCrop(source, 10.5, 10.5, 0, 11, 22);
        const [zx, zy] = zoomed.toSource(11, 11);
        expect([zx, zy]).toEqual([10.5, 10.5]);
        expect(zoomed.toSource(17, 11)[0]).toBeCloseTo(13.5, 6);
    });
});
