/** Pixel helpers and figures of the evaluation: crops, a polygon mask, PSNR and SSIM inside a mask. */
import { type IImagePixels } from "../../../plugin/reconstruction/imagePixels";
import { type ICrop } from "./fittedCamera";

/** Grey used outside the photo and behind the renders. */
export const NeutralGrey = 128;

/**
 * Resamples a square region of an image to `size × size` (each output pixel averages 4 × 4 bilinear
 * samples of its footprint); outside the image is {@link NeutralGrey}.
 * @param image RGBA pixels
 * @param crop the region, px
 * @param size output side, px
 * @returns RGBA, `size × size`
 */
export function CropResize(image: IImagePixels, crop: ICrop, size: number): Uint8Array {
    const out = new Uint8Array(size * size * 4);
    const scale = crop.side / size;
    const n = 4;
    const sample = (x: number, y: number, k: number): number => {
        if (x < 0 || y < 0 || x > image.width - 1 || y > image.height - 1) {
            return NeutralGrey;
        }
        const x0 = Math.floor(x);
        const y0 = Math.floor(y);
        const x1 = Math.min(x0 + 1, image.width - 1);
        const y1 = Math.min(y0 + 1, image.height - 1);
        const fx = x - x0;
        const fy = y - y0;
        const at = (xx: number, yy: number): number => image.data[4 * (yy * image.width + xx) + k];
        return (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x1, y0)) + fy * ((1 - fx) * at(x0, y1) + fx * at(x1, y1));
    };
    for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
            for (let k = 0; k < 3; k++) {
                let sum = 0;
                for (let sy = 0; sy < n; sy++) {
                    for (let sx = 0; sx < n; sx++) {
                        sum += sample(crop.x + (x + (sx + 0.5) / n) * scale - 0.5, crop.y + (y + (sy + 0.5) / n) * scale - 0.5, k);
                    }
                }
                out[4 * (y * size + x) + k] = Math.round(sum / (n * n));
            }
            out[4 * (y * size + x) + 3] = 255;
        }
    }
    return out;
}

/**
 * Maps photo points into a crop resampled to `size` px.
 * @param points `[x0, y0, …]`, photo px
 * @param crop the crop
 * @param size the crop's side after resampling, px
 * @returns the points in the crop's pixels
 */
export function ToCropPixels(points: ArrayLike<number>, crop: ICrop, size: number): Float32Array {
    const out = new Float32Array(points.length);
    const s = size / crop.side;
    for (let i = 0; i < points.length; i += 2) {
        out[i] = (points[i] - crop.x) * s;
        out[i + 1] = (points[i + 1] - crop.y) * s;
    }
    return out;
}

/**
 * Maps points of a crop resampled to `size` px back into the photo ({@link ToCropPixels}'s inverse).
 * @param points `[x0, y0, …]`, crop px
 * @param crop the crop
 * @param size the crop's side after resampling, px
 * @returns the points in the photo's pixels
 */
export function FromCropPixels(points: ArrayLike<number>, crop: ICrop, size: number): Float32Array {
    const out = new Float32Array(points.length);
    const s = crop.side / size;
    for (let i = 0; i < points.length; i += 2) {
        out[i] = crop.x + points[i] * s;
        out[i + 1] = crop.y + points[i + 1] * s;
    }
    return out;
}

/**
 * The convex hull of 2D points (Andrew's monotone chain).
 * @param points `[x0, y0, …]`
 * @returns the hull's corners, counter-clockwise in a y-up frame
 */
export function ConvexHull(points: ArrayLike<number>): Array<[number, number]> {
    const p: Array<[number, number]> = [];
    for (let i = 0; i < points.length; i += 2) {
        p.push([points[i], points[i + 1]]);
    }
    p.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const cross = (o: [number, number], a: [number, number], b: [number, number]): number => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
    const lower: Array<[number, number]> = [];
    for (const q of p) {
        while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) {
            lower.pop();
        }
        lower.push(q);
    }
    const upper: Array<[number, number]> = [];
    for (const q of [...p].reverse()) {
        while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) {
            upper.pop();
        }
        upper.push(q);
    }
    return lower.slice(0, -1).concat(upper.slice(0, -1));
}

/**
 * A mask of the pixels whose centres lie inside the convex hull of some points.
 * @param points `[x0, y0, …]`, px
 * @param size mask side, px
 * @returns 1 inside, 0 outside, `size × size`
 */
