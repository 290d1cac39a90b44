import { type IctHeadMesh } from "./ictHeadMesh";
import { type IImagePixels } from "./imagePixels";
import { type ILandmarkFitResult } from "./landmarkFitter";

/** An RGB texture in ICT's texture layout, row 0 at v = 1. */
export interface IHeadTexture {
    /** Width, texels. */
    width: number;
    /** Height, texels. */
    height: number;
    /** ICT u range the width covers (2 for the skin's two tiles, 1 for the eyeballs). */
    uSpan: number;
    /** RGB in [0, 1], `[height][width][3]` (sRGB, as in the photo). */
    rgb: Float32Array;
    /** How much of each texel's colour the photo gave (0: filled in from its neighbours). */
    weight: Float32Array;
}

/**
 * Points on the mesh at the centres of the texels its triangles cover in texture space: each is
 * a triangle and barycentric weights, so it can be placed on the mesh for any α and β.
 */
export interface IMeshTexels {
    /** Texel index (`y · width + x`) of each point. */
    texel: Uint32Array;
    /** Triangle of each point. */
    triangle: Uint32Array;
    /** Barycentric weights of the triangle's first two corners, `[n][2]`. */
    bary: Float32Array;
}

/** The photo projected onto the fitted mesh: skin and eyeball textures and their texel points. */
export interface IProjectedPhoto {
    /** Face, head and neck: ICT tiles 0–1. */
    skin: IHeadTexture;
    /** Both eyeballs (ICT gives them the same layout, so the texture is their average). */
    eyes: IHeadTexture;
    /** Points of the skin texture. */
    skinTexels: IMeshTexels;
    /** Points of the eye texture. */
    eyeTexels: IMeshTexels;
}

/** Options of {@link ProjectPhotoOntoMesh}. */
export interface IProjectPhotoOptions {
    /** Height of the skin texture (its width is twice that), texels. Default 512. */
    skinSize?: number;
    /** Size of the eye texture, texels. Default 128. */
    eyeSize?: number;
}

/** Cosine of the viewing angle below which a surface point takes no colour from the photo. */
const _MinFacing = 0.15;
/** How much a point's mirror image counts against a point seen directly. */
const _MirrorTrust = 0.6;
/** Depth tolerance of the visibility test, cm. */
const _DepthTolerance = 0.4;
/**
 * Longest side (px) of the depth buffer that decides visibility; larger photos get a coarser buffer,
 * so it holds at most 2048² floats (16 MB) where a photo's full size took 4 bytes a pixel (192 MB for a
 * 48 MP phone photo). The visibility test's 0.4 cm tolerance does not need more.
 */
const _MaxDepthBufferSide = 2048;

/**
 * Projects the photo onto the fitted 3DMM (the fit's α, β and camera): each texel of ICT's texture
 * layout takes the photo's colour where the mesh shows it to the camera (a depth buffer of the
 * whole mesh decides), weighted by how squarely it faces the camera; where it is hidden or grazing,
 * the colour of its mirror image (x → −x) is used if that was seen; what neither shows is filled
 * from the nearest colours (pull–push).
 * @param mesh the head mesh
 * @param fit the landmark fit (α, β, rotation, translation, focal)
 * @param image the photo
 * @param options texture sizes
 * @returns the textures and their texel points
 */
export function ProjectPhotoOntoMesh(mesh: IctHeadMesh, fit: ILandmarkFitResult, image: IImagePixels, options: IProjectPhotoOptions = {}): IProjectedPhoto {
    const skinSize = options.skinSize ?? 512;
    const eyeSize = options.eyeSize ?? 128;
    const camera = CameraPositions(mesh.positions(fit.alpha, fit.beta), fit);
    const depth = new _DepthBuffer(image.width, image.height, fit.focal, camera, mesh.triangles, mesh.triangleCount);
    const project = (texels: IMeshTexels, texture: IHeadTexture): void => {
        const sum = new Float32Array(texture.rgb.length);
        const weights = new Float32Array(texture.weight.length);
        const colour = [0, 0, 0];
        for (let n = 0; n < texels.triangle.length; n++) {
            const t = texels.triangle[n];
            const b0 = texels.bary[2 * n];
            const b1 = texels.bary[2 * n + 1];
            const own = _SeenColour(camera, mesh.triangles, t, b0, b1, null, depth, image, fit.focal, colour);
            let w = own;
            const k = texels.texel[n];
            for (let c = 0; c < 3; c++) {
                sum[3 * k + c] += own * colour[c];
            }
            if (own < 1) {
                const mirrored = _MirrorTrust * (1 - own) * _SeenColour(camera, mesh.triangles, t, b0, b1, mesh.mirror, depth, image, fit.focal, colour);
                w += mirrored;
                for (let c = 0; c < 3; c++) {
                    sum[3 * k + c] += mirrored * colour[c];
                }
            }
            weights[k] += w;
        }
        for (let k = 0; k < weights.length; k++) {
            const w = weights[k];
            texture.weight[k] = Math.min(w, 1);
            for (let c = 0; c < 3 && w > 0; c++) {
                texture.rgb[3 * k + c] = sum[3 * k + c] / w;
            }
        }
        _PullPushFill(texture);
    };
    const skinTexels = RasterizeMeshTexels(mesh, 0, mesh.skinTriangleCount, 2 * skinSize, skinSize, 2);
    const eyeTexels = RasterizeMeshTexels(mesh, mesh.skinTriangleCount, mesh.triangleCount, eyeSize, eyeSize, 1);
    const skin = _EmptyTexture(2 * skinSize, skinSize, 2);
    const eyes = _EmptyTexture(eyeSize, eyeSize, 1);
    project(skinTexels, skin);
    project(eyeTexels, eyes);
    return { skin, eyes, skinTexels, eyeTexels };
}

