import { NearestPoint3 } from "./fitMath";
import { type IctHeadMesh } from "./ictHeadMesh";
import { IctLandmarkBasis } from "./ictLandmarkBasis";
import { MultiPie68Count, MultiPie68Regions } from "./multiPie68";
import { ReconstructionError } from "./reconstructionError";

/** Jaw points that slide: all but the chin's five, which stay on the outline as the head turns. */
const _SlidingJawPoints = [0, 1, 2, 3, 4, 5, 11, 12, 13, 14, 15, 16];
/** Half-height of the band of vertices around a jaw point's height that make its line, cm. */
const _LineBand = 0.3;
/** Spacing of the candidates along a line, cm (one vertex, the outermost, per step). */
const _LineStep = 0.25;
/** The line stops this far from the mid-plane, as a fraction of the jaw point's own distance from it. */
const _LineInnerEnd = 0.3;

/** What a {@link JawContour} needs of a fit: its pose, focal length and weights. */
export interface IContourPose {
    /** Head rotation R (3×3 row-major): `p_camera = R · p_ict + t`. */
    rotation: ArrayLike<number>;
    /** Head translation t, cm. */
    translation: ArrayLike<number>;
    /** Focal length, px. */
    focal: number;
    /** Identity weights. */
    alpha: ArrayLike<number>;
    /** Expression weights, ArkitNames order. */
    beta: ArrayLike<number>;
}

/**
 * Sliding jaw landmarks ("landmark marching"). A detector's jaw points follow the face's visible
 * outline, while ICT-FaceKit's jaw landmarks are fixed vertices; once the head turns, the outline of
 * the far cheek lies on other vertices, nearer the face's middle. Each sliding jaw point has a line
 * of candidate vertices on the mesh, from its own vertex inwards at its height; {@link silhouette}
 * picks on each line the vertex that is outermost in the image under a fitted pose, and
 * {@link slide} gives the landmark basis with those vertices' rows in place of the fixed ones. On a
 * face seen from the front every line's outermost vertex is the landmark's own, so nothing changes there.
 * 3DMM: ICT-FaceKit, MIT.
 */
export class JawContour {
    /** For each landmark, the first of its candidates in the arrays below; -1 where it does not slide. */
    private readonly _lineStart: Int32Array;
    /** For each landmark, how many candidates it has (the first is its own vertex). */
    private readonly _lineLength: Int32Array;
    /** Candidates' neutral positions `[C][3]`. */
    private readonly _mean: Float32Array;
    /** Their identity rows `[K][C][3]`. */
    private readonly _identity: Float32Array;
    /** Their expression rows `[53][C][3]`. */
    private readonly _expression: Float32Array;
    private readonly _identityCount: number;
    private readonly _candidateCount: number;

    private constructor(lineStart: Int32Array, lineLength: Int32Array, mean: Float32Array, identity: Float32Array, expression: Float32Array, identityCount: number) {
        this._lineStart = lineStart;
        this._lineLength = lineLength;
        this._mean = mean;
        this._identity = identity;
        this._expression = expression;
        this._identityCount = identityCount;
        this._candidateCount = mean.length / 3;
    }

    /** How many identity modes the candidates carry (the head mesh's); a slid basis has at most this many. */
    public get identityCount(): number {
        return this._identityCount;
    }

    /**
     * Builds the candidate lines on the head mesh's neutral skin.
     * @param mesh the head mesh (its vertices, identity and expression modes)
     * @param basis the landmark basis: its jaw points' neutral positions name their vertices on the mesh
     * @returns the contour
     */
    public static FromHeadMesh(mesh: IctHeadMesh, basis: IctLandmarkBasis): JawContour {
        const neutral = mesh.neutral;
        const skin = new Uint8Array(mesh.vertexCount);
        for (let i = 0; i < 3 * mesh.skinTriangleCount; i++) {
            skin[mesh.triangles[i]] = 1;
        }
        const lines: number[][] = [];
        for (const j of _SlidingJawPoints) {
            const own = NearestPoint3(neutral, basis.mean, j);
            const [x, y, z] = [neutral[3 * own], neutral[3 * own + 1], neutral[3 * own + 2]];
            if (Math.hypot(x - basis.mean[3 * j], y - basis.mean[3 * j + 1], z - basis.mean[3 * j + 2]) > 1e-3) {
                throw new ReconstructionError("BAD_BASIS", `jaw landmark ${j} is not a vertex of the head mesh`);
            }
            // Per step of distance from the mid-plane, the outermost (front-most) skin vertex in the band.
            const steps = Math.floor((Math.abs(x) * (1 - _LineInnerEnd)) / _LineStep);
            const best = new Int32Array(steps).fill(-1);
            for (let v = 0; v < mesh.vertexCount; v++) {
                const vx = neutral[3 * v];
                const inward = (Math.abs(x) - vx * Math.sign(x)) / _LineStep;
                if (!skin[v] || Math.abs(neutral[3 * v + 1] - y) > _LineBand || !(inward >= 0.5) || inward >= steps + 0.5 || neutral[3 * v + 2] < z) {
                    continue;
                }
                const s = Math.round(inward) - 1;
                if (best[s] < 0 || neutral[3 * v + 2] > neutral[3 * best[s] + 2]) {
                    best[s] = v;
                }
            }
            lines[j] = [own, ...Array.from(best).filter((v) => v >= 0)];
        }

        const vertices = lines.flat();
        const c = vertices.length;
        const k = mesh.identityCount;
        const v3 = mesh.vertexCount * 3;
        const mean = new Float32Array(3 * c);
        const identity = new Float32Array(k * 3 * c);
        const expression = new Float32Array(mesh.expressions.length * 3 * c);
        const slot = new Map<number, number[]>();
        vertices.forEach((v, i) => {
            slot.set(v, [...(slot.get(v) ?? []), i]);
            for (let a = 0; a < 3; a++) {
                mean[3 * i + a] = neutral[3 * v + a];
                for (let m = 0; m < k; m++) {
                    identity[(m * c + i) * 3 + a] = mesh.identity[m * v3 + 3 * v + a];
                }
            }
        });
        mesh.expressions.forEach(({ indices, deltas }, e) => {
            indices.forEach((v, n) => {
                for (const i of slot.get(v) ?? []) {
                    for (let a = 0; a < 3; a++) {
                        expression[(e * c + i) * 3 + a] = deltas[3 * n + a];
                    }
                }
            });
        });
        const lineStart = new Int32Array(MultiPie68Count).fill(-1);
        const lineLength = new Int32Array(MultiPie68Count);
        let start = 0;
        for (const j of _SlidingJawPoints) {
            lineStart[j] = start;
            lineLength[j] = lines[j].length;
            start += lines[j].length;
        }
        return new JawContour(lineStart, lineLength, mean, identity, expression, k);
    }

