import { type IImagePixels } from "./imagePixels";
import { MaxFilter } from "./layerFilters";
import { InterOcularDistance, MultiPie68Regions } from "./multiPie68";

/** Grid cells per inter-ocular distance (the mask's resolution, whatever the photo's). */
const _CellsPerIod = 48;
/** Margin of the analysed region around the landmarks (it reaches the scalp), inter-ocular distances. */
const _Margin = 1.6;
/** How far the face region reaches beyond the jaw contour and brows, inter-ocular distances. */
const _FaceGrowth = 0.1;
/** How far around the eyes, brows and lips the mask never reaches, inter-ocular distances. */
const _FeatureMargin = 0.12;
/** Radius of the discs (cheeks, nose bridge) whose colours model the skin, inter-ocular distances. */
const _SkinSampleRadius = 0.2;
/** How far above the brows the scalp whose colours model the hair begins, and how far beyond the mesh it reaches, inter-ocular distances. */
const _ScalpAboveBrows = 0.8;
const _ScalpBeyondMesh = 0.4;
/** Least spread of a colour model's chromaticity (r, g) and log-luminance (towards darker, towards brighter). */
const _MinChromaSpread = 0.02;
const _MinDarkerSpread = 0.35;
const _MinBrighterSpread = 0.5;
/** Robust distance from the skin model beyond which a colour may be what covers the skin (when nearer the hair's). */
const _NotSkinDistance = 3;
/** Robust distance from the skin model beyond which a colour covers the skin whatever the hair's colour. */
const _FarFromSkin = 6;
/** Fewest cells that make a colour model. */
const _MinSamples = 8;

/** The corners of a convex-enough polygon, `[x0, y0, x1, y1, …]`. */
type Polygon = number[];

/**
 * Where the photo shows something in front of the face's skin: hair falling over a cheek or a
 * temple, the background or a neighbour where the fitted mesh reaches past the face's edge. The
 * projection colours the mesh with the photo, so such pixels would paint hair onto the cheek, and
 * a turned view would show it spread over the face; where the mirror image shows skin, the
 * projection takes the mirror's colour instead (`IProjectedPhoto.givesWay`).
 *
 * The mask needs no model: the skin's colour is modelled from the cheeks and the nose bridge
 * (median and spread of chromaticity and luminance); a pixel inside the face (the jaw contour and
 * the brows, grown a little) that is not skin-coloured, away from the eyes, brows and lips, is
 * occluded when it connects through such pixels to the face's edge (hair and background come from
 * outside; a mole or a painted dot does not).
 */
export class OccludedSkin {
    private constructor(
        private readonly _mask: Uint8Array,
        private readonly _x0: number,
        private readonly _y0: number,
        private readonly _cell: number,
        private readonly _columns: number,
        private readonly _rows: number
    ) {}