/**
 * The texel centres that triangles `[from, to)` cover in texture space (a point for every
 * triangle that covers a texel, so texels on shared layouts get one per triangle).
 * @param mesh the head mesh
 * @param from first triangle
 * @param to one past the last triangle
 * @param width texture width
 * @param height texture height
 * @param uSpan the u range the width covers
 * @returns the points
 */
export function RasterizeMeshTexels(mesh: IctHeadMesh, from: number, to: number, width: number, height: number, uSpan: number): IMeshTexels {
    const texel: number[] = [];
    const triangle: number[] = [];
    const bary: number[] = [];
    const uv = mesh.cornerUvs;
    for (let t = from; t < to; t++) {
        const x = [0, 1, 2].map((k) => (uv[6 * t + 2 * k] / uSpan) * width);
        const y = [0, 1, 2].map((k) => (1 - uv[6 * t + 2 * k + 1]) * height);
        RasterizeTriangle(x, y, width, height, (px, py, b0, b1) => {
            texel.push(py * width + px);
            triangle.push(t);
            bary.push(b0, b1);
        });
    }
    return { texel: Uint32Array.from(texel), triangle: Uint32Array.from(triangle), bary: Float32Array.from(bary) };
}

function _EmptyTexture(width: number, height: number, uSpan: number): IHeadTexture {
    return { width, height, uSpan, rgb: new Float32Array(width * height * 3), weight: new Float32Array(width * height) };
}

/**
 * Camera-space positions `R·X + t` (cm; the camera looks along −z).
 * @param positions mesh positions `[n][3]`, cm
 * @param fit the fit's camera (rotation, translation)
 * @returns the positions in the camera's frame
 */
export function CameraPositions(positions: Float32Array, fit: ILandmarkFitResult): Float32Array {
    const r = fit.rotation;
    const t = fit.translation;
    const out = new Float32Array(positions.length);
    for (let i = 0; i < positions.length; i += 3) {
        const [x, y, z] = [positions[i], positions[i + 1], positions[i + 2]];
        for (let k = 0; k < 3; k++) {
            out[i + k] = r[3 * k] * x + r[3 * k + 1] * y + r[3 * k + 2] * z + t[k];
        }
    }
    return out;
}

/**
 * Calls `visit(x, y, b0, b1)` for each pixel centre (x + ½, y + ½) inside the triangle (corners in
 * pixels), with the barycentric weights of its first two corners.
 * @param x the corners' x, px
 * @param y the corners' y, px
 * @param width raster width (pixels outside are skipped)
 * @param height raster height
 * @param visit called per covered pixel
 */
export function RasterizeTriangle(x: number[], y: number[], width: number, height: number, visit: (px: number, py: number, b0: number, b1: number) => void): void {
    const det = (x[1] - x[0]) * (y[2] - y[0]) - (x[2] - x[0]) * (y[1] - y[0]);
    if (Math.abs(det) < 1e-12) {
        return;
    }
    const minX = Math.max(0, Math.floor(Math.min(x[0], x[1], x[2]) - 0.5));
    const maxX = Math.min(width - 1, Math.ceil(Math.max(x[0], x[1], x[2]) - 0.5));
    const minY = Math.max(0, Math.floor(Math.min(y[0], y[1], y[2]) - 0.5));
    const maxY = Math.min(height - 1, Math.ceil(Math.max(y[0], y[1], y[2]) - 0.5));
    const eps = -1e-6;
    for (let py = minY; py <= maxY; py++) {
        const cy = py + 0.5;
        for (let px = minX; px <= maxX; px++) {
            const cx = px + 0.5;
            const b1 = ((cx - x[0]) * (y[2] - y[0]) - (x[2] - x[0]) * (cy - y[0])) / det;
            const b2 = ((x[1] - x[0]) * (cy - y[0]) - (cx - x[0]) * (y[1] - y[0])) / det;
            const b0 = 1 - b1 - b2;
            if (b0 >= eps && b1 >= eps && b2 >= eps) {
                visit(px, py, b0, b1);
            }
        }
    }
}

