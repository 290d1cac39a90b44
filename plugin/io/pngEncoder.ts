let _crcTable: Uint32Array | null = null;

function _Crc32(bytes: Uint8Array): number {
    if (!_crcTable) {
        _crcTable = new Uint32Array(256);
        for (let n = 0; n < 256; n++) {
            let c = n;
            for (let k = 0; k < 8; k++) {
                c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
            }
            _crcTable[n] = c >>> 0;
        }
    }
    let crc = 0xffffffff;
    for (let i = 0; i < bytes.length; i++) {
        crc = _crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
    }
    return (crc ^ 0xffffffff) >>> 0;
}

function _Chunk(type: string, data: Uint8Array): Uint8Array {
    const out = new Uint8Array(12 + data.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, data.length);
    for (let i = 0; i < 4; i++) {
        out[4 + i] = type.charCodeAt(i);
    }
    out.set(data, 8);
    dv.setUint32(8 + data.length, _Crc32(out.subarray(4, 8 + data.length)));
    return out;
}

/**
 * Encodes 8-bit RGB pixels as a PNG (zlib through the platform's `CompressionStream`, which
 * browsers and Node ≥ 18 have).
 * @param width width, px
 * @param height height, px
 * @param rgb `height × width × 3` bytes, row 0 at the top
 * @returns the PNG file's bytes
 */
export async function EncodePngAsync(width: number, height: number, rgb: Uint8Array): Promise<Uint8Array> {
    // Each row: filter type 0 (none), then the row's bytes.
    const raw = new Uint8Array(height * (1 + 3 * width));
    for (let y = 0; y < height; y++) {
        raw.set(rgb.subarray(3 * width * y, 3 * width * (y + 1)), y * (1 + 3 * width) + 1);
    }
    const zlib = new Uint8Array(await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer());
    const header = new Uint8Array(13);
    const dv = new DataView(header.buffer);
    dv.setUint32(0, width);
    dv.setUint32(4, height);
    header.set([8, 2, 0, 0, 0], 8); // 8 bits, RGB, deflate, adaptive filtering, no interlace
    const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), _Chunk("IHDR", header), _Chunk("IDAT", zlib), _Chunk("IEND", new Uint8Array(0))];
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
        out.set(p, offset);
        offset += p.length;
    }
    return out;
}
