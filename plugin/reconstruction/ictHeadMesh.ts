import { ArkitNames } from "../expression/arkitNames";
import { FloatToHalf, HalfArrayToFloat32, HalfToFloat } from "../io/float16";
import { type FileReader } from "../io/fileSource";
import { ReadDerivedFileAsync, ReconstructionError } from "./reconstructionError";

const _Magic = 0x4d544349; // "ICTM", little-endian
const _Version = 1;
const _HeaderWords = 8;
const _IdentityCount = 20;
/** Expression deltas below this (cm) are left out of the sparse rows (float16 rounds at ~10 µm anyway). */
const _SparseThreshold = 1e-3;
// ICT-FaceKit's vertex ranges (inclusive), see ../shared/ict-facekit/README.md.
const _SkinRange: [number, number] = [0, 11247]; // face, head and neck
const _EyeballRange: [number, number] = [21451, 24590];
const _InteriorRange: [number, number] = [11248, 21450]; // mouth socket, eye sockets, gums, tongue, teeth
const _InteriorStride = 4;

/** One expression mode as sparse rows: the vertices it moves and by how much (cm per unit β). */
export interface ISparseExpressionMode {
    /** Indices of the moved vertices. */
    indices: Uint32Array;
    /** Their deltas, `[indices.length][3]`. */
    deltas: Float32Array;
}

/** The arrays of an {@link IctHeadMesh}, as its constructor takes them. */
export interface IIctHeadMeshData {
    /** Neutral positions `[V][3]`, cm. */
    neutral: Float32Array;
    /** Identity rows `[K][V][3]`. */
    identity: Float32Array;
    /** Number of identity modes K. */
    identityCount: number;
    /** 53 expression modes in ArkitNames order. */
    expressions: ISparseExpressionMode[];
    /** Triangles `[T][3]`, skin triangles first, then the eyeballs'. */
    triangles: Uint32Array;
    /** How many of the triangles are skin (face, head, neck). */
    skinTriangleCount: number;
    /** ICT texture coordinates per triangle corner `[T][3][2]` (skin in u ∈ [0, 2], eyeballs in [0, 1]). */
    cornerUvs: Float32Array;
    /** For each vertex, the vertex at its mirror image (x → −x) on the neutral mesh. */
    mirror: Uint32Array;
    /** Points inside the mouth and eye sockets (no texture), neutral `[P][3]`. */
    interiorNeutral: Float32Array;
    /** Their identity rows `[K][P][3]`. */
    interiorIdentity: Float32Array;
}

/**
 * The ICT-FaceKit mesh that photo reconstruction textures and exports: skin (face, head, neck) and
 * eyeballs with ICT's texture coordinates, the first 20 identity modes, the 53 ARKit expression
 * modes (sparse), a mirror map for filling what the photo does not show from the other side, and
 * a sample of points inside the mouth and eye sockets. Centimetres, +y up, +z out of the face.
 *
 * Two sources, as for {@link IctLandmarkBasis}: the full ICT data in a folder
 * ({@link IctHeadMesh.FromIctFolderAsync}) or the derived file
 * `plugin/reconstruction/data/ict-head-mesh.bin` (committed, ≈ 3 MB, {@link IctHeadMesh.LoadAsync}),
 * written by `npx tsx test/reconstruction/writeIctHeadMesh.ts`. The file: eight uint32 (magic
 * "ICTM", version 1, V, K, T, skin triangles, interior points P, expression modes), then each array
 * of {@link IIctHeadMeshData} in order (positions float32, modes and uvs float16, indices uint16 or,
 * for the sparse counts, uint32), each padded to 4 bytes. 3DMM: ICT-FaceKit, MIT.
 */
export class IctHeadMesh implements IIctHeadMeshData {
    /** Neutral positions `[V][3]`, cm. */
    public readonly neutral: Float32Array;
    /** Identity rows `[K][V][3]`. */
    public readonly identity: Float32Array;
    /** Number of identity modes K. */
    public readonly identityCount: number;
    /** 53 expression modes in ArkitNames order (sparse). */
    public readonly expressions: ISparseExpressionMode[];
    /** Triangles `[T][3]`, skin first, then the eyeballs'. */
    public readonly triangles: Uint32Array;
    /** How many of the triangles are skin. */
    public readonly skinTriangleCount: number;
    /** ICT texture coordinates per triangle corner `[T][3][2]`. */
    public readonly cornerUvs: Float32Array;
    /** For each vertex, the vertex at its mirror image (x → −x). */
    public readonly mirror: Uint32Array;
    /** Points inside the mouth and eye sockets, neutral `[P][3]`. */
    public readonly interiorNeutral: Float32Array;
    /** Their identity rows `[K][P][3]`. */
    public readonly interiorIdentity: Float32Array;

