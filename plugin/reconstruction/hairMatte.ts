import { NearestPoint3 } from "./fitMath";
import { type IctHeadMesh } from "./ictHeadMesh";
import { type ILandmarkFitResult } from "./landmarkFitter";
import { type PersonMatte } from "./personSegmenter";
import { type ISurfaceRaster, type PhotoLayerCamera } from "./photoLayerCamera";
import { CameraPositions, FacingTrust } from "./photoTexture";

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

/**
 * Coverage of the hair/outline slab: pixels beyond the mesh, above the neck, that show the person
 * (by the person matte; without one, whose colour is near the scalp's and nearer to it than to the
 * background's), connected to the head's outline; small holes closed, edges towards the background
 * softened; then grown 3 pixels over the mesh's outline.
 * @param mesh the head mesh
 * @param canonical the fitted identity's canonical positions (`mesh.positions(α)`)
 * @param fit the landmark fit
 * @param layer the layer's camera
 * @param surface the mesh as the layer sees it
 * @param distance each layer pixel's distance from the mesh (layer pixels)
 * @param rgb the photo's colour per layer pixel (RGB, 0–1)
 * @param inPhoto whether each layer pixel lies inside the photo
 * @param person the person segmenter's matte; without it, colour models of hair, skin and background
 * @returns the matte, 0–1 per layer pixel, `[row][column]`
 */
export function HairMatte(
    mesh: IctHeadMesh,
    canonical: Float32Array,
    fit: ILandmarkFitResult,
    layer: PhotoLayerCamera,
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
function _ColourModels(mesh: IctHeadMesh, canonical: Float32Array, fit: ILandmarkFitResult, layer: PhotoLayerCamera, surface: ISurfaceRaster, rgb: Float32Array, inPhoto: Uint8Array): IColourModels | null {
    const { width } = layer;
    const pixels = width * layer.height;
    const onMesh = (p: number): boolean => surface.triangle[p] >= 0;
    // Hair: the scalp, where the photo shows it squarely.
    const top = TopOfHead(canonical);
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
function _KeepRadiallyConnected(inside: Uint8Array, surface: ISurfaceRaster, layer: PhotoLayerCamera, centre: [number, number]): void {
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
function _HeadCentre(canonical: Float32Array, fit: ILandmarkFitResult, layer: PhotoLayerCamera): [number, number] {
    const top = TopOfHead(canonical);
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

/**
 * Height of the top of the head, cm.
 * @param canonical canonical positions (x, y, z per vertex)
 * @returns the largest y
 */
export function TopOfHead(canonical: Float32Array): number {
    let top = -Infinity;
    for (let i = 1; i < canonical.length; i += 3) {
        top = Math.max(top, canonical[i]);
    }
    return top;
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
            const j = NearestPoint3(centres, rgb, p);
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

function _NearestDistance(rgb: Float32Array, p: number, centres: Float32Array): number {
    const j = NearestPoint3(centres, rgb, p);
    return Math.hypot(rgb[3 * p] - centres[3 * j], rgb[3 * p + 1] - centres[3 * j + 1], rgb[3 * p + 2] - centres[3 * j + 2]);
}