export function HullMask(points: ArrayLike<number>, size: number): Uint8Array {
    const hull = ConvexHull(points);
    const mask = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
            const px = x + 0.5;
            const py = y + 0.5;
            let inside = hull.length >= 3;
            for (let i = 0; i < hull.length && inside; i++) {
                const a = hull[i];
                const b = hull[(i + 1) % hull.length];
                inside = (b[0] - a[0]) * (py - a[1]) - (b[1] - a[1]) * (px - a[0]) >= 0;
            }
            mask[y * size + x] = inside ? 1 : 0;
        }
    }
    return mask;
}

/**
 * PSNR of two RGBA images over the masked pixels (RGB, 8 bits).
 * @param a first image
 * @param b second image
 * @param mask 1 where counted
 * @returns dB
 */
export function MaskedPsnr(a: Uint8Array, b: Uint8Array, mask: Uint8Array): number {
    let se = 0;
    let n = 0;
    for (let i = 0; i < mask.length; i++) {
        if (mask[i]) {
            for (let k = 0; k < 3; k++) {
                se += (a[4 * i + k] - b[4 * i + k]) ** 2;
            }
            n += 3;
        }
    }
    return 10 * Math.log10((255 * 255) / Math.max(se / Math.max(n, 1), 1e-10));
}

/**
 * Luma (BT.601) of RGBA pixels.
 * @param rgba the image
 * @returns one value per pixel, 0–255
 */
function Luma(rgba: Uint8Array): Float64Array {
    const out = new Float64Array(rgba.length / 4);
    for (let i = 0; i < out.length; i++) {
        out[i] = 0.299 * rgba[4 * i] + 0.587 * rgba[4 * i + 1] + 0.114 * rgba[4 * i + 2];
    }
    return out;
}

/**
 * Separable Gaussian blur (11 taps, σ = 1.5, edges clamped).
 * @param v values, `size × size`
 * @param size side
 * @returns the blurred values
 */
function Blur(v: Float64Array, size: number): Float64Array {
    const taps = Array.from({ length: 11 }, (_, i) => Math.exp(-((i - 5) ** 2) / (2 * 1.5 * 1.5)));
    const total = taps.reduce((s, w) => s + w, 0);
    const w = taps.map((t) => t / total);
    const tmp = new Float64Array(v.length);
    const out = new Float64Array(v.length);
    const clamp = (i: number): number => Math.min(size - 1, Math.max(0, i));
    for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
            let s = 0;
            for (let k = 0; k < 11; k++) {
                s += w[k] * v[y * size + clamp(x + k - 5)];
            }
            tmp[y * size + x] = s;
        }
    }
    for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
            let s = 0;
            for (let k = 0; k < 11; k++) {
                s += w[k] * tmp[clamp(y + k - 5) * size + x];
            }
            out[y * size + x] = s;
        }
    }
    return out;
}

/**
 * SSIM (Wang et al. 2004: luma, Gaussian window 11 × 11, σ 1.5, K1 0.01, K2 0.03) averaged over the masked pixels.
 * @param a first image, RGBA `size × size`
 * @param b second image
 * @param mask 1 where counted
 * @param size side, px
 * @returns mean SSIM, −1 to 1
 */
export function MaskedSsim(a: Uint8Array, b: Uint8Array, mask: Uint8Array, size: number): number {
    const x = Luma(a);
    const y = Luma(b);
    const product = (p: Float64Array, q: Float64Array): Float64Array => p.map((v, i) => v * q[i]);
    const mx = Blur(x, size);
    const my = Blur(y, size);
    const sxx = Blur(product(x, x), size);
    const syy = Blur(product(y, y), size);
    const sxy = Blur(product(x, y), size);
    const c1 = (0.01 * 255) ** 2;
    const c2 = (0.03 * 255) ** 2;
    let sum = 0;
    let n = 0;
    for (let i = 0; i < mask.length; i++) {
        if (mask[i]) {
            const vx = sxx[i] - mx[i] * mx[i];
            const vy = syy[i] - my[i] * my[i];
            const cxy = sxy[i] - mx[i] * my[i];
            sum += ((2 * mx[i] * my[i] + c1) * (2 * cxy + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
            n++;
        }
    }
    return sum / Math.max(n, 1);
}
