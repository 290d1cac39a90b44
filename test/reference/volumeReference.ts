/**
 * CPU reference of every WGSL kernel (shaders/*.wgsl), written from docs/formats.md, that the
 * GPU numeric tests compare against.
 */
import { ExpressionCount } from "../../plugin/expression/arkitNames";
import { PositionalEncoding } from "../../plugin/network/positionalEncoding";
import { type ModelPack } from "../../plugin/pack/modelPack";
import { ColourPlaneXyFade } from "../../plugin/volume/colourPlaneFade";
import { PhotoCameraCentre } from "../../plugin/volume/triplaneTexture";

export type Vec3 = [number, number, number];

/** A tri-plane as float32 values, layout [plane][channel][row][column]. */
export interface IReferenceTriplane {
    values: Float32Array;
    channels: number;
    resolution: number;
}

const softplus = (x: number): number => Math.max(x, 0) + Math.log(1 + Math.exp(-Math.abs(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The four texels and weights of a bilinear sample at (u, v) ∈ [0, 1]² of a width × height grid (texel centres at (i + 0.5)/size, clamp to edge). */
function _bilinearTaps(u: number, v: number, width: number, height: number): { x0: number; y0: number; x1: number; y1: number; ax: number; ay: number } {
    const fx = Math.min(Math.max(u * width - 0.5, 0), width - 1);
    const fy = Math.min(Math.max(v * height - 0.5, 0), height - 1);
    const x0 = Math.floor(fx);
    const y0 = Math.floor(fy);
    return { x0, y0, x1: Math.min(x0 + 1, width - 1), y1: Math.min(y0 + 1, height - 1), ax: fx - x0, ay: fy - y0 };
}

/** Bilinear sample of one plane (texel centres at (i + 0.5)/R, clamp to edge), all channels added into `out`. */
function _samplePlane(t: IReferenceTriplane, plane: number, s: number, r: number, out: Float32Array): void {
    const R = t.resolution;
    const { x0, y0, x1, y1, ax, ay } = _bilinearTaps(s, r, R, R);
    for (let c = 0; c < t.channels; c++) {
        const base = (plane * t.channels + c) * R * R;
        const v00 = t.values[base + y0 * R + x0];
        const v01 = t.values[base + y0 * R + x1];
        const v10 = t.values[base + y1 * R + x0];
        const v11 = t.values[base + y1 * R + x1];
        out[c] += (v00 * (1 - ax) + v01 * ax) * (1 - ay) + (v10 * (1 - ax) + v11 * ax) * ay;
    }
}

/** Sum of the three planes' features at normalised u. */
export function TriplaneFeatures(t: IReferenceTriplane, u: Vec3): Float32Array {
    const out = new Float32Array(t.channels);
    const uv = u.map((v) => v * 0.5 + 0.5);
    _samplePlane(t, 0, uv[0], uv[1], out);
    _samplePlane(t, 1, uv[0], uv[2], out);
    _samplePlane(t, 2, uv[1], uv[2], out);
    return out;
}

/** [density, r, g, b] of the canonical volume at normalised u. */
export function Decode(pack: ModelPack, t: IReferenceTriplane, u: Vec3): [number, number, number, number] {
    const o = new Float32Array(4);
    pack.decoder.evaluate(TriplaneFeatures(t, u), o);
    return [softplus(o[0]), sigmoid(o[1]), sigmoid(o[2]), sigmoid(o[3])];
}

/** Colour planes as float32 values, layout [plane][r, g, b][row][column] (shaders/colourPlanes.wgsl). */
export interface IReferenceColourPlanes {
    values: Float32Array;
    resolution: number;
}

/** Logit offsets of the colour planes at normalised u (the sum of the three planes' bilinear samples). */
export function ColourOffset(planes: IReferenceColourPlanes, u: Vec3): Float32Array {
    const t: IReferenceTriplane = { values: planes.values, channels: 3, resolution: planes.resolution };
    const out = new Float32Array(3);
    const uv = u.map((v) => v * 0.5 + 0.5);
    _samplePlane(t, 0, uv[0], uv[1], out);
    // The xy plane fades out towards the back of the head (docs/formats.md).
    const front = smoothstep(ColourPlaneXyFade.from, ColourPlaneXyFade.to, u[2]);
    out.forEach((v, c) => (out[c] = v * front));
    _samplePlane(t, 1, uv[0], uv[2], out);
    _samplePlane(t, 2, uv[1], uv[2], out);
    return out;
}

/** A photo layer with its depth halves decoded (shaders/photoLayer.wgsl, docs/formats.md "photo layer"). */
export interface IReferencePhotoLayer {
    /** Row-major 3 × 4: canonical cm → (u·w, v·w, w). */
    projection: ArrayLike<number>;
    width: number;
    height: number;
    /** RGBA8 `[row][column][4]`. */
    colour: Uint8Array;
    /** Float32 `[row][column][4]`: surface w, slab front w, slab back w, slab density. */
    depth: Float32Array;
}

/** The photo layer at a canonical point, as `NofaPhotoSample`. */
export interface IReferencePhotoSample {
    colour: Vec3;
    surfaceColour: Vec3;
    surfaceWeight: number;
    density: number;
    volumeKept: number;
}

/** As in shaders/photoLayer.wgsl: the depth scale of a texel's match, the view alignment's cosines (6°, 1°). */
const PhotoDepthSigma = 0.5;
const PhotoAlignedFrom = 0.99452;
const PhotoAlignedTo = 0.99985;
/** As in shaders/photoLayer.wgsl: the depth in front of the photo's surface over which the volume's density is emptied. */
const PhotoFreeFrom = 1.0;
const PhotoFreeTo = 2.0;

const smoothstep = (e0: number, e1: number, x: number): number => {
    const t = Math.min(Math.max((x - e0) / (e1 - e0), 0), 1);
    return t * t * (3 - 2 * t);
};

/** Bilinear sample of a `[row][column][4]` image at (u, v) ∈ [0, 1]² (texel centres at (i + ½)/size, clamp to edge). */
function _sampleImage(values: ArrayLike<number>, width: number, height: number, u: number, v: number, scale: number): number[] {
    const { x0, y0, x1, y1, ax, ay } = _bilinearTaps(u, v, width, height);
    const at = (x: number, y: number, c: number): number => values[4 * (y * width + x) + c] * scale;
    return [0, 1, 2, 3].map((c) => (at(x0, y0, c) * (1 - ax) + at(x1, y0, c) * ax) * (1 - ay) + (at(x0, y1, c) * (1 - ax) + at(x1, y1, c) * ax) * ay);
}

/**
 * The photo layer at canonical point `xc` (cm); zeros outside the layer or behind its camera.
 * `viewDirection`: the unit ray direction (absent: no view-dependent trust).
 */
export function PhotoSample(layer: IReferencePhotoLayer | undefined, xc: Vec3, viewDirection: Vec3 = [0, 0, 0]): IReferencePhotoSample {
    const none: IReferencePhotoSample = { colour: [0, 0, 0], surfaceColour: [0, 0, 0], surfaceWeight: 0, density: 0, volumeKept: 1 };
    if (!layer) {
        return none;
    }
    const P = layer.projection;
    const h = [0, 1, 2].map((r) => P[4 * r] * xc[0] + P[4 * r + 1] * xc[1] + P[4 * r + 2] * xc[2] + P[4 * r + 3]);
    if (h[2] <= 1e-3) {
        return none;
    }
    const u = h[0] / h[2];
    const v = h[1] / h[2];
    if (u < 0 || v < 0 || u > 1 || v > 1) {
        return none;
    }
    const c = _sampleImage(layer.colour, layer.width, layer.height, u, v, 1 / 255);
    const d = _sampleImage(layer.depth, layer.width, layer.height, u, v, 1);
    const slab = smoothstep(d[1] - 0.3, d[1] + 0.3, h[2]) * (1 - smoothstep(d[2] - 0.3, d[2] + 0.3, h[2]));
    // The surface: the four texels, each weighted by how near its surface lies to xc; faded from the nearest.
    const centre = PhotoCameraCentre(P);
    const ray = xc.map((x, k) => x - centre[k]);
    const length = Math.hypot(...ray);
    const aligned = smoothstep(PhotoAlignedFrom, PhotoAlignedTo, ray.reduce((sum, r, k) => sum + (r / length) * viewDirection[k], 0));
    const { x0, y0, x1, y1, ax, ay } = _bilinearTaps(u, v, layer.width, layer.height);
    const surfaceColour: Vec3 = [0, 0, 0];
    let trust = 0;
    let weight = 0;
    let nearest = Infinity;
    let farthest = -Infinity;
    for (const [x, y, bilinear] of [
        [x0, y0, (1 - ax) * (1 - ay)],
        [x1, y0, ax * (1 - ay)],
        [x0, y1, (1 - ax) * ay],
        [x1, y1, ax * ay],
    ]) {
        const texel = 4 * (y * layer.width + x);
        const behind = Math.abs(h[2] - layer.depth[texel]);
        const w = bilinear * Math.exp(-(behind * behind) / (PhotoDepthSigma * PhotoDepthSigma));
        for (let k = 0; k < 3; k++) {
            surfaceColour[k] += (w * layer.colour[texel + k]) / 255;
        }
        trust += w * Math.max(layer.colour[texel + 3] / 255, aligned);
        weight += w;
        nearest = Math.min(nearest, behind);
        farthest = Math.max(farthest, layer.depth[texel]);
    }
    // Where the photo saw the head, the volume well in front of the farthest of the four surfaces is empty.
    const volumeKept = c[3] > 0 ? 1 - smoothstep(PhotoFreeFrom, PhotoFreeTo, farthest - h[2]) : 1;
    if (weight <= 1e-12) {
        return { colour: [c[0], c[1], c[2]], surfaceColour: [0, 0, 0], surfaceWeight: 0, density: d[3] * slab, volumeKept };
    }
    return {
        colour: [c[0], c[1], c[2]],
        surfaceColour: surfaceColour.map((s) => s / weight) as Vec3,
        surfaceWeight: (trust / weight) * (1 - smoothstep(0.6, 1.5, nearest)),
        density: d[3] * slab,
        volumeKept,
    };
}

/** The backward field's parts as the bake stores them: w·a, the selector s and w·j (zero without a jump; models/deformation.py). */
export interface IBackwardField {
    smooth: Vec3;
    selector: number;
    jump: Vec3;
}

/** The backward field's parts at the normalised deformed point. */
export function BackwardField(pack: ModelPack, alpha: Float32Array, beta: Float32Array, ud: Vec3): IBackwardField {
    const pe = pack.positionalEncodingSize;
    const input = new Float32Array(pe + alpha.length + ExpressionCount);
    PositionalEncoding(ud, pack.manifest.positionalEncoding.frequencies, input);
    input.set(alpha, pe);
    input.set(beta, pe + alpha.length);
    const d = new Float32Array(pack.deformation.outputSize);
    pack.deformation.evaluate(input, d);
    const w = new Float32Array(1);
    pack.blend.evaluate(input.subarray(0, pe + alpha.length), w);
    const s = sigmoid(w[0]);
    const jump = pack.deformationJumpSharpness !== null;
    return {
        smooth: [s * d[0], s * d[1], s * d[2]],
        selector: jump ? d[6] : 0,
        jump: jump ? [s * d[3], s * d[4], s * d[5]] : [0, 0, 0],
    };
}

/** w·Δx (cm) at the normalised deformed point: smooth + sigmoid(k·s)·jump. */
export function BackwardDisplacement(pack: ModelPack, alpha: Float32Array, beta: Float32Array, ud: Vec3): Vec3 {
    const f = BackwardField(pack, alpha, beta, ud);
    const m = sigmoid((pack.deformationJumpSharpness ?? 0) * f.selector);
    return [0, 1, 2].map((i) => f.smooth[i] + m * f.jump[i]) as Vec3;
}

/**
 * The stretch carve's share of density kept at every texel of a baked field (shaders/stretchCarve.wgsl):
 * smoothstep(from, to, det(I + ∂(w·Δx)/∂x)), the derivatives from central differences of the joined texels
 * (one-sided at the faces).
 * @param primary the first baked texture's texels (w·a and s), rgba, x fastest
 * @param secondary the second's (w·j), read with a jump only
 */
export function StretchKept(pack: ModelPack, primary: Float32Array, secondary: Float32Array, dims: number[], min: number[], max: number[]): Float32Array {
    const k = pack.deformationJumpSharpness;
    const { from, to } = pack.stretchCarve!;
    const at = (c: number[]): number[] => {
        const i = 4 * (c[0] + dims[0] * (c[1] + dims[1] * c[2]));
        const m = k === null ? 0 : sigmoid(k * primary[i + 3]);
        return [0, 1, 2].map((a) => primary[i + a] + m * secondary[i + a]);
    };
    const out = new Float32Array(dims[0] * dims[1] * dims[2]);
    for (let z = 0; z < dims[2]; z++) {
        for (let y = 0; y < dims[1]; y++) {
            for (let x = 0; x < dims[0]; x++) {
                const id = [x, y, z];
                const J = [0, 1, 2].map((axis) => {
                    const lo = id.slice();
                    const hi = id.slice();
                    lo[axis] = Math.max(id[axis] - 1, 0);
                    hi[axis] = Math.min(id[axis] + 1, dims[axis] - 1);
                    const h = ((hi[axis] - lo[axis]) * (max[axis] - min[axis])) / dims[axis];
                    const [a, b] = [at(lo), at(hi)];
                    return [0, 1, 2].map((r) => (r === axis ? 1 : 0) + (b[r] - a[r]) / h);
                });
                // J[c] is column c (∂x_c/∂x_c-th axis); det of the 3 × 3 matrix with those columns.
                const det =
                    J[0][0] * (J[1][1] * J[2][2] - J[2][1] * J[1][2]) - J[1][0] * (J[0][1] * J[2][2] - J[2][1] * J[0][2]) + J[2][0] * (J[0][1] * J[1][2] - J[1][1] * J[0][2]);
                out[x + dims[0] * (y + dims[1] * z)] = smoothstep(from, to, det);
            }
        }
    }
    return out;
}

/** The boxes and grids a raymarch uses. */
export interface IReferenceVolume {
    pack: ModelPack;
    triplane: IReferenceTriplane;
    /** Per-avatar colour offsets (none: zeros). */
    colourPlanes?: IReferenceColourPlanes;
    /** The photo layer (none: no effect). */
    photoLayer?: IReferencePhotoLayer;
    alpha: Float32Array;
    beta: Float32Array;
    deformedMin: Vec3;
    deformedMax: Vec3;
    stepSize: number;
    maxSteps: number;
    /** Samples per step in the surface window (shaders/raymarch.wgsl; absent or 1: no refinement). */
    surfaceSubsteps?: number;
}

/** A sample whose optical depth over the full step exceeds this (opacity 2 %) starts the surface window (raymarch.wgsl). */
const SurfaceDepth = 0.0202027;
/** The surface window reaches this many steps past the sample that started it. */
const SurfaceWindowSteps = 3;

/** Result of one ray, as the WGSL `NofaRayResult`. */
export interface IReferenceRay {
    color: Vec3;
    alpha: number;
    depthT: number;
    samples: number;
}

function _rayBox(ro: Vec3, rd: Vec3, bmin: Vec3, bmax: Vec3): [number, number] {
    let near = -Infinity;
    let far = Infinity;
    for (let k = 0; k < 3; k++) {
        const d = Math.abs(rd[k]) < 1e-8 ? 1e-8 : rd[k];
        const t0 = (bmin[k] - ro[k]) / d;
        const t1 = (bmax[k] - ro[k]) / d;
        near = Math.max(near, Math.min(t0, t1));
        far = Math.min(far, Math.max(t0, t1));
    }
    return [near, far];
}

const toUnit = (p: Vec3, bmin: Vec3, bmax: Vec3): Vec3 => [0, 1, 2].map((k) => (2 * (p[k] - bmin[k])) / (bmax[k] - bmin[k]) - 1) as Vec3;

/**
 * Front-to-back raymarch with per-sample deformation and no skipping (the reference mode), with the
 * surface window of shaders/raymarch.wgsl when `surfaceSubsteps` > 1.
 */
export function Raymarch(v: IReferenceVolume, ro: Vec3, rd: Vec3): IReferenceRay {
    const r: IReferenceRay = { color: [0, 0, 0], alpha: 0, depthT: 0, samples: 0 };
    const box = v.pack.manifest.canonicalBox;
    const [near, far] = _rayBox(ro, rd, v.deformedMin, v.deformedMax);
    const tStart = Math.max(near, 0);
    if (far <= tStart) {
        return r;
    }
    const dt = v.stepSize;
    const substeps = Math.max(v.surfaceSubsteps ?? 1, 1);
    const fineDt = dt / substeps;
    const steps = Math.min(Math.ceil((far - tStart) / dt), v.maxSteps);
    let refined = substeps <= 1;
    let fineLeft = 0;
    let tFine = 0;
    let transmittance = 1;
    let weightedT = 0;
    let i = 0;
    for (;;) {
        let t = tFine;
        let sampleDt = fineDt;
        if (fineLeft > 0) {
            tFine += fineDt;
            fineLeft--;
        } else {
            if (i >= steps) {
                break;
            }
            t = tStart + (i + 0.5) * dt;
            sampleDt = dt;
            i++;
        }
        const x: Vec3 = [ro[0] + rd[0] * t, ro[1] + rd[1] * t, ro[2] + rd[2] * t];
        r.samples++;
        const d = BackwardDisplacement(v.pack, v.alpha, v.beta, toUnit(x, box.min, box.max));
        const xc: Vec3 = [x[0] + d[0], x[1] + d[1], x[2] + d[2]];
        // The photo layer: its colour at the surface it saw, its slab's density and colour; the slab
        // may reach beyond the canonical box, where the decoder has no volume.
        const ph = PhotoSample(v.photoLayer, xc, rd);
        let density = 0;
        let surface = [0, 0, 0];
        if (xc.every((c, k) => c >= box.min[k] && c <= box.max[k])) {
            const uc = toUnit(xc, box.min, box.max);
            let [cr, cg, cb] = [0, 0, 0];
            [density, cr, cg, cb] = Decode(v.pack, v.triplane, uc);
            density *= ph.volumeKept;
            if (v.colourPlanes) {
                const offset = ColourOffset(v.colourPlanes, uc);
                const logit = (c: number): number => Math.log(c / (1 - c));
                [cr, cg, cb] = [cr, cg, cb].map((c, k) => sigmoid(logit(c) + offset[k]));
            }
            surface = [cr, cg, cb];
        } else if (ph.density <= 0) {
            continue;
        }
        surface = surface.map((c, k) => c + (ph.surfaceColour[k] - c) * ph.surfaceWeight);
        const sigma = density + ph.density;
        if (!refined && sigma * dt > SurfaceDepth) {
            refined = true;
            fineLeft = Math.ceil((SurfaceWindowSteps + 1.5) * substeps);
            tFine = t - dt + 0.5 * fineDt;
            i += SurfaceWindowSteps;
            continue;
        }
        const colour = surface.map((c, k) => (density * c + ph.density * ph.colour[k]) / Math.max(sigma, 1e-6));
        const a = 1 - Math.exp(-sigma * sampleDt);
        const w = transmittance * a;
        r.color[0] += w * colour[0];
        r.color[1] += w * colour[1];
        r.color[2] += w * colour[2];
        weightedT += w * t;
        transmittance *= 1 - a;
        if (transmittance < 0.004) {
            break;
        }
    }
    r.alpha = 1 - transmittance;
    if (r.alpha > 0) {
        r.depthT = weightedT / r.alpha;
    }
    return r;
}

/** Occupancy of one cell of a grid over the deformed box: density (decoder's inside the canonical box, or the photo slab's anywhere) > threshold at any of 3×3×3 points. */
export function CellOccupied(v: IReferenceVolume, dims: Vec3, cell: Vec3, threshold: number): boolean {
    const box = v.pack.manifest.canonicalBox;
    for (let k = 0; k < 27; k++) {
        const f = [(k % 3) * 0.5, (Math.floor(k / 3) % 3) * 0.5, Math.floor(k / 9) * 0.5];
        const x = [0, 1, 2].map((a) => v.deformedMin[a] + ((cell[a] + f[a]) / dims[a]) * (v.deformedMax[a] - v.deformedMin[a])) as Vec3;
        if (PhotoSample(v.photoLayer, x).density > threshold || (x.every((c, a) => c >= box.min[a] && c <= box.max[a]) && Decode(v.pack, v.triplane, toUnit(x, box.min, box.max))[0] > threshold)) {
            return true;
        }
    }
    return false;
}