    /** How many candidate vertices a landmark's line holds (its own vertex included; 0 where it does not slide). */
    public lineLength(landmark: number): number {
        return this._lineLength[landmark];
    }

    /**
     * For each landmark, which candidate on its line is outermost in the image under a pose: 0 for its
     * own vertex (and for the landmarks that do not slide).
     * @param pose the fitted pose and weights
     * @returns 68 candidate positions along the lines
     */
    public silhouette(pose: IContourPose): Int32Array {
        const chosen = new Int32Array(MultiPie68Count);
        const point = new Float64Array(3);
        const r = pose.rotation;
        const t = pose.translation;
        for (let j = MultiPie68Regions.jaw[0]; j <= MultiPie68Regions.jaw[1]; j++) {
            const start = this._lineStart[j];
            if (start < 0) {
                continue;
            }
            // Outward in the image: the head's sideways axis, towards this point's side (u right, v down).
            const side = Math.sign(this._mean[3 * start]);
            const [du, dv] = [side * r[0], -side * r[3]];
            let best = -Infinity;
            for (let n = 0; n < this._lineLength[j]; n++) {
                this._evaluate(start + n, pose, point);
                const px = r[0] * point[0] + r[1] * point[1] + r[2] * point[2] + t[0];
                const py = r[3] * point[0] + r[4] * point[1] + r[5] * point[2] + t[1];
                const pz = r[6] * point[0] + r[7] * point[1] + r[8] * point[2] + t[2];
                const reach = (du * px - dv * py) / -pz;
                if (reach > best) {
                    best = reach;
                    chosen[j] = n;
                }
            }
        }
        return chosen;
    }

    /**
     * The landmark basis with the jaw points' rows replaced by the chosen candidates' rows. It holds
     * at most {@link identityCount} identity modes.
     * @param basis the landmark basis
     * @param chosen 68 candidate positions (from {@link silhouette})
     * @returns the slid basis
     */
    public slide(basis: IctLandmarkBasis, chosen: Int32Array): IctLandmarkBasis {
        const k = Math.min(basis.identityCount, this._identityCount);
        const n3 = MultiPie68Count * 3;
        const c = this._candidateCount;
        const mean = basis.mean.slice();
        const identity = basis.identity.slice(0, k * n3);
        const expression = basis.expression.slice();
        for (let j = 0; j < MultiPie68Count; j++) {
            if (this._lineStart[j] < 0) {
                continue;
            }
            const i = this._lineStart[j] + chosen[j];
            for (let a = 0; a < 3; a++) {
                mean[3 * j + a] = this._mean[3 * i + a];
                for (let m = 0; m < k; m++) {
                    identity[m * n3 + 3 * j + a] = this._identity[(m * c + i) * 3 + a];
                }
                for (let e = 0; e < basis.expressionCount; e++) {
                    expression[e * n3 + 3 * j + a] = this._expression[(e * c + i) * 3 + a];
                }
            }
        }
        return new IctLandmarkBasis(k, basis.expressionCount, mean, identity, expression);
    }

    /** A candidate's position under the pose's weights. */
    private _evaluate(i: number, pose: IContourPose, out: Float64Array): void {
        const c = this._candidateCount;
        for (let a = 0; a < 3; a++) {
            let value = this._mean[3 * i + a];
            for (let m = 0; m < Math.min(pose.alpha.length, this._identityCount); m++) {
                value += pose.alpha[m] * this._identity[(m * c + i) * 3 + a];
            }
            for (let e = 0; e < pose.beta.length; e++) {
                value += pose.beta[e] * this._expression[(e * c + i) * 3 + a];
            }
            out[a] = value;
        }
    }
}