    /**
     * @param data the arrays (see {@link IIctHeadMeshData})
     */
    constructor(data: IIctHeadMeshData) {
        const v = data.neutral.length / 3;
        const t = data.triangles.length / 3;
        const p = data.interiorNeutral.length / 3;
        const ok =
            Number.isInteger(v) &&
            Number.isInteger(t) &&
            data.identity.length === data.identityCount * v * 3 &&
            data.expressions.length === ArkitNames.length &&
            data.expressions.every((e) => e.deltas.length === 3 * e.indices.length && e.indices.every((i) => i < v)) &&
            data.skinTriangleCount <= t &&
            data.cornerUvs.length === t * 6 &&
            data.mirror.length === v &&
            data.interiorIdentity.length === data.identityCount * p * 3 &&
            data.triangles.every((i) => i < v) &&
            data.mirror.every((i) => i < v);
        if (!ok) {
            throw new ReconstructionError("BAD_BASIS", "head mesh arrays are inconsistent (lengths or indices)");
        }
        this.neutral = data.neutral;
        this.identity = data.identity;
        this.identityCount = data.identityCount;
        this.expressions = data.expressions;
        this.triangles = data.triangles;
        this.skinTriangleCount = data.skinTriangleCount;
        this.cornerUvs = data.cornerUvs;
        this.mirror = data.mirror;
        this.interiorNeutral = data.interiorNeutral;
        this.interiorIdentity = data.interiorIdentity;
    }

    /** Number of vertices V. */
    public get vertexCount(): number {
        return this.neutral.length / 3;
    }

    /** Number of triangles T. */
    public get triangleCount(): number {
        return this.triangles.length / 3;
    }

    /**
     * Vertex positions for given weights; modes beyond the arrays count as zero.
     * @param alpha identity weights (the first `alpha.length` modes)
     * @param beta expression weights in ArkitNames order (or none: neutral)
     * @returns `[V][3]` positions, cm
     */
    public positions(alpha: ArrayLike<number>, beta?: ArrayLike<number>): Float32Array {
        const out = _AddModes(this.neutral, this.identity, alpha, this.identityCount);
        for (let m = 0; beta && m < Math.min(beta.length, this.expressions.length); m++) {
            const b = beta[m];
            if (b === 0) {
                continue;
            }
            const { indices, deltas } = this.expressions[m];
            for (let j = 0; j < indices.length; j++) {
                const o = 3 * indices[j];
                out[o] += b * deltas[3 * j];
                out[o + 1] += b * deltas[3 * j + 1];
                out[o + 2] += b * deltas[3 * j + 2];
            }
        }
        return out;
    }

    /**
     * Positions of the interior points (neutral expression).
     * @param alpha identity weights
     * @returns `[P][3]` positions, cm
     */
    public interiorPositions(alpha: ArrayLike<number>): Float32Array {
        return _AddModes(this.interiorNeutral, this.interiorIdentity, alpha, this.identityCount);
    }

