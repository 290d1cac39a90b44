import { Float32ArrayToHalf } from "../io/float16";
import { type IPhotoLayer } from "../volume/avatarAsset";
import { type IctHeadMesh } from "./ictHeadMesh";
import { type IImagePixels } from "./imagePixels";
import { type ILandmarkFitResult } from "./landmarkFitter";
import { type PersonMatte } from "./personSegmenter";
import { CameraPositions, FacingTrust, RasterizeTriangle, SampleBilinear } from "./photoTexture";

/** Options of {@link BuildPhotoLayer}. */
export interface IPhotoLayerOptions {
    /** Layer width, pixels; its height follows the box's aspect. Default 320. */
    width?: number;
    /** Whether hair and the head's outline beyond the 3DMM become density (the slab). Default true. */
    hair?: boolean;
    /**
     * Where the photo shows the person ({@link PersonSegmenter}): the hair matte then grows through
     * the person instead of through hair-like colours. Without it the matte needs no model (colour clusters).
     */
    personMatte?: PersonMatte;
}

/** A photo layer and the hair matte it was made with. */
export interface IPhotoLayerResult {
    /** The layer, for `IAvatarAsset.photoLayer`. */
    layer: IPhotoLayer;
    /** Coverage (0–1) of the hair/outline slab per layer pixel, `[row][column]` (zeros when `hair` is false or the background could not be told apart). */
    hairMatte: Float32Array;
}

/** Opacity, along the photo's rays, of the slab where the matte is 1. */
const _HairOpacity = 0.98;
/** Shortest and longest slab along a ray, cm. */
const _MinChord = 1.5;
const _MaxChord = 4;
/** Share of the slab in front of the outline's mid-depth (hair lies mostly beside and behind the face, not in front of it). */
const _FrontShare = 0.35;
/** Width of the layer's border band whose colours model the background (fraction of the side). */
const _BorderBand = 0.05;
/** Background colour clusters, hair colour clusters. */
const _BackgroundClusters = 6;
const _HairClusters = 3;
/** Bounds of the colour distance (RGB, 0–1) within which a pixel counts as hair. */
const _MinHairDistance = 0.08;
const _MaxHairDistance = 0.2;
/** Farthest the slab reaches beyond the mesh's outline, cm. */
const _MaxHairExtent = 7;
/** Least facing trust of a scalp pixel that models the hair (squarely seen: well inside the head's outline). */
const _ScalpTrust = 0.6;
/** Scalp depth (cm below the top of the head) whose colours model the hair. */
const _ScalpDepth = 4;
/** How far (layer pixels) the slab reaches over the mesh's outline. */
const _OutlineOverlap = 3;
/** Radius (cm) of the box filter, applied twice, that smooths the slab's mid-depth. */
const _MidSmoothing = 1.5;
/** Radius (layer pixels) over which a hair pixel looks for the hair's local extent. */
const _ExtentRadius = 12;

/**
 * The photo layer of a reconstruction (the role of NOFA's detail network and its fusion, DESIGN.md
 * §2): the photo resampled over the marched box as its camera sees it, with the depth of the
 * fitted neutral-expression mesh (so a canonical point can tell whether it is the surface the photo
 * showed) and the photo's colour at that surface (taken where the fitted expression moved it, so a
 * smiling photo still colours the neutral head right); and, where the photo shows the person beyond
 * the 3DMM (hair, the head's outline), a slab of density along each ray. The slab's matte needs no
 * model: colours on the scalp model the hair, colours of the layer's border (less the hair-like ones)
 * the background, and the matte grows from the head's outline through pixels like the hair and
 * nearer to it than to the background.
 * The matte keeps only pixels whose path to the head's centre is mostly matte (hair grows out from
 * the head). Its depth: a card along each ray around the mid-depth of the nearest outline pixel
 * (smoothed over 1.5 cm, so that neighbouring cards join into one surface), as long as the chord of a shell (the hair's local extent) around a sphere of the head's radius but
 * at most 4 cm, and mostly behind that mid-depth, so turned views see hair beside the head rather
 * than streaks in front of the face.
 * @param mesh the head mesh
 * @param fit the landmark fit (α, β, camera)
 * @param image the photo
 * @param box the box the runtime marches, cm (the pack's canonical box grown by its largest displacement; the layer covers its x–y extent at the head's depth)
 * @param box.min the box's least corner
 * @param box.max the box's greatest corner
 * @param options size, hair
 * @returns the layer and its hair matte
 */