/** Nearest camera distance (−z) of the mesh per photo pixel (per pixel of a coarser grid over a photo larger than {@link _MaxDepthBufferSide}). */
class _DepthBuffer {
    private readonly _depth: Float32Array;
    private readonly _width: number;
    private readonly _scale: number;

    /**
     * Rasterises the mesh's nearest depth as the photo's camera sees it, at most
     * {@link _MaxDepthBufferSide} px on its longer side.
     * @param photoWidth the photo's width, px
     * @param photoHeight the photo's height, px
     * @param focal the camera's focal length, photo px
     * @param camera camera-space positions, cm
     * @param triangles the mesh's triangles
     * @param triangleCount how many to draw
     */
    constructor(photoWidth: number, photoHeight: number, focal: number, camera: Float32Array, triangles: Uint32Array, triangleCount: number) {
        this._scale = Math.min(1, _MaxDepthBufferSide / Math.max(photoWidth, photoHeight));
        const width = Math.ceil(photoWidth * this._scale);
        const height = Math.ceil(photoHeight * this._scale);
        this._width = width;
        this._depth = new Float32Array(width * height).fill(Infinity);
        const s = this._scale;
        const x = [0, 0, 0];
        const y = [0, 0, 0];
        const z = [0, 0, 0];
        for (let t = 0; t < triangleCount; t++) {
            let behind = false;
            for (let k = 0; k < 3; k++) {
                const v = 3 * triangles[3 * t + k];
                z[k] = -camera[v + 2];
                behind ||= z[k] <= 0;
                x[k] = s * (photoWidth / 2 + (focal * camera[v]) / z[k]);
                y[k] = s * (photoHeight / 2 - (focal * camera[v + 1]) / z[k]);
            }
            if (behind) {
                continue;
            }
            RasterizeTriangle(x, y, width, height, (px, py, b0, b1) => {
                // Perspective-correct depth: 1/z is linear in screen space.
                const d = 1 / (b0 / z[0] + b1 / z[1] + (1 - b0 - b1) / z[2]);
                const i = py * width + px;
                if (d < this._depth[i]) {
                    this._depth[i] = d;
                }
            });
        }
    }

    /**
     * The nearest surface's distance at a photo position.
     * @param u column, photo px (inside the photo)
     * @param v row, photo px
     * @returns the distance, cm (Infinity where no surface)
     */
    public nearestAt(u: number, v: number): number {
        return this._depth[Math.floor(v * this._scale) * this._width + Math.floor(u * this._scale)];
    }
}

/**
 * The photo's colour at a surface point (triangle t, barycentric b0, b1; through `mirror` when
 * given, the point's mirror image) into `out`, and its weight: 0 when hidden or facing away.
 */
function _SeenColour(
    camera: Float32Array,
    triangles: Uint32Array,
    t: number,
    b0: number,
    b1: number,
    mirror: Uint32Array | null,
    depth: _DepthBuffer,
    image: IImagePixels,
    focal: number,
    out: number[]
): number {
    let v0 = triangles[3 * t];
    let v1 = triangles[3 * t + 1];
    let v2 = triangles[3 * t + 2];
    if (mirror) {
        v0 = mirror[v0];
        v1 = mirror[v1];
        v2 = mirror[v2];
    }
    const [i0, i1, i2] = [3 * v0, 3 * v1, 3 * v2];
    const b2 = 1 - b0 - b1;
    const px = b0 * camera[i0] + b1 * camera[i1] + b2 * camera[i2];
    const py = b0 * camera[i0 + 1] + b1 * camera[i1 + 1] + b2 * camera[i2 + 1];
    const pz = b0 * camera[i0 + 2] + b1 * camera[i1 + 2] + b2 * camera[i2 + 2];
    const e1x = camera[i1] - camera[i0];
    const e1y = camera[i1 + 1] - camera[i0 + 1];
    const e1z = camera[i1 + 2] - camera[i0 + 2];
    const e2x = camera[i2] - camera[i0];
    const e2y = camera[i2 + 1] - camera[i0 + 1];
    const e2z = camera[i2 + 2] - camera[i0 + 2];
    // Mirroring flips the winding, so the outward normal flips sign with it.
    const sign = mirror ? -1 : 1;
    const nx = sign * (e1y * e2z - e1z * e2y);
    const ny = sign * (e1z * e2x - e1x * e2z);
    const nz = sign * (e1x * e2y - e1y * e2x);
    const nLength = Math.hypot(nx, ny, nz);
    const pLength = Math.hypot(px, py, pz);
    if (nLength === 0 || pz >= 0) {
        return 0;
    }
    const facing = -(nx * px + ny * py + nz * pz) / (nLength * pLength);
    if (facing <= _MinFacing) {
        return 0;
    }
    const z = -pz;
    const u = image.width / 2 + (focal * px) / z;
    const v = image.height / 2 - (focal * py) / z;
    if (u < 0.5 || v < 0.5 || u > image.width - 1.5 || v > image.height - 1.5) {
        return 0;
    }
    if (z > depth.nearestAt(u, v) + _DepthTolerance) {
        return 0;
    }
    SampleBilinear(image, u - 0.5, v - 0.5, out);
    return FacingTrust(facing);
}

