const _scratch = new DataView(new ArrayBuffer(4));

/**
 * Decodes one IEEE 754 half-precision value.
 * @param h the 16 raw bits
 * @returns the value as a number
 */
export function HalfToFloat(h: number): number {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) {
        return sign * mantissa * 2 ** -24;
    }
    if (exponent === 31) {
        return mantissa ? NaN : sign * Infinity;
    }
    return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Encodes a number as IEEE 754 half precision (round to nearest even).
 * @param value the value
 * @returns the 16 raw bits
 */
export function FloatToHalf(value: number): number {
    _scratch.setFloat32(0, value);
    const x = _scratch.getUint32(0);
    const sign = (x >>> 16) & 0x8000;
    const exponent = (x >>> 23) & 0xff;
    let mantissa = x & 0x7fffff;
    if (exponent === 0xff) {
        return sign | 0x7c00 | (mantissa ? 0x200 : 0);
    }
    const e = exponent - 127 + 15;
    if (e >= 31) {
        return sign | 0x7c00;
    }
    if (e <= 0) {
        if (e < -10) {
            return sign;
        }
        mantissa |= 0x800000;
        const shift = 14 - e;
        let half = mantissa >> shift;
        const rest = mantissa & ((1 << shift) - 1);
        const mid = 1 << (shift - 1);
        if (rest > mid || (rest === mid && half & 1)) {
            half++;
        }
        return sign | half;
    }
    let half = (e << 10) | (mantissa >> 13);
    const rest = mantissa & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && half & 1)) {
        half++;
    }
    return sign | half;
}

/**
 * Decodes an array of half-precision values.
 * @param halves raw float16 bits
 * @returns the values as float32
 */
export function HalfArrayToFloat32(halves: Uint16Array): Float32Array {
    const table = _HalfTable();
    const out = new Float32Array(halves.length);
    for (let i = 0; i < halves.length; i++) {
        out[i] = table[halves[i]];
    }
    return out;
}

let _halfTable: Float32Array | null = null;

/** Every half-precision value decoded (256 KB, built on first use): a lookup is ~10× faster than decoding. */
function _HalfTable(): Float32Array {
    if (!_halfTable) {
        _halfTable = new Float32Array(65536);
        for (let h = 0; h < 65536; h++) {
            _halfTable[h] = HalfToFloat(h);
        }
    }
    return _halfTable;
}

/**
 * Encodes float32 values as half precision.
 * @param values the values
 * @returns raw float16 bits
 */
export function Float32ArrayToHalf(values: ArrayLike<number>): Uint16Array {
    const out = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) {
        out[i] = FloatToHalf(values[i]);
    }
    return out;
}