export function BuildPhotoLayer(mesh: IctHeadMesh, fit: ILandmarkFitResult, image: IImagePixels, box: { min: number[]; max: number[] }, options: IPhotoLayerOptions = {}): IPhotoLayerResult {
    const width = options.width ?? 320;
    const boxWidth = box.max[0] - box.min[0];
    const height = Math.round((width * (box.max[1] - box.min[1])) / boxWidth);
    const camera = new _LayerCamera(fit, image, box, width, height);
    const canonical = mesh.positions(fit.alpha);
    const surface = _RasterizeSurface(mesh, CameraPositions(canonical, fit), camera);
    const colour = new Uint8Array(width * height * 4);
    const expressed = CameraPositions(mesh.positions(fit.alpha, fit.beta), fit);
    const rgb = [0, 0, 0];
    const pixels = width * height;
    const photoRgb = new Float32Array(pixels * 3);
    const inPhoto = new Uint8Array(pixels);
    for (let p = 0; p < pixels; p++) {
        let trust = 0;
        const t = surface.triangle[p];
        let seen: boolean;
        if (t >= 0) {
            // The same surface point under the photo's expression, where the photo shows it.
            const point = [0, 1, 2].map((c) => surface.bary[3 * p] * expressed[3 * mesh.triangles[3 * t] + c] + surface.bary[3 * p + 1] * expressed[3 * mesh.triangles[3 * t + 1] + c] + surface.bary[3 * p + 2] * expressed[3 * mesh.triangles[3 * t + 2] + c]);
            seen = camera.samplePhoto(point, rgb);
            trust = seen ? FacingTrust(surface.facing[p]) : 0;
        } else {
            seen = camera.sampleLayerPixel(p % width, Math.floor(p / width), rgb);
        }
        inPhoto[p] = seen ? 1 : 0;
        for (let c = 0; c < 3; c++) {
            photoRgb[3 * p + c] = rgb[c];
            colour[4 * p + c] = Math.round(255 * rgb[c]);
        }
        colour[4 * p + 3] = Math.round(255 * trust);
    }
    const outline = _OutlineDistance(surface, width, height);
    const hairMatte = options.hair === false ? new Float32Array(pixels) : _HairMatte(mesh, canonical, fit, camera, surface, outline.distance, photoRgb, inPhoto, options.personMatte);
    const depth = _SlabDepths(canonical, camera, surface, outline, hairMatte);
    return { layer: { projection: camera.projection, width, height, colour, depth: Float32ArrayToHalf(depth), expression: Float32Array.from(fit.beta) }, hairMatte };
}

/** The layer's view of the photo: the photo's camera, cropped and scaled to the marched box. */
class _LayerCamera {
    /** Row-major 3 × 4: canonical point → (u·w, v·w, w). */
    public readonly projection = new Float32Array(12);
    /** Centimetres per layer pixel at the box centre's depth. */
    public readonly cmPerPixel: number;
    private readonly _x0: number;
    private readonly _y0: number;
    private readonly _spanX: number;
    private readonly _spanY: number;