    /**
     * Finds the occluded skin of one face.
     * @param image the photo
     * @param landmarks the fitted mesh's 68 landmarks in the photo, `[x0, y0, …]`, px
     * @param onMesh whether the fitted mesh covers a photo position (px)
     * @returns the mask
     */
    public static Find(image: IImagePixels, landmarks: ArrayLike<number>, onMesh: (x: number, y: number) => boolean): OccludedSkin {
        const iod = InterOcularDistance(landmarks);
        const cell = Math.max(1, iod / _CellsPerIod);
        let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
        for (let i = 0; i < landmarks.length; i += 2) {
            minX = Math.min(minX, landmarks[i]);
            maxX = Math.max(maxX, landmarks[i]);
            minY = Math.min(minY, landmarks[i + 1]);
            maxY = Math.max(maxY, landmarks[i + 1]);
        }
        const x0 = Math.max(0, Math.floor(minX - _Margin * iod));
        const y0 = Math.max(0, Math.floor(minY - _Margin * iod));
        const columns = Math.max(1, Math.floor((Math.min(image.width, Math.ceil(maxX + _Margin * iod)) - x0) / cell));
        const rows = Math.max(1, Math.floor((Math.min(image.height, Math.ceil(maxY + _Margin * iod)) - y0) / cell));
        const cells = columns * rows;
        const colour = _CellColours(image, x0, y0, cell, columns, rows);
        const centre = (k: number): [number, number] => [x0 + ((k % columns) + 0.5) * cell, y0 + (Math.floor(k / columns) + 0.5) * cell];
        const face = _FacePolygon(landmarks);
        const features = [MultiPie68Regions.rightBrow, MultiPie68Regions.leftBrow, MultiPie68Regions.rightEye, MultiPie68Regions.leftEye, MultiPie68Regions.outerLips].map(([a, b]) => _Points(landmarks, a, b));
        // 0: outside the face or not on the mesh; 1: a feature (never masked); 2: the face's skin or what covers it.
        const region = new Uint8Array(cells);
        const nearMesh = new Float32Array(cells);
        for (let k = 0; k < cells; k++) {
            const [x, y] = centre(k);
            nearMesh[k] = onMesh(x, y) ? 1 : 0;
            if (!nearMesh[k] || _PolygonDistance(face, x, y) > _FaceGrowth * iod) {
                continue;
            }
            region[k] = features.some((f) => _PolygonDistance(f, x, y) <= _FeatureMargin * iod) ? 1 : 2;
        }
        const skin = _ColourModel(colour, _SkinCells(region, centre, landmarks, iod));
        const mask = new Uint8Array(cells);
        if (!skin) {
            return new OccludedSkin(mask, x0, y0, cell, columns, rows);
        }
        MaxFilter(nearMesh, columns, rows, Math.round(_ScalpBeyondMesh * _CellsPerIod));
        const hair = _ColourModel(colour, _ScalpCells(region, nearMesh, centre, landmarks, iod));
        // Not skin: far from the skin's colours, and nearer the hair's than the skin's (a shadowed cheek is
        // darker than the lit skin, but nearer it than dark hair), or very far from the skin's (the background).
        const candidate = (k: number): boolean => {
            if (region[k] !== 2) {
                return false;
            }
            const toSkin = _ModelDistance(colour, k, skin);
            return toSkin > _FarFromSkin || (toSkin > _NotSkinDistance && (!hair || _ModelDistance(colour, k, hair) < toSkin));
        };
        // Grow from candidates on the face's edge (next to a cell outside the face or off the mesh).
        const queue: number[] = [];
        const neighbours = (k: number): number[] => {
            const c = k % columns;
            return [c > 0 ? k - 1 : -1, c < columns - 1 ? k + 1 : -1, k - columns, k + columns].filter((q) => q >= 0 && q < cells);
        };
        for (let k = 0; k < cells; k++) {
            if (candidate(k) && neighbours(k).some((q) => region[q] === 0)) {
                mask[k] = 1;
                queue.push(k);
            }
        }
        for (let head = 0; head < queue.length; head++) {
            for (const q of neighbours(queue[head])) {
                if (!mask[q] && candidate(q)) {
                    mask[q] = 1;
                    queue.push(q);
                }
            }
        }
        return new OccludedSkin(mask, x0, y0, cell, columns, rows);
    }

    /**
     * Whether the photo shows something in front of the face's skin at a photo position.
     * @param x column, px
     * @param y row, px
     * @returns true where occluded
     */
    public isOccluded(x: number, y: number): boolean {
        const c = Math.floor((x - this._x0) / this._cell);
        const r = Math.floor((y - this._y0) / this._cell);
        return c >= 0 && r >= 0 && c < this._columns && r < this._rows && this._mask[r * this._columns + c] === 1;
    }

    /** How many cells of the mask (each 1/48 of the inter-ocular distance square) are occluded. */
    public get occludedCells(): number {
        return this._mask.reduce((sum, m) => sum + m, 0);
    }
}

/** A colour model: medians and robust spreads of chromaticity (r, g) and log-luminance. */
interface IColourModel {
    median: [number, number, number];
    /** Spreads of r, g, and of log-luminance towards darker colours. */
    spread: [number, number, number];
    /** Spread of log-luminance towards brighter colours (highlights). */
    brighterSpread: number;
}

/** Each cell's mean colour as chromaticity r, g and log-luminance, `[cell][3]`. */
function _CellColours(image: IImagePixels, x0: number, y0: number, cell: number, columns: number, rows: number): Float32Array {
    const sums = new Float64Array(columns * rows * 4);
    const x1 = Math.min(image.width, Math.floor(x0 + columns * cell));
    const y1 = Math.min(image.height, Math.floor(y0 + rows * cell));
    for (let y = y0; y < y1; y++) {
        const r = Math.min(rows - 1, Math.floor((y - y0) / cell));
        for (let x = x0; x < x1; x++) {
            const k = r * columns + Math.min(columns - 1, Math.floor((x - x0) / cell));
            const i = 4 * (y * image.width + x);
            sums[4 * k] += image.data[i];
            sums[4 * k + 1] += image.data[i + 1];
            sums[4 * k + 2] += image.data[i + 2];
            sums[4 * k + 3] += 1;
        }
    }
    const out = new Float32Array(columns * rows * 3);
    for (let k = 0; k < columns * rows; k++) {
        const n = Math.max(1, sums[4 * k + 3]) * 255;
        const [r, g, b] = [sums[4 * k] / n, sums[4 * k + 1] / n, sums[4 * k + 2] / n];
        const total = r + g + b + 1e-3;
        out[3 * k] = r / total;
        out[3 * k + 1] = g / total;
        out[3 * k + 2] = Math.log(total / 3 + 0.02);
    }
    return out;
}

/** Average of some landmarks, px. */
function _Mean(landmarks: ArrayLike<number>, ...indices: number[]): [number, number] {
    let [x, y] = [0, 0];
    for (const i of indices) {
        x += landmarks[2 * i] / indices.length;
        y += landmarks[2 * i + 1] / indices.length;
    }
    return [x, y];
}

