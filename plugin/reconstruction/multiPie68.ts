/**
 * The 68-point Multi-PIE (iBUG 300-W) landmark layout shared by the face detector
 * (`@vladmandic/face-api`'s 68-point net) and ICT-FaceKit's `idx_to_landmark_verts`: both list the
 * same 68 points in the same order, so the mapping between them is the identity, and this file
 * documents the layout and the per-point fitting weights instead.
 *
 * Indices (0-based, image left/right = the subject's right/left on a frontal photo):
 * | range | what |
 * | --- | --- |
 * | 0–16 | jaw contour, from the subject's right ear to the left |
 * | 17–21, 22–26 | right and left eyebrow, outer to inner / inner to outer |
 * | 27–30 | nose bridge, top to tip |
 * | 31–35 | nostrils, right to left |
 * | 36–41, 42–47 | right and left eye, clockwise from the outer / inner corner |
 * | 48–59 | outer lip contour, from the right mouth corner |
 * | 60–67 | inner lip contour, from the right mouth corner |
 */
export const MultiPie68Count = 68;

/** Index ranges of the 68-point layout, as `[first, last]` (inclusive). */
export const MultiPie68Regions = {
    /** Jaw contour (silhouette points: they slide on the mesh as the head turns). */
    jaw: [0, 16],
    /** The subject's right eyebrow. */
    rightBrow: [17, 21],
    /** The subject's left eyebrow. */
    leftBrow: [22, 26],
    /** Nose bridge and tip. */
    noseBridge: [27, 30],
    /** Lower nose (nostrils). */
    nostrils: [31, 35],
    /** The subject's right eye. */
    rightEye: [36, 41],
    /** The subject's left eye. */
    leftEye: [42, 47],
    /** Outer lip contour. */
    outerLips: [48, 59],
    /** Inner lip contour. */
    innerLips: [60, 67],
} as const;

/** Outer corner of the subject's right eye. */
export const RightEyeOuterCorner = 36;
/** Outer corner of the subject's left eye. */
export const LeftEyeOuterCorner = 45;

/**
 * Default per-landmark weights for a 3DMM fit. The jaw contour is a silhouette on the photo but
 * a fixed vertex on the mesh, so it counts half; every other point counts fully.
 * @returns 68 weights in [0, 1]
 */
export function DefaultLandmarkWeights(): Float32Array {
    const w = new Float32Array(MultiPie68Count).fill(1);
    for (let i = MultiPie68Regions.jaw[0]; i <= MultiPie68Regions.jaw[1]; i++) {
        w[i] = 0.5;
    }
    return w;
}

/**
 * Inter-ocular distance: between the outer eye corners (points 36 and 45), the usual
 * normaliser of landmark errors on 300-W.
 * @param points 68 points as `[x0, y0, x1, y1, …]`
 * @returns the distance, in the points' units
 */
export function InterOcularDistance(points: ArrayLike<number>): number {
    const dx = points[2 * LeftEyeOuterCorner] - points[2 * RightEyeOuterCorner];
    const dy = points[2 * LeftEyeOuterCorner + 1] - points[2 * RightEyeOuterCorner + 1];
    return Math.hypot(dx, dy);
}

/**
 * Tilt of the line from the right eye's outer corner (point 36, on the image's left) to the left
 * eye's (point 45): 0 for an upright face, positive when the face leans clockwise on screen (y down).
 * @param points 68 points as `[x0, y0, x1, y1, …]`, image pixels
 * @returns the angle, radians
 */
export function EyeLineTilt(points: ArrayLike<number>): number {
    return Math.atan2(points[2 * LeftEyeOuterCorner + 1] - points[2 * RightEyeOuterCorner + 1], points[2 * LeftEyeOuterCorner] - points[2 * RightEyeOuterCorner]);
}