    constructor(
        private readonly _fit: ILandmarkFitResult,
        private readonly _image: IImagePixels,
        box: { min: number[]; max: number[] },
        public readonly width: number,
        public readonly height: number
    ) {
        const r = _fit.rotation;
        const t = _fit.translation;
        const f = _fit.focal;
        const centre = [0, 1, 2].map((k) => (box.min[k] + box.max[k]) / 2);
        const cam = [0, 1, 2].map((k) => r[3 * k] * centre[0] + r[3 * k + 1] * centre[1] + r[3 * k + 2] * centre[2] + t[k]);
        const scale = f / -cam[2];
        this._spanX = (box.max[0] - box.min[0]) * scale;
        this._spanY = (box.max[1] - box.min[1]) * scale;
        this._x0 = _image.width / 2 + cam[0] * scale - this._spanX / 2;
        this._y0 = _image.height / 2 - cam[1] * scale - this._spanY / 2;
        this.cmPerPixel = (box.max[0] - box.min[0]) / width;
        const rowW = [-r[6], -r[7], -r[8], -t[2]];
        for (let k = 0; k < 4; k++) {
            const photoX = f * (k < 3 ? r[k] : t[0]) + (_image.width / 2) * rowW[k];
            const photoY = -f * (k < 3 ? r[3 + k] : t[1]) + (_image.height / 2) * rowW[k];
            this.projection[k] = (photoX - this._x0 * rowW[k]) / this._spanX;
            this.projection[4 + k] = (photoY - this._y0 * rowW[k]) / this._spanY;
            this.projection[8 + k] = rowW[k];
        }
    }

    /** A camera-space point in layer pixels (x, y) and its distance w; null behind the camera. */
    public toLayer(p: ArrayLike<number>, offset = 0): [number, number, number] | null {
        const w = -p[offset + 2];
        if (w <= 1e-3) {
            return null;
        }
        const photoX = this._image.width / 2 + (this._fit.focal * p[offset]) / w;
        const photoY = this._image.height / 2 - (this._fit.focal * p[offset + 1]) / w;
        return [((photoX - this._x0) / this._spanX) * this.width, ((photoY - this._y0) / this._spanY) * this.height, w];
    }

    /** The photo's colour at a camera-space point into `out`; false (and black) where the photo does not reach. */
    public samplePhoto(p: number[], out: number[]): boolean {
        const w = -p[2];
        return w > 1e-3 && this._sample(this._image.width / 2 + (this._fit.focal * p[0]) / w, this._image.height / 2 - (this._fit.focal * p[1]) / w, out);
    }

    /** The photo's colour at the centre of layer pixel (x, y) into `out`; false (and black) outside the photo. */
    public sampleLayerPixel(x: number, y: number, out: number[]): boolean {
        return this._sample(...this.photoPosition(x, y), out);
    }

    /** The photo position (px) of the centre of layer pixel (x, y). */
    public photoPosition(x: number, y: number): [number, number] {
        return [this._x0 + ((x + 0.5) / this.width) * this._spanX, this._y0 + ((y + 0.5) / this.height) * this._spanY];
    }

    /** Index of the layer pixel at a photo position (px); −1 outside the layer. */
    public layerPixel(photoX: number, photoY: number): number {
        const x = Math.floor(((photoX - this._x0) / this._spanX) * this.width);
        const y = Math.floor(((photoY - this._y0) / this._spanY) * this.height);
        return x >= 0 && y >= 0 && x < this.width && y < this.height ? y * this.width + x : -1;
    }

    /** Layer row of a photo row. */
    public layerRow(photoY: number): number {
        return ((photoY - this._y0) / this._spanY) * this.height;
    }

    private _sample(photoX: number, photoY: number, out: number[]): boolean {
        if (photoX < 0.5 || photoY < 0.5 || photoX > this._image.width - 1.5 || photoY > this._image.height - 1.5) {
            out.fill(0);
            return false;
        }
        SampleBilinear(this._image, photoX - 0.5, photoY - 0.5, out);
        return true;
    }
}

/** The canonical mesh as the layer sees it: per pixel the nearest surface (triangle, perspective-correct barycentrics, facing) and the nearest and farthest distances. */
interface ISurfaceRaster {
    triangle: Int32Array;
    bary: Float32Array;
    facing: Float32Array;
    front: Float32Array;
    back: Float32Array;
}