/** Cells of the face near both mid-cheeks (between the jaw contour, the lower lid, the nose's wing and the mouth's corner) and the nose bridge. */
function _SkinCells(region: Uint8Array, centre: (k: number) => [number, number], landmarks: ArrayLike<number>, iod: number): number[] {
    const discs = [_Mean(landmarks, 2, 40, 31, 48), _Mean(landmarks, 14, 47, 35, 54), _Mean(landmarks, 28, 29)];
    const out: number[] = [];
    for (let k = 0; k < region.length; k++) {
        const [x, y] = centre(k);
        if (region[k] === 2 && discs.some(([cx, cy]) => Math.hypot(x - cx, y - cy) <= _SkinSampleRadius * iod)) {
            out.push(k);
        }
    }
    return out;
}

/** Cells well above the brows (along the face's own up, chin to brows), on the mesh or just beyond it: the scalp's hair (or a bald head and the background). */
function _ScalpCells(region: Uint8Array, nearMesh: Float32Array, centre: (k: number) => [number, number], landmarks: ArrayLike<number>, iod: number): number[] {
    const brows = _Mean(landmarks, 19, 24);
    const chin = _Mean(landmarks, 8);
    const length = Math.hypot(brows[0] - chin[0], brows[1] - chin[1]) || 1;
    const up = [(brows[0] - chin[0]) / length, (brows[1] - chin[1]) / length];
    const out: number[] = [];
    for (let k = 0; k < region.length; k++) {
        const [x, y] = centre(k);
        if (region[k] === 0 && nearMesh[k] > 0 && (x - brows[0]) * up[0] + (y - brows[1]) * up[1] > _ScalpAboveBrows * iod) {
            out.push(k);
        }
    }
    return out;
}

/** The colour model of some cells; null with too few. */
function _ColourModel(colour: Float32Array, cells: number[]): IColourModel | null {
    if (cells.length < _MinSamples) {
        return null;
    }
    const samples = [0, 1, 2].map((c) => cells.map((k) => colour[3 * k + c]));
    const median = samples.map(_Median) as [number, number, number];
    const mad = samples.map((s, c) => 1.4826 * _Median(s.map((v) => Math.abs(v - median[c]))));
    return {
        median,
        spread: [Math.max(mad[0], _MinChromaSpread), Math.max(mad[1], _MinChromaSpread), Math.max(mad[2], _MinDarkerSpread)],
        brighterSpread: Math.max(mad[2], _MinBrighterSpread),
    };
}

/** A cell's robust distance from a colour model: its largest deviation in any channel, in that channel's spreads. */
function _ModelDistance(colour: Float32Array, k: number, model: IColourModel): number {
    const darker = model.median[2] - colour[3 * k + 2];
    const luminance = darker > 0 ? darker / model.spread[2] : -darker / model.brighterSpread;
    return Math.max(Math.abs(colour[3 * k] - model.median[0]) / model.spread[0], Math.abs(colour[3 * k + 1] - model.median[1]) / model.spread[1], luminance);
}

function _Median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
}

/** The face: the jaw contour, then the brows from the left back to the right. */
function _FacePolygon(landmarks: ArrayLike<number>): Polygon {
    const [jaw0, jaw1] = MultiPie68Regions.jaw;
    return [..._Points(landmarks, jaw0, jaw1), ..._Points(landmarks, MultiPie68Regions.leftBrow[0], MultiPie68Regions.leftBrow[1], true), ..._Points(landmarks, MultiPie68Regions.rightBrow[0], MultiPie68Regions.rightBrow[1], true)];
}

function _Points(landmarks: ArrayLike<number>, first: number, last: number, reversed = false): Polygon {
    const out: Polygon = [];
    for (let i = first; i <= last; i++) {
        const j = reversed ? first + last - i : i;
        out.push(landmarks[2 * j], landmarks[2 * j + 1]);
    }
    return out;
}

/** Distance from a point to a closed polygon (0 inside, by the even–odd rule). */
function _PolygonDistance(polygon: Polygon, x: number, y: number): number {
    const n = polygon.length / 2;
    let inside = false;
    let nearest = Infinity;
    for (let i = 0, j = n - 1; i < n; j = i++) {
        const [ax, ay, bx, by] = [polygon[2 * j], polygon[2 * j + 1], polygon[2 * i], polygon[2 * i + 1]];
        if (ay > y !== by > y && x < ((bx - ax) * (y - ay)) / (by - ay) + ax) {
            inside = !inside;
        }
        const ex = bx - ax;
        const ey = by - ay;
        const t = Math.max(0, Math.min(1, ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey || 1)));
        nearest = Math.min(nearest, Math.hypot(x - ax - t * ex, y - ay - t * ey));
    }
    return inside ? 0 : nearest;
}
