import { Float32ArrayToHalf } from "../io/float16";
import { type IPhotoLayer } from "../volume/avatarAsset";
import { HairMatte, TopOfHead } from "./hairMatte";
import { type IctHeadMesh } from "./ictHeadMesh";
import { type IImagePixels } from "./imagePixels";
import { type ILandmarkFitResult } from "./landmarkFitter";
import { ChamferPass, MaxFilter, MeanFilter } from "./layerFilters";
import { type PersonMatte } from "./personSegmenter";
import { type ISurfaceRaster, PhotoLayerCamera, RasterizeSurface } from "./photoLayerCamera";
import { CameraPositions, FacingTrust } from "./photoTexture";

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
/**
 * First-surface distance of a layer pixel outside the photo (float16's lowest value): no texel's surface
 * lies there, so the runtime never takes its colour, not even in the photo's own view (where it trusts
 * the photo's colour wholly). Written as the mesh's distance, the photo's own view showed those pixels
 * black wherever the head reached beyond the photo (a crop through the forehead or the chin).
 */
export const NoPhotoSurface = -65504;

/** Share of the slab in front of the outline's mid-depth (hair lies mostly beside and behind the face, not in front of it). */
const _FrontShare = 0.35;
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
 * (smoothed over 1.5 cm, so that neighbouring cards join into one surface), as long as the chord of
 * a shell (the hair's local extent) around a sphere of the head's radius but at most 4 cm, and
 * mostly behind that mid-depth, so turned views see hair beside the head rather than streaks in
 * front of the face.
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
    const camera = new PhotoLayerCamera(fit, image, box, width, height);
    const canonical = mesh.positions(fit.alpha);
    const surface = RasterizeSurface(mesh, CameraPositions(canonical, fit), camera);
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
    const hairMatte = options.hair === false ? new Float32Array(pixels) : HairMatte(mesh, canonical, fit, camera, surface, outline.distance, photoRgb, inPhoto, options.personMatte);
    const depth = _SlabDepths(canonical, camera, surface, outline, hairMatte);
    for (let p = 0; p < pixels; p++) {
        if (!inPhoto[p]) {
            depth[4 * p] = NoPhotoSurface;
        }
    }
    return { layer: { projection: camera.projection, width, height, colour, depth: Float32ArrayToHalf(depth), expression: Float32Array.from(fit.beta) }, hairMatte };
}

/**
 * The layer's depths, `[row][column][4]`: the mesh's nearest distance (where there is none, the
 * outline's mid-depth), the slab's front and back, and its density. The slab lies around the
 * mid-depth of the nearest outline pixel, smoothed (35 % in front, 65 % behind); its length is the chord,
 * along the ray, of a shell of the hair's local extent around a sphere of the head's radius,
 * clamped to 1.5–4 cm.
 */
function _SlabDepths(canonical: Float32Array, layer: PhotoLayerCamera, surface: ISurfaceRaster, outline: IOutlineDistance, matte: Float32Array): Float32Array {
    const { width, height } = layer;
    const pixels = width * height;
    const { distance, mid } = outline;
    // The hair's local extent: the farthest matte pixel from the mesh nearby.
    const extent = new Float32Array(pixels);
    for (let p = 0; p < pixels; p++) {
        extent[p] = matte[p] > 0 ? distance[p] : 0;
    }
    MaxFilter(extent, width, height, _ExtentRadius);
    const radius = _HeadRadius(canonical);
    // The slab's mid-depth, smoothed over the layer: the nearest outline pixel jumps from place to place
    // (jaw, ear, crown), and unsmoothed its mid-depth made blocks of hair at different depths.
    const smoothMid = Float32Array.from(mid, (m, p) => (Number.isFinite(distance[p]) ? m : 0));
    const weight = Float32Array.from(distance, (d) => (Number.isFinite(d) ? 1 : 0));
    MeanFilter(smoothMid, weight, width, height, Math.round(_MidSmoothing / layer.cmPerPixel));
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
    ChamferPass(distance, mid, width, height, 1);
    ChamferPass(distance, mid, width, height, -1);
    return { distance, mid };
}

/** Half the head's width over its top part, cm (the sphere the slab wraps). */
function _HeadRadius(canonical: Float32Array): number {
    const top = TopOfHead(canonical);
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