function _RasterizeSurface(mesh: IctHeadMesh, camera: Float32Array, layer: _LayerCamera): ISurfaceRaster {
    const pixels = layer.width * layer.height;
    const raster: ISurfaceRaster = {
        triangle: new Int32Array(pixels).fill(-1),
        bary: new Float32Array(3 * pixels),
        facing: new Float32Array(pixels),
        front: new Float32Array(pixels).fill(Infinity),
        back: new Float32Array(pixels).fill(-Infinity),
    };
    const x = [0, 0, 0];
    const y = [0, 0, 0];
    const w = [0, 0, 0];
    for (let t = 0; t < mesh.triangleCount; t++) {
        let behind = false;
        for (let k = 0; k < 3; k++) {
            const q = layer.toLayer(camera, 3 * mesh.triangles[3 * t + k]);
            behind ||= q === null;
            [x[k], y[k], w[k]] = q ?? [0, 0, 0];
        }
        if (behind) {
            continue;
        }
        const facing = _Facing(camera, mesh.triangles, t);
        RasterizeTriangle(x, y, layer.width, layer.height, (px, py, b0, b1) => {
            // Perspective-correct: 1/w is linear in screen space.
            const inverse = [b0 / w[0], b1 / w[1], (1 - b0 - b1) / w[2]];
            const d = 1 / (inverse[0] + inverse[1] + inverse[2]);
            const p = py * layer.width + px;
            raster.back[p] = Math.max(raster.back[p], d);
            if (d < raster.front[p]) {
                raster.front[p] = d;
                raster.triangle[p] = t;
                raster.facing[p] = facing;
                for (let k = 0; k < 3; k++) {
                    raster.bary[3 * p + k] = inverse[k] * d;
                }
            }
        });
    }
    return raster;
}

/** Cosine between a triangle's outward normal and the direction to the camera (at its centroid). */
function _Facing(camera: Float32Array, triangles: Uint32Array, t: number): number {
    const [i0, i1, i2] = [3 * triangles[3 * t], 3 * triangles[3 * t + 1], 3 * triangles[3 * t + 2]];
    const e1 = [0, 1, 2].map((c) => camera[i1 + c] - camera[i0 + c]);
    const e2 = [0, 1, 2].map((c) => camera[i2 + c] - camera[i0 + c]);
    const n = [e1[1] * e2[2] - e1[2] * e2[1], e1[2] * e2[0] - e1[0] * e2[2], e1[0] * e2[1] - e1[1] * e2[0]];
    const p = [0, 1, 2].map((c) => (camera[i0 + c] + camera[i1 + c] + camera[i2 + c]) / 3);
    const length = Math.hypot(...n) * Math.hypot(...p);
    return length > 0 ? -(n[0] * p[0] + n[1] * p[1] + n[2] * p[2]) / length : 0;
}

/**
 * Coverage of the hair/outline slab: pixels beyond the mesh, above the neck, that show the person
 * (by the person matte; without one, whose colour is near the scalp's and nearer to it than to the
 * background's), connected to the head's outline; small holes closed, edges towards the background
 * softened; then grown 3 pixels over the mesh's outline.
 */
