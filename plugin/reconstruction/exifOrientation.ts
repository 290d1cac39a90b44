import { type IImagePixels } from "./imagePixels";

/**
 * The EXIF orientation of a JPEG (1–8, as cameras write it; 1 when absent or unreadable): how the
 * stored pixels must be turned to show the photo upright.
 * @param bytes the JPEG file
 * @returns the orientation
 */
export function ReadJpegOrientation(bytes: Uint8Array): number {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 2;
    while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
        const marker = bytes[offset + 1];
        const length = dv.getUint16(offset + 2);
        if (marker === 0xda || length < 2) {
            break; // start of scan: no more metadata
        }
        const start = offset + 4;
        const isExif = marker === 0xe1 && start + 14 <= bytes.length && String.fromCharCode(...bytes.subarray(start, start + 4)) === "Exif";
        if (isExif) {
            return _TiffOrientation(dv, start + 6, Math.min(offset + 2 + length, bytes.length));
        }
        offset += 2 + length;
    }
    return 1;
}

function _TiffOrientation(dv: DataView, tiff: number, end: number): number {
    const little = dv.getUint16(tiff) === 0x4949; // "II"
    const u16 = (at: number): number => (at + 2 <= end ? dv.getUint16(at, little) : 0);
    const u32 = (at: number): number => (at + 4 <= end ? dv.getUint32(at, little) : 0);
    const ifd = tiff + u32(tiff + 4);
    const entries = u16(ifd);
    for (let i = 0; i < entries; i++) {
        const entry = ifd + 2 + 12 * i;
        if (u16(entry) === 0x0112) {
            const value = u16(entry + 8);
            return value >= 1 && value <= 8 ? value : 1;
        }
    }
    return 1;
}

/**
 * Turns stored pixels upright for an EXIF orientation (mirrors and quarter turns).
 * @param image the pixels as stored
 * @param orientation EXIF orientation, 1–8
 * @returns the upright pixels (the same object for orientation 1)
 */
export function ApplyOrientation(image: IImagePixels, orientation: number): IImagePixels {
    if (orientation <= 1 || orientation > 8) {
        return image;
    }
    const { width: W, height: H } = image;
    const swap = orientation >= 5;
    const width = swap ? H : W;
    const height = swap ? W : H;
    const data = new Uint8Array(width * height * 4);
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            let sx: number;
            let sy: number;
            switch (orientation) {
                case 2:
                    [sx, sy] = [W - 1 - x, y];
                    break;
                case 3:
                    [sx, sy] = [W - 1 - x, H - 1 - y];
                    break;
                case 4:
                    [sx, sy] = [x, H - 1 - y];
                    break;
                case 5:
                    [sx, sy] = [y, x];
                    break;
                case 6:
                    [sx, sy] = [y, H - 1 - x];
                    break;
                case 7:
                    [sx, sy] = [W - 1 - y, H - 1 - x];
                    break;
                default: // 8
                    [sx, sy] = [W - 1 - y, x];
                    break;
            }
            const s = (sy * W + sx) * 4;
            data.set(image.data.subarray(s, s + 4), (y * width + x) * 4);
        }
    }
    return { width, height, data };
}
