/**
 * Image filters over the photo layer's per-pixel arrays (`[row][column]`, row-major, `width` per row):
 * a chamfer distance transform, and separable mean and max filters.
 */

/**
 * One sweep of a two-pass chamfer distance transform, carrying `value` from the nearest source.
 * @param distance in place: 0 at the sources, Infinity elsewhere before the first sweep
 * @param value in place: carried from each pixel's nearest source
 * @param width pixels per row
 * @param height rows
 * @param direction 1 forwards (top left first), −1 backwards; run both
 */
export function ChamferPass(distance: Float32Array, value: Float32Array, width: number, height: number, direction: 1 | -1): void {
    // The four neighbours already visited: behind along the row, and three on the row before.
    const dx = [-direction, 0, -direction, direction];
    const dy = [0, -direction, -direction, -direction];
    const cost = [1, 1, Math.SQRT2, Math.SQRT2];
    const pixels = width * height;
    for (let i = 0; i < pixels; i++) {
        const p = direction === 1 ? i : pixels - 1 - i;
        const x = p % width;
        const y = (p - x) / width;
        for (let k = 0; k < 4; k++) {
            const qx = x + dx[k];
            const qy = y + dy[k];
            if (qx >= 0 && qy >= 0 && qx < width && qy < height) {
                const q = qy * width + qx;
                if (distance[q] + cost[k] < distance[p]) {
                    distance[p] = distance[q] + cost[k];
                    value[p] = value[q];
                }
            }
        }
    }
}

/**
 * In place: each value becomes the weighted mean within a square of the given radius, twice
 * (separable: rows, then columns).
 * @param values the values (become the weighted means)
 * @param weights their weights (become their own means)
 * @param width pixels per row
 * @param height rows
 * @param radius half the square's side, pixels
 */
export function MeanFilter(values: Float32Array, weights: Float32Array, width: number, height: number, radius: number): void {
    for (let p = 0; p < values.length; p++) {
        values[p] *= weights[p];
    }
    for (let pass = 0; pass < 2; pass++) {
        for (const v of [values, weights]) {
            _MeanAlongLines(v, height, width, width, 1, radius);
            _MeanAlongLines(v, width, height, 1, width, radius);
        }
    }
    for (let p = 0; p < values.length; p++) {
        values[p] = weights[p] > 1e-6 ? values[p] / weights[p] : 0;
    }
}

/** In place: along each line (as {@link _MaxAlongLines}), each value becomes the mean within `radius` (running sums). */
function _MeanAlongLines(values: Float32Array, lines: number, length: number, lineStride: number, step: number, radius: number): void {
    const sums = new Float64Array(length + 1);
    for (let i = 0; i < lines; i++) {
        const start = i * lineStride;
        for (let k = 0; k < length; k++) {
            sums[k + 1] = sums[k] + values[start + k * step];
        }
        for (let k = 0; k < length; k++) {
            const a = Math.max(0, k - radius);
            const b = Math.min(length - 1, k + radius);
            values[start + k * step] = (sums[b + 1] - sums[a]) / (2 * radius + 1);
        }
    }
}

/**
 * In place: each value becomes the largest within a square of the given radius (separable: rows, then columns).
 * @param values the values
 * @param width pixels per row
 * @param height rows
 * @param radius half the square's side, pixels
 */
export function MaxFilter(values: Float32Array, width: number, height: number, radius: number): void {
    _MaxAlongLines(values, height, width, width, 1, radius);
    _MaxAlongLines(values, width, height, 1, width, radius);
}

/** In place: along each of `lines` lines (line i starts at `i · lineStride`, its `length` values `step` apart), each value becomes the largest within `radius`. */
function _MaxAlongLines(values: Float32Array, lines: number, length: number, lineStride: number, step: number, radius: number): void {
    const line = new Float32Array(length);
    for (let i = 0; i < lines; i++) {
        const start = i * lineStride;
        for (let k = 0; k < length; k++) {
            let m = 0;
            for (let j = Math.max(0, k - radius); j <= Math.min(length - 1, k + radius); j++) {
                m = Math.max(m, values[start + j * step]);
            }
            line[k] = m;
        }
        for (let k = 0; k < length; k++) {
            values[start + k * step] = line[k];
        }
    }
}