function _HairMatte(
    mesh: IctHeadMesh,
    canonical: Float32Array,
    fit: ILandmarkFitResult,
    layer: _LayerCamera,
    surface: ISurfaceRaster,
    distance: Float32Array,
    rgb: Float32Array,
    inPhoto: Uint8Array,
    person: PersonMatte | undefined
): Float32Array {
    const { width, height } = layer;
    const pixels = width * height;
    const matte = new Float32Array(pixels);
    const onMesh = (p: number): boolean => surface.triangle[p] >= 0;
    const models = person ? null : _ColourModels(mesh, canonical, fit, layer, surface, rgb, inPhoto);
    if (!models && !person) {
        return matte;
    }
    // Rows below the neck take no slab (shoulders and clothes are not the head).
    const chin = layer.layerRow(fit.projected[2 * 8 + 1]);
    const brow = layer.layerRow(Math.min(fit.projected[2 * 19 + 1], fit.projected[2 * 24 + 1]));
    const lastRow = Math.min(height - 1, Math.floor(chin + 0.3 * (chin - brow)));
    const candidate = new Uint8Array(pixels);
    for (let p = 0; p < lastRow * width + width; p++) {
        if (!inPhoto[p] || onMesh(p) || distance[p] * layer.cmPerPixel > _MaxHairExtent) {
            continue;
        }
        if (person) {
            candidate[p] = person.probabilityAt(...layer.photoPosition(p % width, Math.floor(p / width))) >= 0.5 ? 1 : 0;
        } else if (models) {
            const toHair = _NearestDistance(rgb, p, models.hairCentres);
            const hairLike = toHair < models.hairThreshold && toHair < _NearestDistance(rgb, p, models.skinCentres);
            candidate[p] = hairLike && (!models.backgroundCentres || toHair < _NearestDistance(rgb, p, models.backgroundCentres)) ? 1 : 0;
        }
    }
    // Grow from candidates touching the head's outline.
    const queue: number[] = [];
    const inside = new Uint8Array(pixels);
    const neighbours = (p: number): number[] => {
        const x = p % width;
        return [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, p - width, p + width].filter((q) => q >= 0 && q < pixels);
    };
    for (let p = 0; p < pixels; p++) {
        if (candidate[p] && neighbours(p).some(onMesh)) {
            inside[p] = 1;
            queue.push(p);
        }
    }
    for (let head = 0; head < queue.length; head++) {
        for (const q of neighbours(queue[head])) {
            if (candidate[q] && !inside[q]) {
                inside[q] = 1;
                queue.push(q);
            }
        }
    }
    _KeepRadiallyConnected(inside, surface, layer, _HeadCentre(canonical, fit, layer));
    // Close holes (pixels beyond the mesh mostly surrounded by the matte), then soften the edges.
    for (let pass = 0; pass < 2; pass++) {
        const closed = Uint8Array.from(inside);
        for (let y = 1; y < Math.min(lastRow + 1, height - 1); y++) {
            for (let x = 1; x < width - 1; x++) {
                const p = y * width + x;
                if (!inside[p] && !onMesh(p) && inPhoto[p]) {
                    let around = 0;
                    for (let dy = -1; dy <= 1; dy++) {
                        for (let dx = -1; dx <= 1; dx++) {
                            around += inside[p + dy * width + dx];
                        }
                    }
                    closed[p] = around >= 5 ? 1 : 0;
                }
            }
        }
        inside.set(closed);
    }
    // Soften the edges towards the background; towards the mesh the slab stays whole.
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            const p = y * width + x;
            if (onMesh(p)) {
                continue;
            }
            let sum = 0;
            let n = 0;
            for (let dy = -1; dy <= 1; dy++) {
                for (let dx = -1; dx <= 1; dx++) {
                    const [qx, qy] = [x + dx, y + dy];
                    if (qx >= 0 && qy >= 0 && qx < width && qy < height) {
                        const q = qy * width + qx;
                        sum += inside[q] || onMesh(q) ? 1 : 0;
                        n++;
                    }
                }
            }
            matte[p] = inside[p] ? sum / n : 0;
        }
    }
    // Reach a little over the mesh's outline, where the volume's own silhouette may fall short of the
    // mesh's: else a crack of background shows between the head and its hair.
    for (let pass = 0; pass < _OutlineOverlap; pass++) {
        const grown = Float32Array.from(matte);
        for (let p = 0; p < pixels; p++) {
            if (onMesh(p) && matte[p] === 0) {
                for (const q of neighbours(p)) {
                    grown[p] = Math.max(grown[p], matte[q]);
                }
            }
        }
        matte.set(grown);
    }
    return matte;
}

/**
 * The layer's depths, `[row][column][4]`: the mesh's nearest distance (where there is none, the
 * outline's mid-depth), the slab's front and back, and its density. The slab lies around the
 * mid-depth of the nearest outline pixel, smoothed (35 % in front, 65 % behind); its length is the chord,
 * along the ray, of a shell of the hair's local extent around a sphere of the head's radius,
 * clamped to 1.5–4 cm.
 */
