/**
 * Length of PE(u) for L frequencies: 3 + 6L.
 * @param frequencies L
 * @returns the encoding's length
 */
export function PositionalEncodingSize(frequencies: number): number {
    return 3 + 6 * frequencies;
}

/**
 * PE(u) = [u, sin(2^k π u), cos(2^k π u) for k < L], ordered as in docs/formats.md.
 * @param u normalised point (3 values)
 * @param frequencies L
 * @param out receives 3 + 6L values
 * @param offset where to write in `out`
 */
export function PositionalEncoding(u: ArrayLike<number>, frequencies: number, out: Float32Array, offset = 0): void {
    out[offset] = u[0];
    out[offset + 1] = u[1];
    out[offset + 2] = u[2];
    let freq = Math.PI;
    for (let k = 0; k < frequencies; k++) {
        const base = offset + 3 + 6 * k;
        for (let a = 0; a < 3; a++) {
            out[base + a] = Math.sin(u[a] * freq);
            out[base + 3 + a] = Math.cos(u[a] * freq);
        }
        freq *= 2;
    }
}
