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
 * the 4 × 4 matrix whose rows 0..2 are the row-major 3 × 4 `projection` and whose row 3 is the
 * photo camera's centre (canonical cm, where the projection's w-row and image rows vanish) and 1,
 * written column by column (WGSL matrices are column-major).
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
    PhotoCameraCentre(projection).forEach((c, col) => (out[col * 4 + 3] = c));
    out[15] = 1;
    return out;
}

/**
 * The centre of a projective camera: the point C with `M·C + p = 0` (M the left 3 × 3 of the
 * row-major 3 × 4 `projection`, p its last column); zeros when M is singular.
 * @param projection row-major 3 × 4
 * @returns the centre
 */
export function PhotoCameraCentre(projection: ArrayLike<number>): [number, number, number] {
    const m = (r: number, c: number): number => projection[4 * r + c];
    const b = [0, 1, 2].map((r) => -projection[4 * r + 3]);
    const det = (c0: number[], c1: number[], c2: number[]): number => c0[0] * (c1[1] * c2[2] - c1[2] * c2[1]) - c1[0] * (c0[1] * c2[2] - c0[2] * c2[1]) + c2[0] * (c0[1] * c1[2] - c0[2] * c1[1]);
    const columns = [0, 1, 2].map((c) => [0, 1, 2].map((r) => m(r, c)));
    const d = det(columns[0], columns[1], columns[2]);
    if (Math.abs(d) < 1e-20) {
        return [0, 0, 0];
    }
    // Cramer's rule.
    return [0, 1, 2].map((k) => det(...(columns.map((col, c) => (c === k ? b : col)) as [number[], number[], number[]])) / d) as [number, number, number];
}
