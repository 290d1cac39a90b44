/**
 * Reorders a tri-plane from its file layout [plane][channel][row][column] into the texels of an
 * rgba16float 2D-array texture: layer `p·C/4 + ⌊c/4⌋`, component `c mod 4` (docs/formats.md).
 * @param triplane float16 bits, 3 × C × R × R
 * @param channels C (multiple of 4)
 * @param resolution R
 * @returns float16 bits, (3·C/4) layers × R × R × 4
 */
export function TriplaneToTextureLayers(triplane: Uint16Array, channels: number, resolution: number): Uint16Array {
    const out = new Uint16Array(triplane.length);
    const plane = resolution * resolution;
    for (let p = 0; p < 3; p++) {
        for (let c = 0; c < channels; c++) {
            const src = (p * channels + c) * plane;
            const layer = p * (channels / 4) + (c >> 2);
            const dst = layer * plane * 4 + (c & 3);
            for (let i = 0; i < plane; i++) {
                out[dst + 4 * i] = triplane[src + i];
            }
        }
    }
    return out;
}

/**
 * Reorders colour planes ([plane][r, g, b][row][column], float16) into the texels of a 3-layer
 * rgba16float 2D-array texture (layer = plane, alpha unused).
 * @param values float16 bits, 3 × 3 × R × R
 * @param resolution R
 * @returns float16 bits, 3 layers × R × R × 4
 */
export function ColourPlanesToTextureLayers(values: Uint16Array, resolution: number): Uint16Array {
    const plane = resolution * resolution;
    const out = new Uint16Array(3 * plane * 4);
    for (let p = 0; p < 3; p++) {
        for (let c = 0; c < 3; c++) {
            const src = (p * 3 + c) * plane;
            for (let i = 0; i < plane; i++) {
                out[(p * plane + i) * 4 + c] = values[src + i];
            }
        }
    }
    return out;
}

/**
 * The photo layer's projection as the shaders' `mat4x4<f32>` reads it (shaders/photoLayer.wgsl):
 * the 4 × 4 matrix whose rows 0..2 are the row-major 3 × 4 `projection` and whose row 3 is
 * (0, 0, 0, 1), written column by column (WGSL matrices are column-major).
 * @param projection row-major 3 × 4 (12 values); absent: zeros (no layer)
 * @returns 16 floats, column-major
 */
export function PhotoProjectionColumnMajor(projection?: Float32Array): Float32Array {
    const out = new Float32Array(16);
    if (!projection) {
        return out;
    }
    for (let row = 0; row < 3; row++) {
        for (let col = 0; col < 4; col++) {
            out[col * 4 + row] = projection[row * 4 + col];
        }
    }
    out[15] = 1;
    return out;
}
