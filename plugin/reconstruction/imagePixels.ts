import { decode as DecodeJpeg } from "jpeg-js";
import { ApplyOrientation, ReadJpegOrientation } from "./exifOrientation";
import { ReconstructionError } from "./reconstructionError";

/** Decoded pixels, row-major RGBA, 8 bits per channel: the shape of the DOM's `ImageData`, so one can be passed as is. */
export interface IImagePixels {
    /** Width, px. */
    width: number;
    /** Height, px. */
    height: number;
    /** `width × height × 4` bytes, RGBA. */
    data: Uint8Array | Uint8ClampedArray;
}

/** Images beyond this many megapixels are refused (a guard against decompression bombs). */
const _MaxMegapixels = 64;

/**
 * Decodes a photo's bytes, upright (a JPEG's EXIF orientation is applied). JPEG is decoded in
 * JavaScript (`jpeg-js`) everywhere, so Node and the browser give the same pixels; other formats
 * (PNG, WebP…) use the browser's decoder (`createImageBitmap`, which applies EXIF orientation
 * itself); in Node, PNG is decoded with `pngjs`.
 * @param bytes the file's bytes
 * @returns the pixels
 * @throws ReconstructionError `BAD_IMAGE` for bytes that are not a decodable image, `UNSUPPORTED_FORMAT` for a format no decoder here reads (WebP, GIF, BMP in Node)
 */
export async function DecodeImageAsync(bytes: ArrayBuffer | Uint8Array): Promise<IImagePixels> {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
    if (u8.length >= 3 && u8[0] === 0xff && u8[1] === 0xd8 && u8[2] === 0xff) {
        try {
            const image = DecodeJpeg(u8, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: _MaxMegapixels });
            return ApplyOrientation({ width: image.width, height: image.height, data: image.data }, ReadJpegOrientation(u8));
        } catch (e) {
            throw new ReconstructionError("BAD_IMAGE", `cannot decode the JPEG: ${(e as Error).message}`);
        }
    }
    if (!_SniffImageFormat(u8)) {
        throw new ReconstructionError("BAD_IMAGE", "the bytes are not a JPEG, PNG, GIF, WebP or BMP image");
    }
    if (typeof createImageBitmap === "undefined" || typeof OffscreenCanvas === "undefined") {
        if (u8[0] === 0x89 && typeof process !== "undefined" && process.versions?.node) {
            return _DecodePngInNodeAsync(u8);
        }
        throw new ReconstructionError("UNSUPPORTED_FORMAT", "only JPEG and (in Node) PNG can be decoded here (no createImageBitmap); pass decoded pixels instead");
    }
    let bitmap: ImageBitmap;
    try {
        bitmap = await createImageBitmap(new Blob([u8 as Uint8Array<ArrayBuffer>]));
    } catch (e) {
        throw new ReconstructionError("BAD_IMAGE", `cannot decode the image: ${(e as Error).message}`);
    }
    if (bitmap.width * bitmap.height > _MaxMegapixels * 1e6) {
        bitmap.close();
        throw new ReconstructionError("BAD_IMAGE", `the image is larger than ${_MaxMegapixels} megapixels`);
    }
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext("2d");
    if (!context) {
        bitmap.close();
        throw new ReconstructionError("UNSUPPORTED_FORMAT", "no 2D canvas context to read the decoded pixels");
    }
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
    const imageData = context.getImageData(0, 0, canvas.width, canvas.height);
    return { width: imageData.width, height: imageData.height, data: imageData.data };
}

/** PNG in Node, where there is no `createImageBitmap`: `pngjs` (MIT), loaded only there. */
async function _DecodePngInNodeAsync(u8: Uint8Array): Promise<IImagePixels> {
    const { PNG } = (await import(/* webpackIgnore: true */ "pngjs")) as typeof import("pngjs");
    let png: { width: number; height: number; data: Uint8Array };
    try {
        png = PNG.sync.read(Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength));
    } catch (e) {
        throw new ReconstructionError("BAD_IMAGE", `cannot decode the PNG: ${(e as Error).message}`);
    }
    if (png.width * png.height > _MaxMegapixels * 1e6) {
        throw new ReconstructionError("BAD_IMAGE", `the image is larger than ${_MaxMegapixels} megapixels`);
    }
    return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/** Whether the bytes start with the signature of PNG, GIF, WebP or BMP. */
function _SniffImageFormat(u8: Uint8Array): boolean {
    const starts = (...sig: number[]): boolean => sig.every((v, i) => u8[i] === v);
    return (
        starts(0x89, 0x50, 0x4e, 0x47) || // PNG
        starts(0x47, 0x49, 0x46, 0x38) || // GIF8
        (starts(0x52, 0x49, 0x46, 0x46) && u8[8] === 0x57 && u8[9] === 0x45 && u8[10] === 0x42 && u8[11] === 0x50) || // RIFF….WEBP
        starts(0x42, 0x4d) // BM
    );
}

/**
 * RGB bytes of an image, shrunk by an integer box filter so that its longer side is at most
 * `maxSide` (detection needs no more; the landmarks are scaled back by `scale`).
 * @param image RGBA pixels
 * @param maxSide longest side wanted, px
 * @returns RGB bytes (`height × width × 3`), the new size, and `scale` = new / original size
 */
export function ToRgbForDetection(image: IImagePixels, maxSide: number): { rgb: Uint8Array; width: number; height: number; scale: number } {
    const factor = Math.max(1, Math.ceil(Math.max(image.width, image.height) / maxSide));
    const width = Math.floor(image.width / factor);
    const height = Math.floor(image.height / factor);
    const rgb = new Uint8Array(width * height * 3);
    const area = factor * factor;
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            let r = 0;
            let g = 0;
            let b = 0;
            for (let dy = 0; dy < factor; dy++) {
                let o = ((y * factor + dy) * image.width + x * factor) * 4;
                for (let dx = 0; dx < factor; dx++, o += 4) {
                    r += image.data[o];
                    g += image.data[o + 1];
                    b += image.data[o + 2];
                }
            }
            const p = (y * width + x) * 3;
            rgb[p] = Math.round(r / area);
            rgb[p + 1] = Math.round(g / area);
            rgb[p + 2] = Math.round(b / area);
        }
    }
    return { rgb, width, height, scale: 1 / factor };
}