function _SlabDepths(canonical: Float32Array, layer: _LayerCamera, surface: ISurfaceRaster, outline: IOutlineDistance, matte: Float32Array): Float32Array {
    const { width, height } = layer;
    const pixels = width * height;
    const { distance, mid } = outline;
    // The hair's local extent: the farthest matte pixel from the mesh nearby.
    const extent = new Float32Array(pixels);
    for (let p = 0; p < pixels; p++) {
        extent[p] = matte[p] > 0 ? distance[p] : 0;
    }
    _MaxFilter(extent, width, height, _ExtentRadius);
    const radius = _HeadRadius(canonical);
    // The slab's mid-depth, smoothed over the layer: the nearest outline pixel jumps from place to place
    // (jaw, ear, crown), and unsmoothed its mid-depth made blocks of hair at different depths.
    const smoothMid = Float32Array.from(mid, (m, p) => (Number.isFinite(distance[p]) ? m : 0));
    const weight = Float32Array.from(distance, (d) => (Number.isFinite(d) ? 1 : 0));
    _MeanFilter(smoothMid, weight, width, height, Math.round(_MidSmoothing / layer.cmPerPixel));
    const depth = new Float32Array(4 * pixels);
    for (let p = 0; p < pixels; p++) {
        const d = distance[p] * layer.cmPerPixel;
        const shell = radius + extent[p] * layer.cmPerPixel + 0.5;
        const chord = Math.min(_MaxChord, Math.max(_MinChord, 2 * Math.sqrt(Math.max(0, shell * shell - (radius + d) ** 2))));
        const m = Number.isFinite(distance[p]) ? (surface.triangle[p] >= 0 ? mid[p] : smoothMid[p]) : 0;
        depth[4 * p] = surface.triangle[p] >= 0 ? surface.front[p] : m;
        // Over the mesh (the outline's overlap) the slab starts at the surface: it fills the gap behind
        // it, and a turned view does not see it in front of the face.
        depth[4 * p + 1] = surface.triangle[p] >= 0 ? Math.max(m - _FrontShare * chord, surface.front[p]) : m - _FrontShare * chord;
        depth[4 * p + 2] = m + (1 - _FrontShare) * chord;
        depth[4 * p + 3] = matte[p] > 0 ? -Math.log(1 - _HairOpacity * matte[p]) / chord : 0;
    }
    return depth;
}

/** Distance (layer pixels) of each pixel from the mesh, and the mid-depth (cm) of the nearest mesh pixel. */
interface IOutlineDistance {
    distance: Float32Array;
    mid: Float32Array;
}

function _OutlineDistance(surface: ISurfaceRaster, width: number, height: number): IOutlineDistance {
    const pixels = width * height;
    const distance = new Float32Array(pixels).fill(Infinity);
    const mid = new Float32Array(pixels);
    for (let p = 0; p < pixels; p++) {
        if (surface.triangle[p] >= 0) {
            distance[p] = 0;
            mid[p] = (surface.front[p] + surface.back[p]) / 2;
        }
    }
    _ChamferPass(distance, mid, width, height, 1);
    _ChamferPass(distance, mid, width, height, -1);
    return { distance, mid };
}

/** Colour clusters (RGB, 0–1) of the hair, the skin and the background, and how near the hair's a pixel must be. */
interface IColourModels {
    hairCentres: Float32Array;
    hairThreshold: number;
    skinCentres: Float32Array;
    /** Null when the layer's border shows too little that is not hair. */
    backgroundCentres: Float32Array | null;
}

/**
 * The matte's colour models: the scalp where the photo shows it squarely (hair; colours like the
 * cheeks' skin dropped), the cheeks (skin), and the layer's border band beyond the mesh less its
 * hair-like colours (background). Null when the photo shows too little scalp that is not skin.
 */