    /**
     * Builds the mesh from the full ICT-FaceKit data (`manifest.json`, `neutral.f32`,
     * `identity_modes.f16`, `expression_modes.f16`, `triangles.i32`, `triangle_uvs.i32`, `uvs.f32`).
     * Values are rounded as the derived file stores them, so serialising gives that file.
     * @param reader reads files of the ICT folder (e.g. `DiskReader("../shared/ict-facekit")` in Node)
     * @returns the mesh
     */
    public static async FromIctFolderAsync(reader: FileReader): Promise<IctHeadMesh> {
        let manifest: { vertexCount?: unknown; expressionNames?: unknown };
        let files: ArrayBuffer[];
        try {
            manifest = JSON.parse(new TextDecoder().decode(await reader("manifest.json")));
            files = await Promise.all(["neutral.f32", "identity_modes.f16", "expression_modes.f16", "triangles.i32", "triangle_uvs.i32", "uvs.f32"].map((f) => reader(f)));
        } catch (e) {
            throw new ReconstructionError("BAD_BASIS", `cannot read the ICT-FaceKit folder: ${(e as Error).message}`);
        }
        const names = manifest.expressionNames;
        const total = manifest.vertexCount;
        if (typeof total !== "number" || !Array.isArray(names) || names.some((n, i) => n !== ArkitNames[i]) || names.length !== ArkitNames.length) {
            throw new ReconstructionError("BAD_BASIS", "manifest.json lacks vertexCount or the 53 ICT/ARKit expression names");
        }
        const [neutralAll, identityAll, expressionAll, trianglesAll, triangleUvsAll, uvsAll] = [
            new Float32Array(files[0]),
            new Uint16Array(files[1]),
            new Uint16Array(files[2]),
            new Int32Array(files[3]),
            new Int32Array(files[4]),
            new Float32Array(files[5]),
        ];
        if (neutralAll.length !== 3 * total || identityAll.length < _IdentityCount * 3 * total || expressionAll.length !== ArkitNames.length * 3 * total) {
            throw new ReconstructionError("BAD_BASIS", "ICT-FaceKit binaries have unexpected sizes");
        }
        // Kept vertices: skin then eyeballs; `remap` takes ICT indices to ours.
        const kept: number[] = [];
        const remap = new Int32Array(total).fill(-1);
        for (const [a, b] of [_SkinRange, _EyeballRange]) {
            for (let i = a; i <= b; i++) {
                remap[i] = kept.length;
                kept.push(i);
            }
        }
        const skinVertices = _SkinRange[1] - _SkinRange[0] + 1;
        const gather = (source: Uint16Array | Float32Array, indices: number[], modes: number, half: boolean): Float32Array => {
            const out = new Float32Array(modes * indices.length * 3);
            for (let m = 0; m < modes; m++) {
                for (let j = 0; j < indices.length; j++) {
                    for (let c = 0; c < 3; c++) {
                        const value = source[(m * total + indices[j]) * 3 + c];
                        out[(m * indices.length + j) * 3 + c] = half ? HalfToFloat(value) : value;
                    }
                }
            }
            return out;
        };
        const neutral = gather(neutralAll, kept, 1, false);
        const identity = gather(identityAll, kept, _IdentityCount, true);
        const expressions = ArkitNames.map((_, m) => {
            const rows = gather(expressionAll.subarray(m * 3 * total, (m + 1) * 3 * total), kept, 1, true);
            const indices: number[] = [];
            for (let j = 0; j < kept.length; j++) {
                if (Math.max(Math.abs(rows[3 * j]), Math.abs(rows[3 * j + 1]), Math.abs(rows[3 * j + 2])) >= _SparseThreshold) {
                    indices.push(j);
                }
            }
            return { indices: Uint32Array.from(indices), deltas: Float32Array.from(indices.flatMap((j) => [rows[3 * j], rows[3 * j + 1], rows[3 * j + 2]])) };
        });
        const skinTris: number[] = [];
        const eyeTris: number[] = [];
        for (let t = 0; t < trianglesAll.length / 3; t++) {
            const corners = [0, 1, 2].map((k) => remap[trianglesAll[3 * t + k]]);
            if (corners.some((c) => c < 0)) {
                continue;
            }
            (corners[0] < skinVertices ? skinTris : eyeTris).push(t);
        }
        const order = [...skinTris, ...eyeTris];
        const triangles = new Uint32Array(order.length * 3);
        const cornerUvs = new Float32Array(order.length * 6);
        order.forEach((t, n) => {
            for (let k = 0; k < 3; k++) {
                triangles[3 * n + k] = remap[trianglesAll[3 * t + k]];
                const uv = triangleUvsAll[3 * t + k];
                cornerUvs[6 * n + 2 * k] = HalfToFloat(FloatToHalf(uvsAll[2 * uv]));
                cornerUvs[6 * n + 2 * k + 1] = HalfToFloat(FloatToHalf(uvsAll[2 * uv + 1]));
            }
        });
        const interior: number[] = [];
        for (let i = _InteriorRange[0]; i <= _InteriorRange[1]; i += _InteriorStride) {
            interior.push(i);
        }
        return new IctHeadMesh({
            neutral,
            identity,
            identityCount: _IdentityCount,
            expressions,
            triangles,
            skinTriangleCount: skinTris.length,
            cornerUvs,
            mirror: _MirrorMap(neutral, skinVertices),
            interiorNeutral: gather(neutralAll, interior, 1, false),
            interiorIdentity: gather(identityAll, interior, _IdentityCount, true),
        });
    }

    /**
     * Parses the derived binary (see the class description).
     * @param buffer the file's bytes
     * @returns the mesh
     */
    public static FromBinary(buffer: ArrayBuffer): IctHeadMesh {
        if (buffer.byteLength < 4 * _HeaderWords) {
            throw new ReconstructionError("BAD_BASIS", "head mesh file is truncated");
        }
        const [magic, version, v, k, t, skin, p, modes] = new Uint32Array(buffer, 0, _HeaderWords);
        if (magic !== _Magic || version !== _Version || modes !== ArkitNames.length) {
            throw new ReconstructionError("BAD_BASIS", "not an ICT head mesh file (magic, version or expression count)");
        }
        const reader = new _SectionReader(buffer, 4 * _HeaderWords);
        const neutral = reader.float32(3 * v);
        const identity = reader.half(3 * v * k);
        const counts = reader.uint32(modes);
        const expressions = Array.from(counts, (n) => ({ indices: reader.uint16(n), deltas: reader.half(3 * n) }));
        const data: IIctHeadMeshData = {
            neutral,
            identity,
            identityCount: k,
            expressions,
            triangles: reader.uint16(3 * t),
            skinTriangleCount: skin,
            cornerUvs: reader.half(6 * t),
            mirror: reader.uint16(v),
            interiorNeutral: reader.float32(3 * p),
            interiorIdentity: reader.half(3 * p * k),
        };
        if (reader.offset !== buffer.byteLength) {
            throw new ReconstructionError("BAD_BASIS", "head mesh file has the wrong size");
        }
        return new IctHeadMesh(data);
    }

