/**
 * Small dense maths for the landmark fit: 3×3 rotations (row-major `Float64Array(9)`), a
 * Cholesky solve of the normal equations, and the nearest of a set of 3-vectors. Kept free of
 * Babylon's math types so the fit runs the same in a worker, in Node and in the browser.
 */

/**
 * Rotation matrix of an axis-angle vector (Rodrigues' formula).
 * @param wx axis × angle, x (radians)
 * @param wy axis × angle, y
 * @param wz axis × angle, z
 * @param out 9 values, row-major
 * @returns out
 */
export function RotationFromAxisAngle(wx: number, wy: number, wz: number, out: Float64Array): Float64Array {
    const theta = Math.hypot(wx, wy, wz);
    // Near zero, sin θ / θ → 1 and (1 − cos θ) / θ² → 1/2 (second-order series).
    const a = theta < 1e-8 ? 1 - (theta * theta) / 6 : Math.sin(theta) / theta;
    const b = theta < 1e-8 ? 0.5 - (theta * theta) / 24 : (1 - Math.cos(theta)) / (theta * theta);
    out[0] = 1 - b * (wy * wy + wz * wz);
    out[1] = b * wx * wy - a * wz;
    out[2] = b * wx * wz + a * wy;
    out[3] = b * wx * wy + a * wz;
    out[4] = 1 - b * (wx * wx + wz * wz);
    out[5] = b * wy * wz - a * wx;
    out[6] = b * wx * wz - a * wy;
    out[7] = b * wy * wz + a * wx;
    out[8] = 1 - b * (wx * wx + wy * wy);
    return out;
}

/**
 * Axis-angle vector of a rotation matrix (the inverse of {@link RotationFromAxisAngle} for angles below π).
 * @param r 9 values, row-major
 * @returns `[wx, wy, wz]` in radians
 */
export function AxisAngleFromRotation(r: ArrayLike<number>): [number, number, number] {
    const cos = Math.min(1, Math.max(-1, (r[0] + r[4] + r[8] - 1) / 2));
    const theta = Math.acos(cos);
    const vx = r[7] - r[5];
    const vy = r[2] - r[6];
    const vz = r[3] - r[1];
    const s = Math.sin(theta);
    const k = s < 1e-8 ? 0.5 : theta / (2 * s);
    return [vx * k, vy * k, vz * k];
}

/**
 * A rotation from its first two rows (the 6D representation): Gram–Schmidt, then the cross product.
 * @param r6 rows 0 and 1 of R, not necessarily orthonormal
 * @returns R, 3×3 row-major
 */
export function RotationFrom6d(r6: ArrayLike<number>): Float64Array {
    const n0 = Math.hypot(r6[0], r6[1], r6[2]);
    const r0 = [r6[0] / n0, r6[1] / n0, r6[2] / n0];
    const d = r0[0] * r6[3] + r0[1] * r6[4] + r0[2] * r6[5];
    const b = [r6[3] - d * r0[0], r6[4] - d * r0[1], r6[5] - d * r0[2]];
    const n1 = Math.hypot(b[0], b[1], b[2]);
    const r1 = [b[0] / n1, b[1] / n1, b[2] / n1];
    const r2 = [r0[1] * r1[2] - r0[2] * r1[1], r0[2] * r1[0] - r0[0] * r1[2], r0[0] * r1[1] - r0[1] * r1[0]];
    return Float64Array.from([...r0, ...r1, ...r2]);
}

/**
 * Product of two 3×3 matrices, `a · b`.
 * @param a 9 values, row-major
 * @param b 9 values, row-major
 * @param out 9 values (may not alias a or b)
 * @returns out
 */
export function MultiplyMatrix3(a: ArrayLike<number>, b: ArrayLike<number>, out: Float64Array): Float64Array {
    for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
            out[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
        }
    }
    return out;
}

/**
 * Solves `A x = b` for a symmetric positive-definite `A` by Cholesky factorisation, in place.
 * @param a n×n row-major, overwritten by its factor
 * @param b n values, overwritten by the solution
 * @param n size
 * @returns false when A is not positive definite (b is then left partly overwritten)
 */
export function CholeskySolve(a: Float64Array, b: Float64Array, n: number): boolean {
    for (let j = 0; j < n; j++) {
        let d = a[j * n + j];
        for (let k = 0; k < j; k++) {
            d -= a[j * n + k] * a[j * n + k];
        }
        if (!(d > 0)) {
            return false;
        }
        const l = Math.sqrt(d);
        a[j * n + j] = l;
        for (let i = j + 1; i < n; i++) {
            let s = a[i * n + j];
            for (let k = 0; k < j; k++) {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / l;
        }
    }
    for (let i = 0; i < n; i++) {
        let s = b[i];
        for (let k = 0; k < i; k++) {
            s -= a[i * n + k] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    for (let i = n - 1; i >= 0; i--) {
        let s = b[i];
        for (let k = i + 1; k < n; k++) {
            s -= a[k * n + i] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    return true;
}

/**
 * The point of a set nearest to one point of another set (squared Euclidean distance; the first on a tie).
 * @param points the set, `[n][3]`
 * @param from the array holding the query point, `[m][3]`
 * @param i the query point's index in `from`
 * @returns the index of the nearest point in `points`
 */
export function NearestPoint3(points: ArrayLike<number>, from: ArrayLike<number>, i: number): number {
    let best = 0;
    let bestDistance = Infinity;
    for (let j = 0; j < points.length / 3; j++) {
        const d = (from[3 * i] - points[3 * j]) ** 2 + (from[3 * i + 1] - points[3 * j + 1]) ** 2 + (from[3 * i + 2] - points[3 * j + 2]) ** 2;
        if (d < bestDistance) {
            bestDistance = d;
            best = j;
        }
    }
    return best;
}