function _ColourModels(mesh: IctHeadMesh, canonical: Float32Array, fit: ILandmarkFitResult, layer: _LayerCamera, surface: ISurfaceRaster, rgb: Float32Array, inPhoto: Uint8Array): IColourModels | null {
    const { width } = layer;
    const pixels = width * layer.height;
    const onMesh = (p: number): boolean => surface.triangle[p] >= 0;
    // Hair: the scalp, where the photo shows it squarely.
    const top = _TopOfHead(canonical);
    const hair: number[] = [];
    for (let p = 0; p < pixels; p++) {
        const t = surface.triangle[p];
        if (t >= 0 && t < mesh.skinTriangleCount && inPhoto[p] && FacingTrust(surface.facing[p]) > _ScalpTrust) {
            const y = [0, 1, 2].reduce((sum, k) => sum + surface.bary[3 * p + k] * canonical[3 * mesh.triangles[3 * t + k] + 1], 0);
            if (y > top - _ScalpDepth) {
                hair.push(p);
            }
        }
    }
    if (hair.length < 30) {
        return null;
    }
    // Skin: the cheeks, between the jaw line's landmarks and the nose tip; hair colours like it are dropped (a bare scalp, a forehead).
    const skin: number[] = [];
    for (const k of [1, 2, 3, 4, 5, 11, 12, 13, 14, 15]) {
        for (const f of [0.3, 0.4, 0.5]) {
            const px = fit.projected[2 * k] + f * (fit.projected[2 * 30] - fit.projected[2 * k]);
            const py = fit.projected[2 * k + 1] + f * (fit.projected[2 * 30 + 1] - fit.projected[2 * k + 1]);
            const p = layer.layerPixel(px, py);
            if (p >= 0 && inPhoto[p]) {
                skin.push(p);
            }
        }
    }
    if (skin.length < 5) {
        return null;
    }
    const skinCentres = _KMeans(rgb, skin, 2);
    const notSkin = hair.filter((p) => _NearestDistance(rgb, p, skinCentres) > _MinHairDistance);
    if (notSkin.length < 30) {
        return null;
    }
    const hairCentres = _KMeans(rgb, notSkin, _HairClusters);
    const hairSpread = notSkin.map((p) => _NearestDistance(rgb, p, hairCentres)).sort((a, b) => a - b);
    const hairThreshold = Math.min(_MaxHairDistance, Math.max(_MinHairDistance, 1.5 * hairSpread[Math.floor(0.9 * (hairSpread.length - 1))]));
    // Background: the border band (top and sides) beyond the mesh, less what looks like the hair
    // (long hair often reaches the border).
    const band = Math.max(2, Math.round(_BorderBand * width));
    const background: number[] = [];
    for (let p = 0; p < pixels; p++) {
        const x = p % width;
        const y = Math.floor(p / width);
        if (inPhoto[p] && !onMesh(p) && (y < band || x < band || x >= width - band) && _NearestDistance(rgb, p, hairCentres) > hairThreshold) {
            background.push(p);
        }
    }
    const backgroundCentres = background.length >= 50 ? _KMeans(rgb, background, _BackgroundClusters) : null;
    return { hairCentres, hairThreshold, skinCentres, backgroundCentres };
}

/** Share of the way from a matte pixel to the head's centre that must be matte (or mesh). */
const _RadialCover = 0.7;

/**
 * In place: drops matte pixels whose straight path to the head's centre is not mostly matte or mesh
 * (hair grows out from the head; a lamp post or a shelf that touches it does not).
 */
function _KeepRadiallyConnected(inside: Uint8Array, surface: ISurfaceRaster, layer: _LayerCamera, centre: [number, number]): void {
    const { width } = layer;
    const keep = Uint8Array.from(inside);
    for (let p = 0; p < inside.length; p++) {
        if (!inside[p]) {
            continue;
        }
        const x = (p % width) + 0.5;
        const y = Math.floor(p / width) + 0.5;
        const steps = Math.ceil(Math.hypot(centre[0] - x, centre[1] - y));
        let covered = 0;
        let n = 0;
        for (let k = 1; k <= steps; k++, n++) {
            const q = Math.floor(y + ((centre[1] - y) * k) / steps) * width + Math.floor(x + ((centre[0] - x) * k) / steps);
            if (surface.triangle[q] >= 0) {
                break;
            }
            covered += inside[q];
        }
        keep[p] = n === 0 || covered >= _RadialCover * n ? 1 : 0;
    }
    inside.set(keep);
}

