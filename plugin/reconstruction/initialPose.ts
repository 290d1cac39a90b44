import { CholeskySolve } from "./fitMath";

/** A head pose in the fit's camera (see {@link FitLandmarks3dmm}): `p_camera = R · p_ict + t`. */
export interface IHeadPose {
    /** Rotation R, 3×3 row-major. */
    rotation: Float64Array;
    /** Translation t, cm. */
    translation: Float64Array;
}

/**
 * Closed-form head pose from 3D–2D landmark pairs under an affine (weak-perspective) camera:
 * least-squares affine map `u = a₁·X + b₁`, `v = a₂·X + b₂`, then its rows orthonormalised into a
 * rotation (Gram–Schmidt) with the mean row length as scale `s = f / depth`. Exact for a distant
 * head; the Levenberg–Marquardt fit refines it under full perspective.
 * @param points3d n × 3 model points (cm)
 * @param points2d n × 2 image points (px, y down)
 * @param weights n weights (≥ 0)
 * @param cx principal point x (px)
 * @param cy principal point y (px)
 * @param focal focal length (px)
 * @returns the pose, or null when the points are degenerate (fewer than 4 with weight, or coplanar)
 */
export function EstimateInitialPose(points3d: ArrayLike<number>, points2d: ArrayLike<number>, weights: ArrayLike<number>, cx: number, cy: number, focal: number): IHeadPose | null {
    const n = weights.length;
    const h = new Float64Array(16);
    const gu = new Float64Array(4);
    const gv = new Float64Array(4);
    const centroid = [0, 0, 0];
    let wsum = 0;
    for (let i = 0; i < n; i++) {
        const w = weights[i];
        const row = [points3d[3 * i], points3d[3 * i + 1], points3d[3 * i + 2], 1];
        for (let a = 0; a < 4; a++) {
            for (let b = 0; b < 4; b++) {
                h[4 * a + b] += w * row[a] * row[b];
            }
            gu[a] += w * row[a] * points2d[2 * i];
            gv[a] += w * row[a] * points2d[2 * i + 1];
        }
        for (let c = 0; c < 3; c++) {
            centroid[c] += w * row[c];
        }
        wsum += w;
    }
    if (!(wsum > 0) || !CholeskySolve(h.slice(), gu, 4) || !CholeskySolve(h, gv, 4)) {
        return null;
    }
    // s·r₀ = a₁ and s·r₁ = −a₂ (image y points down, camera y up).
    const n0 = Math.hypot(gu[0], gu[1], gu[2]);
    const n1 = Math.hypot(gv[0], gv[1], gv[2]);
    if (!(n0 > 0 && n1 > 0)) {
        return null;
    }
    const r0 = [gu[0] / n0, gu[1] / n0, gu[2] / n0];
    let r1 = [-gv[0] / n1, -gv[1] / n1, -gv[2] / n1];
    const d = r0[0] * r1[0] + r0[1] * r1[1] + r0[2] * r1[2];
    r1 = [r1[0] - d * r0[0], r1[1] - d * r0[1], r1[2] - d * r0[2]];
    const m = Math.hypot(r1[0], r1[1], r1[2]);
    if (!(m > 1e-6)) {
        return null;
    }
    r1 = [r1[0] / m, r1[1] / m, r1[2] / m];
    const r2 = [r0[1] * r1[2] - r0[2] * r1[1], r0[2] * r1[0] - r0[0] * r1[2], r0[0] * r1[1] - r0[1] * r1[0]];
    const rotation = Float64Array.from([...r0, ...r1, ...r2]);
    const s = (n0 + n1) / 2;
    const c = centroid.map((v) => v / wsum);
    // Depth of the landmarks' centroid is f / s.
    const centroidZ = r2[0] * c[0] + r2[1] * c[1] + r2[2] * c[2];
    const translation = Float64Array.from([(gu[3] - cx) / s, -(gv[3] - cy) / s, -focal / s - centroidZ]);
    return { rotation, translation };
}

/**
 * The head translation for a known rotation, model points and focal length, in closed form:
 * weighted linear least squares on the algebraic reprojection error. With `q = R·X`,
 * `a = (u − cx)/f` and `b = (cy − v)/f`, a point seen at (u, v) satisfies
 * `t_x + a·t_z = −a·q_z − q_x` and `t_y + b·t_z = −b·q_z − q_y` (three unknowns, two equations a
 * point). Used to turn the landmark regressor's rotation, shape and focal length into a full pose.
 * @param points3d n × 3 model points (cm)
 * @param points2d n × 2 image points (px, y down)
 * @param weights n weights (≥ 0)
 * @param rotation R, 3×3 row-major
 * @param cx principal point x (px)
 * @param cy principal point y (px)
 * @param focal focal length (px)
 * @returns t (cm), or null when the points are degenerate
 */
export function EstimateTranslation(
    points3d: ArrayLike<number>,
    points2d: ArrayLike<number>,
    weights: ArrayLike<number>,
    rotation: ArrayLike<number>,
    cx: number,
    cy: number,
    focal: number
): Float64Array | null {
    const h = new Float64Array(9);
    const g = new Float64Array(3);
    const r = rotation;
    for (let i = 0; i < weights.length; i++) {
        const w = weights[i];
        if (!(w > 0)) {
            continue;
        }
        const x = points3d[3 * i];
        const y = points3d[3 * i + 1];
        const z = points3d[3 * i + 2];
        const qx = r[0] * x + r[1] * y + r[2] * z;
        const qy = r[3] * x + r[4] * y + r[5] * z;
        const qz = r[6] * x + r[7] * y + r[8] * z;
        const a = (points2d[2 * i] - cx) / focal;
        const b = (cy - points2d[2 * i + 1]) / focal;
        // Rows [1, 0, a] and [0, 1, b]; right-hand sides −a·q_z − q_x and −b·q_z − q_y.
        const ru = -a * qz - qx;
        const rv = -b * qz - qy;
        h[0] += w;
        h[2] += w * a;
        h[4] += w;
        h[5] += w * b;
        h[8] += w * (a * a + b * b);
        g[0] += w * ru;
        g[1] += w * rv;
        g[2] += w * (a * ru + b * rv);
    }
    h[6] = h[2];
    h[7] = h[5];
    if (!CholeskySolve(h, g, 3) || !g.every((v) => Number.isFinite(v))) {
        return null;
    }
    return g;
}