/**
 * How far a photo's colour is trusted on a surface that faces its camera at this cosine: 0 below
 * a grazing limit, rising to 1 well before the surface faces the camera squarely.
 * @param facing cosine between the surface normal and the direction to the camera
 * @returns 0 to 1
 */
export function FacingTrust(facing: number): number {
    const w = Math.max(0, (facing - _MinFacing) / (1 - _MinFacing));
    return Math.min(1, 2 * w) ** 2;
}

/**
 * The image's bilinear colour (0–1) at (x, y) in pixel-centre coordinates (pixel i's centre is i), into `out`.
 * The caller keeps (x, y) at least one pixel inside the image's right and bottom edges.
 * @param image the photo
 * @param x column, px
 * @param y row, px
 * @param out receives r, g, b
 */
export function SampleBilinear(image: IImagePixels, x: number, y: number, out: number[]): void {
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const ax = x - x0;
    const ay = y - y0;
    const d = image.data;
    const i00 = (y0 * image.width + x0) * 4;
    const i10 = i00 + image.width * 4;
    for (let c = 0; c < 3; c++) {
        const top = d[i00 + c] * (1 - ax) + d[i00 + 4 + c] * ax;
        const bottom = d[i10 + c] * (1 - ax) + d[i10 + 4 + c] * ax;
        out[c] = (top * (1 - ay) + bottom * ay) / 255;
    }
}

/**
 * Fills texels of low weight from coarser averages of their neighbourhood (pull–push): a texel
 * keeps `weight` of its own colour and takes the rest from the next coarser level.
 */
function _PullPushFill(texture: IHeadTexture): void {
    const levels: { w: number; h: number; rgb: Float32Array; weight: Float32Array }[] = [{ w: texture.width, h: texture.height, rgb: texture.rgb, weight: Float32Array.from(texture.weight) }];
    while (levels[levels.length - 1].w > 1 || levels[levels.length - 1].h > 1) {
        const fine = levels[levels.length - 1];
        const w = Math.max(1, fine.w >> 1);
        const h = Math.max(1, fine.h >> 1);
        const rgb = new Float32Array(w * h * 3);
        const weight = new Float32Array(w * h);
        for (let y = 0; y < fine.h; y++) {
            for (let x = 0; x < fine.w; x++) {
                const i = y * fine.w + x;
                const j = Math.min(y >> 1, h - 1) * w + Math.min(x >> 1, w - 1);
                const a = fine.weight[i];
                weight[j] += a;
                for (let c = 0; c < 3; c++) {
                    rgb[3 * j + c] += a * fine.rgb[3 * i + c];
                }
            }
        }
        for (let j = 0; j < w * h; j++) {
            if (weight[j] > 0) {
                for (let c = 0; c < 3; c++) {
                    rgb[3 * j + c] /= weight[j];
                }
            }
            weight[j] = Math.min(weight[j], 1);
        }
        levels.push({ w, h, rgb, weight });
    }
    for (let l = levels.length - 2; l >= 0; l--) {
        const fine = levels[l];
        const coarse = levels[l + 1];
        for (let y = 0; y < fine.h; y++) {
            for (let x = 0; x < fine.w; x++) {
                const i = y * fine.w + x;
                const j = Math.min(y >> 1, coarse.h - 1) * coarse.w + Math.min(x >> 1, coarse.w - 1);
                const keep = fine.weight[i];
                for (let c = 0; c < 3; c++) {
                    fine.rgb[3 * i + c] = keep * fine.rgb[3 * i + c] + (1 - keep) * coarse.rgb[3 * j + c];
                }
                if (l > 0) {
                    fine.weight[i] = 1;
                }
            }
        }
    }
}