/** The head's centre (centroid of the top of the canonical head) in layer pixels. */
function _HeadCentre(canonical: Float32Array, fit: ILandmarkFitResult, layer: _LayerCamera): [number, number] {
    const top = _TopOfHead(canonical);
    const sum = [0, 0, 0];
    let n = 0;
    for (let i = 0; i < canonical.length; i += 3) {
        if (canonical[i + 1] > top - 12) {
            for (let c = 0; c < 3; c++) {
                sum[c] += canonical[i + c];
            }
            n++;
        }
    }
    const camera = CameraPositions(Float32Array.from(sum, (v) => v / n), fit);
    const q = layer.toLayer(camera);
    return q ? [q[0], q[1]] : [layer.width / 2, layer.height / 2];
}

/** Height of the top of the head (the mesh's largest y), cm. */
function _TopOfHead(canonical: Float32Array): number {
    let top = -Infinity;
    for (let i = 1; i < canonical.length; i += 3) {
        top = Math.max(top, canonical[i]);
    }
    return top;
}

/** Half the head's width over its top part, cm (the sphere the slab wraps). */
function _HeadRadius(canonical: Float32Array): number {
    const top = _TopOfHead(canonical);
    let minX = Infinity;
    let maxX = -Infinity;
    for (let i = 0; i < canonical.length; i += 3) {
        if (canonical[i + 1] > top - 8) {
            minX = Math.min(minX, canonical[i]);
            maxX = Math.max(maxX, canonical[i]);
        }
    }
    return (maxX - minX) / 2;
}

/** One sweep of a two-pass chamfer distance transform, carrying `value` from the nearest source. */
function _ChamferPass(distance: Float32Array, value: Float32Array, width: number, height: number, direction: 1 | -1): void {
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

/** In place: each value becomes the weighted mean within a square of the given radius, twice (separable: rows, then columns); `weights` become their own means. */
function _MeanFilter(values: Float32Array, weights: Float32Array, width: number, height: number, radius: number): void {
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

/** In place: each value becomes the largest within a square of the given radius (separable: rows, then columns). */
function _MaxFilter(values: Float32Array, width: number, height: number, radius: number): void {
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

/** k-means (Lloyd, 10 iterations, deterministic start) of the colours at `indices`; the centres, `[k][3]`. */
function _KMeans(rgb: Float32Array, indices: number[], k: number): Float32Array {
    const count = Math.min(k, indices.length);
    const centres = new Float32Array(3 * count);
    for (let j = 0; j < count; j++) {
        const p = indices[Math.floor(((j + 0.5) * indices.length) / count)];
        centres.set(rgb.subarray(3 * p, 3 * p + 3), 3 * j);
    }
    const sums = new Float64Array(4 * count);
    for (let iteration = 0; iteration < 10; iteration++) {
        sums.fill(0);
        for (const p of indices) {
            const j = _NearestCentre(rgb, p, centres);
            for (let c = 0; c < 3; c++) {
                sums[4 * j + c] += rgb[3 * p + c];
            }
            sums[4 * j + 3]++;
        }
        for (let j = 0; j < count; j++) {
            for (let c = 0; c < 3 && sums[4 * j + 3] > 0; c++) {
                centres[3 * j + c] = sums[4 * j + c] / sums[4 * j + 3];
            }
        }
    }
    return centres;
}

function _NearestCentre(rgb: Float32Array, p: number, centres: Float32Array): number {
    let best = 0;
    let bestDistance = Infinity;
    for (let j = 0; j < centres.length / 3; j++) {
        const d = (rgb[3 * p] - centres[3 * j]) ** 2 + (rgb[3 * p + 1] - centres[3 * j + 1]) ** 2 + (rgb[3 * p + 2] - centres[3 * j + 2]) ** 2;
        if (d < bestDistance) {
            bestDistance = d;
            best = j;
        }
    }
    return best;
}

function _NearestDistance(rgb: Float32Array, p: number, centres: Float32Array): number {
    const j = _NearestCentre(rgb, p, centres);
    return Math.hypot(rgb[3 * p] - centres[3 * j], rgb[3 * p + 1] - centres[3 * j + 1], rgb[3 * p + 2] - centres[3 * j + 2]);
}
