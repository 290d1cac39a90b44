/**
 * The fitted source camera in Babylon terms. The fit's camera sits at the origin looking along −z
 * (+y up, right-handed, cm): `p_cam = R · X_ict + t`, `u = cx + f·x/(−z)`, `v = cy − f·y/(−z)`, with
 * the principal point at the image centre. Babylon's camera here sits at the origin looking along +z
 * of the left-handed world (identity view matrix), so a camera-space point maps to the world as
 * `0.01 · diag(1, 1, −1) · p_cam` (metres). The render covers a square crop of the photo, so the
 * projection is the photo's pinhole shifted and scaled to that crop (an off-centre frustum).
 */

/** A head pose: `p_cam = R · X_ict + t`. */
export interface IHeadPose {
    /** Rotation, 3×3 row-major. */
    rotation: ArrayLike<number>;
    /** Translation, cm. */
    translation: ArrayLike<number>;
}

/** A square region of the photo, px. */
export interface ICrop {
    /** Left edge. */
    x: number;
    /** Top edge. */
    y: number;
    /** Side length. */
    side: number;
}

/** The entries of a Babylon projection matrix (row-vector convention) that differ from a centred one. */
export interface ICropProjection {
    /** x scale (`m[0]`). */
    m0: number;
    /** y scale (`m[5]`). */
    m5: number;
    /** x shift times depth (`m[8]`). */
    m8: number;
    /** y shift times depth (`m[9]`). */
    m9: number;
}

/** Crop side over the largest extent of the 68 landmarks' box. */
const _CropMargin = 1.8;

/**
 * The centre and larger side of the 68 landmarks' box.
 * @param landmarks 68 points `[x0, y0, …]`, px
 * @returns `[centreX, centreY, side]`, px
 */
function _LandmarkBox(landmarks: ArrayLike<number>): [number, number, number] {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < landmarks.length; i += 2) {
        minX = Math.min(minX, landmarks[i]);
        maxX = Math.max(maxX, landmarks[i]);
        minY = Math.min(minY, landmarks[i + 1]);
        maxY = Math.max(maxY, landmarks[i + 1]);
    }
    return [(minX + maxX) / 2, (minY + maxY) / 2, Math.max(maxX - minX, maxY - minY)];
}

/**
 * A square crop around a face: centred on the landmarks' box, {@link _CropMargin} times its larger side.
 * @param landmarks 68 points `[x0, y0, …]`, px
 * @returns the crop
 */
export function FaceCrop(landmarks: ArrayLike<number>): ICrop {
    const [x, y, extent] = _LandmarkBox(landmarks);
    const side = _CropMargin * extent;
    return { x: x - side / 2, y: y - side / 2, side };
}

/**
 * A crop of the same side moved to centre on other landmarks' box: the camera that follows a turned
 * head, so the face stays framed as in the source view (a fixed crop cuts a face turned away from the
 * camera at the frame's edge, and the detectors then miss it).
 * @param crop the crop to move
 * @param landmarks 68 points `[x0, y0, …]`, px
 * @returns the moved crop
 */
export function RecentredCrop(crop: Readonly<ICrop>, landmarks: ArrayLike<number>): ICrop {
    const [x, y] = _LandmarkBox(landmarks);
    return { x: x - crop.side / 2, y: y - crop.side / 2, side: crop.side };
}

/**
 * The pose with the head turned about its own vertical axis (ICT +y) through `centre`: the same
 * picture as the camera orbiting the head by −yaw. Positive yaw turns the face (ICT +z) towards
 * ICT +x, the person's left: for a frontal photo, towards the photo's right.
 * @param pose the fitted pose
 * @param yawDegrees the turn
 * @param centre the point that stays put, ICT cm
 * @returns the turned pose
 */
export function YawedPose(pose: IHeadPose, yawDegrees: number, centre: ArrayLike<number>): IHeadPose {
    const a = (yawDegrees * Math.PI) / 180;
    const c = Math.cos(a);
    const s = Math.sin(a);
    const yaw = [c, 0, s, 0, 1, 0, -s, 0, c];
    const R = pose.rotation;
    const rotation = new Float64Array(9);
    for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
            rotation[3 * i + j] = R[3 * i] * yaw[j] + R[3 * i + 1] * yaw[3 + j] + R[3 * i + 2] * yaw[6 + j];
        }
    }
    // R·c + t = R'·c + t'
    const translation = new Float64Array(3);
    for (let i = 0; i < 3; i++) {
        let d = 0;
        for (let j = 0; j < 3; j++) {
            d += (R[3 * i + j] - rotation[3 * i + j]) * centre[j];
        }
        translation[i] = pose.translation[i] + d;
    }
    return { rotation, translation };
}

/**
 * The world matrix that maps ICT cm to Babylon's world (metres, left-handed, camera at the origin
 * looking along +z) for a pose, in Babylon's layout (`Matrix.FromArray`: row vectors, translation in 12–14).
 * @param pose the head pose
 * @returns 16 numbers
 */
export function IctToWorldMatrix(pose: IHeadPose): number[] {
    const flip = [1, 1, -1];
    const m = new Array<number>(16).fill(0);
    for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
            // column-vector A[i][j] = 0.01·flip[i]·R[i][j]; Babylon stores its transpose
            m[4 * j + i] = 0.01 * flip[i] * pose.rotation[3 * i + j];
        }
        m[12 + i] = 0.01 * flip[i] * pose.translation[i];
    }
    m[15] = 1;
    return m;
}

/**
 * The projection entries that render exactly `crop` of the photo taken by the fitted pinhole.
 * @param focal focal length, px
 * @param width photo width, px
 * @param height photo height, px
 * @param crop the region to render
 * @returns the entries to put into the camera's (left-handed, +z forward) projection matrix
 */
export function CropProjection(focal: number, width: number, height: number, crop: ICrop): ICropProjection {
    const cx = width / 2;
    const cy = height / 2;
    return {
        m0: (2 * focal) / crop.side,
        m5: (2 * focal) / crop.side,
        m8: (2 * (cx - crop.x)) / crop.side - 1,
        m9: 1 - (2 * (cy - crop.y)) / crop.side,
    };
}

/**
 * Projects ICT points through a pose and the fitted pinhole.
 * @param points `[x0, y0, z0, …]`, ICT cm
 * @param pose the head pose
 * @param focal focal length, px
 * @param width photo width, px
 * @param height photo height, px
 * @returns `[u0, v0, …]`, photo px
 */
export function ProjectIct(points: ArrayLike<number>, pose: IHeadPose, focal: number, width: number, height: number): Float32Array {
    const n = points.length / 3;
    const out = new Float32Array(2 * n);
    const R = pose.rotation;
    const t = pose.translation;
    for (let k = 0; k < n; k++) {
        const p = [0, 1, 2].map((i) => R[3 * i] * points[3 * k] + R[3 * i + 1] * points[3 * k + 1] + R[3 * i + 2] * points[3 * k + 2] + t[i]);
        out[2 * k] = width / 2 + (focal * p[0]) / -p[2];
        out[2 * k + 1] = height / 2 - (focal * p[1]) / -p[2];
    }
    return out;
}