    /**
     * Fetches and parses the derived binary.
     * @param url where `ict-head-mesh.bin` is served; by default the copy that bundlers emit beside this module
     * @returns the mesh
     */
    public static async LoadAsync(url: string = new URL("./data/ict-head-mesh.bin", import.meta.url).href): Promise<IctHeadMesh> {
        return IctHeadMesh.FromBinary(await ReadDerivedFileAsync(url));
    }

    /**
     * Writes the derived binary (see the class description).
     * @returns the file's bytes
     */
    public serialize(): ArrayBuffer {
        const v = this.vertexCount;
        if (v > 0xffff) {
            throw new ReconstructionError("BAD_BASIS", "head mesh has too many vertices for 16-bit indices");
        }
        const sections: ArrayBufferView[] = [
            Uint32Array.from([_Magic, _Version, v, this.identityCount, this.triangleCount, this.skinTriangleCount, this.interiorNeutral.length / 3, this.expressions.length]),
            this.neutral,
            _ToHalf(this.identity),
            Uint32Array.from(this.expressions, (e) => e.indices.length),
            ...this.expressions.flatMap((e) => [Uint16Array.from(e.indices), _ToHalf(e.deltas)]),
            Uint16Array.from(this.triangles),
            _ToHalf(this.cornerUvs),
            Uint16Array.from(this.mirror),
            this.interiorNeutral,
            _ToHalf(this.interiorIdentity),
        ];
        const padded = (n: number): number => (n + 3) & ~3;
        const out = new Uint8Array(sections.reduce((sum, s) => sum + padded(s.byteLength), 0));
        let offset = 0;
        for (const s of sections) {
            out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), offset);
            offset += padded(s.byteLength);
        }
        return out.buffer;
    }
}

function _AddModes(base: Float32Array, modes: Float32Array, weights: ArrayLike<number>, modeCount: number): Float32Array {
    const out = Float32Array.from(base);
    for (let m = 0; m < Math.min(weights.length, modeCount); m++) {
        const w = weights[m];
        const row = m * base.length;
        for (let i = 0; i < base.length; i++) {
            out[i] += w * modes[row + i];
        }
    }
    return out;
}

function _ToHalf(values: Float32Array): Uint16Array {
    return Uint16Array.from(values, FloatToHalf);
}

/** Nearest vertex to each vertex's mirror image, searched within its own part (skin or eyeballs). */
function _MirrorMap(neutral: Float32Array, skinVertices: number): Uint32Array {
    const v = neutral.length / 3;
    const out = new Uint32Array(v);
    for (let i = 0; i < v; i++) {
        const [from, to] = i < skinVertices ? [0, skinVertices] : [skinVertices, v];
        const x = -neutral[3 * i];
        const y = neutral[3 * i + 1];
        const z = neutral[3 * i + 2];
        let best = i;
        let bestD = Infinity;
        for (let j = from; j < to; j++) {
            const d = (neutral[3 * j] - x) ** 2 + (neutral[3 * j + 1] - y) ** 2 + (neutral[3 * j + 2] - z) ** 2;
            if (d < bestD) {
                bestD = d;
                best = j;
            }
        }
        out[i] = best;
    }
    return out;
}

/** Reads the derived file's 4-byte-aligned sections in order. */
class _SectionReader {
    constructor(
        private readonly _buffer: ArrayBuffer,
        public offset: number
    ) {}

    private _take(bytes: number): ArrayBuffer {
        if (this.offset + bytes > this._buffer.byteLength) {
            throw new ReconstructionError("BAD_BASIS", "head mesh file is truncated");
        }
        const slice = this._buffer.slice(this.offset, this.offset + bytes);
        this.offset += (bytes + 3) & ~3;
        return slice;
    }

    public float32(n: number): Float32Array {
        return new Float32Array(this._take(4 * n));
    }

    public uint32(n: number): Uint32Array {
        return new Uint32Array(this._take(4 * n));
    }

    public uint16(n: number): Uint32Array {
        return Uint32Array.from(new Uint16Array(this._take(2 * n)));
    }

    public half(n: number): Float32Array {
        return HalfArrayToFloat32(new Uint16Array(this._take(2 * n)));
    }
}
