import { type IctHeadMesh } from "./ictHeadMesh";
import { type IImagePixels } from "./imagePixels";
import { type ILandmarkFitResult } from "./landmarkFitter";
import { RasterizeTriangle, SampleBilinear } from "./photoTexture";

/** The layer's view of the photo: the photo's camera, cropped and scaled to the marched box. */
export class PhotoLayerCamera {
    /** Row-major 3 × 4: canonical point → (u·w, v·w, w). */
    public readonly projection = new Float32Array(12);
    /** Centimetres per layer pixel at the box centre's depth. */
    public readonly cmPerPixel: number;
    private readonly _x0: number;
    private readonly _y0: number;
    private readonly _spanX: number;
    private readonly _spanY: number;

    /**
     * @param _fit the landmark fit (the photo's camera: rotation, translation, focal length)
     * @param _image the photo
     * @param box the marched box, cm (the layer covers its x–y extent at its centre's depth)
     * @param box.min the box's least corner
     * @param box.max the box's greatest corner
     * @param width layer width, pixels
     * @param height layer height, pixels
     */
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
export interface ISurfaceRaster {
    /** The nearest triangle per pixel; −1 where the mesh does not cover it. */
    triangle: Int32Array;
    /** Its perspective-correct barycentrics, 3 per pixel. */
    bary: Float32Array;
    /** How squarely it faces the camera (cosine). */
    facing: Float32Array;
    /** The nearest surface's distance along the ray, cm (Infinity off the mesh). */
    front: Float32Array;
    /** The farthest surface's distance along the ray, cm (−Infinity off the mesh). */
    back: Float32Array;
}

/**
 * Rasterizes the mesh into the layer (a depth buffer that keeps the farthest distance too).
 * @param mesh the head mesh (its triangles)
 * @param camera the mesh's positions in the photo camera's space
 * @param layer the layer's camera
 * @returns the surface per layer pixel
 */
export function RasterizeSurface(mesh: IctHeadMesh, camera: Float32Array, layer: PhotoLayerCamera): ISurfaceRaster {
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
