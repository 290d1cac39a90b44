import { AvatarFormatError } from "../errors";
import { ArkitNames, ExpressionCount, GetExpressionIndex } from "../expression/arkitNames";
import { HalfToFloat } from "../io/float16";
import { Sha256Hex } from "../io/sha256";
import { type IAvatarAsset, type IColourPlanes, type IPhotoLayer } from "../volume/avatarAsset";

/** Name of the glTF vendor extension that carries the volume. */
export const AvatarVolumeExtensionName = "NOFA_avatar_volume";

/** Version of the extension's JSON this runtime reads. */
export const AvatarExtensionVersion = 1;

const GlbMagic = 0x46546c67;
const ChunkJson = 0x4e4f534a;
const ChunkBin = 0x004e4942;

/** Largest width or height of a photo layer, pixels. */
export const PhotoLayerMaxSize = 4096;

/** Reads the bytes of a glTF buffer view. */
export type BufferViewReader = (index: number) => Promise<ArrayBufferView>;

function _field(ext: Record<string, unknown>, key: string, context: string): Record<string, unknown> {
    const v = ext[key];
    if (typeof v !== "object" || v === null) {
        throw new AvatarFormatError(`${context}.${key}`, "must be an object");
    }
    return v as Record<string, unknown>;
}

async function _view(read: BufferViewReader, value: unknown, field: string, byteLength: number): Promise<Uint8Array> {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw new AvatarFormatError(field, "must be a buffer view index");
    }
    let view: ArrayBufferView;
    try {
        view = await read(value);
    } catch (e) {
        throw new AvatarFormatError(field, `buffer view ${value} cannot be read (${(e as Error).message})`);
    }
    if (view.byteLength !== byteLength) {
        throw new AvatarFormatError(field, `buffer view ${value} has ${view.byteLength} bytes, expected ${byteLength}`);
    }
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
}

/** Weights by ARKit name (each in [0, 1]; unnamed ones are 0) → the 53-vector. */
function _ParseExpression(json: Record<string, unknown>, field: string): Float32Array {
    const weights = new Float32Array(ExpressionCount);
    for (const [name, value] of Object.entries(json)) {
        const index = GetExpressionIndex(name);
        if (index < 0) {
            throw new AvatarFormatError(`${field}.${name}`, "is not an ARKit expression name");
        }
        if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
            throw new AvatarFormatError(`${field}.${name}`, `must be a number in [0, 1], got ${JSON.stringify(value)}`);
        }
        weights[index] = value;
    }
    return weights;
}

/** The 53-vector → its non-zero weights by ARKit name. */
function _ExpressionJson(weights: Float32Array): Record<string, number> {
    if (weights.length !== ExpressionCount || !weights.every((w) => w >= 0 && w <= 1)) {
        throw new RangeError(`photoLayer.expression must hold ${ExpressionCount} weights in [0, 1]`);
    }
    return Object.fromEntries(ArkitNames.map((name, i) => [name, weights[i]] as const).filter(([, w]) => w !== 0));
}

/**
 * Parses and checks the `NOFA_avatar_volume` extension of a node.
 * @param ext the extension's JSON
 * @param readView reads a buffer view's bytes
 * @param context JSON path of the extension, for error messages
 * @returns the avatar's volume
 * @throws AvatarFormatError naming the field at fault
 */
export async function ParseAvatarVolumeExtension(ext: unknown, readView: BufferViewReader, context: string): Promise<IAvatarAsset> {
    if (typeof ext !== "object" || ext === null) {
        throw new AvatarFormatError(context, "must be an object");
    }
    const e = ext as Record<string, unknown>;
    if (e.formatVersion !== AvatarExtensionVersion) {
        throw new AvatarFormatError(`${context}.formatVersion`, `unsupported version ${JSON.stringify(e.formatVersion)} (this runtime reads ${AvatarExtensionVersion})`);
    }
    const pack = _field(e, "pack", context);
    if (typeof pack.id !== "string" || typeof pack.version !== "string") {
        throw new AvatarFormatError(`${context}.pack`, "must have string id and version");
    }
    if (pack.uri !== undefined && typeof pack.uri !== "string") {
        throw new AvatarFormatError(`${context}.pack.uri`, "must be a string");
    }
    const tri = _field(e, "triplane", context);
    const channels = tri.channels;
    const resolution = tri.resolution;
    if (typeof channels !== "number" || !Number.isInteger(channels) || channels < 4 || channels % 4 !== 0) {
        throw new AvatarFormatError(`${context}.triplane.channels`, "must be a positive multiple of 4");
    }
    if (typeof resolution !== "number" || !Number.isInteger(resolution) || resolution < 2) {
        throw new AvatarFormatError(`${context}.triplane.resolution`, "must be an integer ≥ 2");
    }
    if (tri.dtype !== "float16") {
        throw new AvatarFormatError(`${context}.triplane.dtype`, `must be "float16", got ${JSON.stringify(tri.dtype)}`);
    }
    const alphaJson = _field(e, "alpha", context);
    const alphaCount = alphaJson.count;
    if (typeof alphaCount !== "number" || !Number.isInteger(alphaCount) || alphaCount < 1) {
        throw new AvatarFormatError(`${context}.alpha.count`, "must be a positive integer");
    }
    const alphaBytes = await _view(readView, alphaJson.bufferView, `${context}.alpha.bufferView`, alphaCount * 4);
    const triBytes = await _view(readView, tri.bufferView, `${context}.triplane.bufferView`, 3 * channels * resolution * resolution * 2);
    let colourPlanes: IColourPlanes | undefined;
    let colourBytes: Uint8Array | null = null;
    if (e.colourPlanes !== undefined) {
        const colour = _field(e, "colourPlanes", context);
        const cr = colour.resolution;
        if (typeof cr !== "number" || !Number.isInteger(cr) || cr < 2) {
            throw new AvatarFormatError(`${context}.colourPlanes.resolution`, "must be an integer ≥ 2");
        }
        if (colour.dtype !== "float16") {
            throw new AvatarFormatError(`${context}.colourPlanes.dtype`, `must be "float16", got ${JSON.stringify(colour.dtype)}`);
        }
        colourBytes = await _view(readView, colour.bufferView, `${context}.colourPlanes.bufferView`, 3 * 3 * cr * cr * 2);
        colourPlanes = { resolution: cr, values: new Uint16Array(colourBytes.buffer) };
    }
    let photoLayer: IPhotoLayer | undefined;
    let photoColourBytes: Uint8Array | null = null;
    let photoDepthBytes: Uint8Array | null = null;
    if (e.photoLayer !== undefined) {
        const photo = _field(e, "photoLayer", context);
        const field = `${context}.photoLayer`;
        const projection = photo.projection;
        if (!Array.isArray(projection) || projection.length !== 12 || !projection.every((v) => typeof v === "number" && Number.isFinite(v))) {
            throw new AvatarFormatError(`${field}.projection`, "must be 12 finite numbers (row-major 3 × 4)");
        }
        for (const key of ["width", "height"]) {
            const v = photo[key];
            if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > PhotoLayerMaxSize) {
                throw new AvatarFormatError(`${field}.${key}`, `must be an integer in [1, ${PhotoLayerMaxSize}]`);
            }
        }
        const width = photo.width as number;
        const height = photo.height as number;
        const colour = _field(photo, "colour", field);
        const depth = _field(photo, "depth", field);
        if (depth.dtype !== "float16") {
            throw new AvatarFormatError(`${field}.depth.dtype`, `must be "float16", got ${JSON.stringify(depth.dtype)}`);
        }
        photoColourBytes = await _view(readView, colour.bufferView, `${field}.colour.bufferView`, width * height * 4);
        photoDepthBytes = await _view(readView, depth.bufferView, `${field}.depth.bufferView`, width * height * 4 * 2);
        photoLayer = { projection: Float32Array.from(projection as number[]), width, height, colour: photoColourBytes, depth: new Uint16Array(photoDepthBytes.buffer) };
        if (photo.expression !== undefined) {
            photoLayer.expression = _ParseExpression(_field(photo, "expression", field), `${field}.expression`);
        }
    }
    const hashes = _field(e, "sha256", context);
    const hashed: [string, Uint8Array][] = [
        ["alpha", alphaBytes],
        ["triplane", triBytes],
    ];
    if (colourBytes) {
        hashed.push(["colourPlanes", colourBytes]);
    }
    if (photoColourBytes && photoDepthBytes) {
        hashed.push(["photoColour", photoColourBytes], ["photoDepth", photoDepthBytes]);
    }
    for (const [key, bytes] of hashed) {
        const hash = await Sha256Hex(bytes);
        if (hashes[key] !== hash) {
            throw new AvatarFormatError(`${context}.sha256.${key}`, `mismatch: the data hashes to ${hash}`);
        }
    }
    const alpha = new Float32Array(alphaBytes.buffer);
    alpha.forEach((v, i) => {
        if (!Number.isFinite(v)) {
            throw new AvatarFormatError(`${context}.alpha`, `holds a non-finite value at element ${i}`);
        }
    });
    const triplane = new Uint16Array(triBytes.buffer);
    _CheckFiniteHalves(triplane, `${context}.triplane`);
    if (colourPlanes) {
        _CheckFiniteHalves(colourPlanes.values, `${context}.colourPlanes`);
    }
    if (photoLayer) {
        if (!photoLayer.projection.every((v) => Number.isFinite(v))) {
            throw new AvatarFormatError(`${context}.photoLayer.projection`, "is not finite in float32");
        }
        _CheckFiniteHalves(photoLayer.depth, `${context}.photoLayer.depth`);
    }
    return {
        packId: pack.id,
        packVersion: pack.version,
        packUri: pack.uri as string | undefined,
        alpha,
        triplane,
        channels,
        resolution,
        ...(colourPlanes ? { colourPlanes } : {}),
        ...(photoLayer ? { photoLayer } : {}),
    };
}

function _CheckFiniteHalves(values: Uint16Array, field: string): void {
    for (let i = 0; i < values.length; i++) {
        if ((values[i] & 0x7c00) === 0x7c00) {
            throw new AvatarFormatError(field, `holds a non-finite value (${HalfToFloat(values[i])}) at element ${i}`);
        }
    }
}

function _pad4(n: number): number {
    return (n + 3) & ~3;
}

/**
 * One textured mesh shown where the volume cannot be (viewers without the extension, engines
 * without WebGPU): glTF axes (+y up, the face towards +z), metres.
 */
export interface IAvatarFallbackPart {
    /** Node and mesh name. */
    name: string;
    /** Vertex positions `[n][3]`. */
    positions: Float32Array;
    /** Vertex normals `[n][3]`. */
    normals: Float32Array;
    /** Texture coordinates `[n][2]` (glTF: v down from the image's top). */
    uvs: Float32Array;
    /** Triangle indices. */
    indices: Uint16Array | Uint32Array;
    /** The base-colour texture (shown unlit: the photo's light is in it). */
    texture: { mimeType: "image/jpeg" | "image/png"; bytes: Uint8Array };
    /** Morph targets (e.g. the 53 ARKit expressions), each the vertices it moves and their position deltas. */
    morphTargets?: { name: string; indices: Uint32Array; deltas: Float32Array }[];
}

/** Accumulates the binary chunk's buffer views and the accessors that read them. */
class _GlbBinary {
    public readonly views: { buffer: 0; byteOffset: number; byteLength: number; target?: number }[] = [];
    public readonly accessors: Record<string, unknown>[] = [];
    private readonly _chunks: Uint8Array[] = [];
    private _length = 0;

    /** Adds a buffer view (`target`: 34962 vertex data, 34963 indices); returns its index. */
    public view(data: ArrayBufferView, target?: number): number {
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        this.views.push({ buffer: 0, byteOffset: this._length, byteLength: bytes.byteLength, ...(target ? { target } : {}) });
        this._chunks.push(bytes);
        this._length = _pad4(this._length + bytes.byteLength);
        return this.views.length - 1;
    }

    /** Adds an accessor over a new view of `data` (SCALAR: indices; else vertex data); returns its index. */
    public accessor(data: Float32Array | Uint16Array | Uint32Array, type: "SCALAR" | "VEC2" | "VEC3", bounds = false): number {
        const width = { SCALAR: 1, VEC2: 2, VEC3: 3 }[type];
        const target = type === "SCALAR" ? 34963 : 34962;
        const accessor: Record<string, unknown> = { bufferView: this.view(data, target), componentType: _ComponentType(data), count: data.length / width, type };
        if (bounds) {
            Object.assign(accessor, _Bounds(data, width, false));
        }
        this.accessors.push(accessor);
        return this.accessors.length - 1;
    }

    /** Adds a sparse VEC3 accessor of `count` elements, zero but at `indices`. */
    public sparseVec3(count: number, indices: Uint32Array, values: Float32Array): number {
        const accessor: Record<string, unknown> = { componentType: 5126, count, type: "VEC3", ..._Bounds(values, 3, indices.length < count) };
        if (indices.length > 0) {
            accessor.sparse = { count: indices.length, indices: { bufferView: this.view(indices), componentType: 5125 }, values: { bufferView: this.view(values) } };
        }
        this.accessors.push(accessor);
        return this.accessors.length - 1;
    }

    /** The chunk's bytes, padded to 4. */
    public bytes(): Uint8Array {
        const out = new Uint8Array(this._length);
        this._chunks.forEach((c, i) => out.set(c, this.views[i].byteOffset));
        return out;
    }
}

/** Per-component min and max (glTF requires them on positions and morph targets); `withZero` counts the implicit zeros of a sparse accessor. */
function _Bounds(data: ArrayLike<number>, width: number, withZero: boolean): { min: number[]; max: number[] } {
    const min = new Array<number>(width).fill(withZero ? 0 : Infinity);
    const max = new Array<number>(width).fill(withZero ? 0 : -Infinity);
    for (let i = 0; i < data.length; i++) {
        const c = i % width;
        min[c] = Math.min(min[c], data[i]);
        max[c] = Math.max(max[c], data[i]);
    }
    return { min, max };
}

function _ComponentType(data: Float32Array | Uint16Array | Uint32Array): number {
    return data instanceof Float32Array ? 5126 : data instanceof Uint16Array ? 5123 : 5125;
}

/**
 * Writes an avatar `.glb`: a node carrying the volume in `NOFA_avatar_volume` and, optionally,
 * fallback meshes as its children (the extension is used, not required, so any glTF viewer shows them).
 * @param asset the volume
 * @param name the node's name
 * @param fallback textured meshes for viewers and engines that cannot show the volume
 * @returns the file's bytes
 * @throws RangeError when the photo layer's expression is not 53 weights in [0, 1]
 */
export async function WriteAvatarGlb(asset: IAvatarAsset, name: string, fallback: IAvatarFallbackPart[] = []): Promise<Uint8Array> {
    const alphaBytes = new Uint8Array(asset.alpha.buffer, asset.alpha.byteOffset, asset.alpha.byteLength);
    const triBytes = new Uint8Array(asset.triplane.buffer, asset.triplane.byteOffset, asset.triplane.byteLength);
    const bin = new _GlbBinary();
    const alphaView = bin.view(alphaBytes);
    const triView = bin.view(triBytes);
    const colour = asset.colourPlanes;
    const colourBytes = colour ? new Uint8Array(colour.values.buffer, colour.values.byteOffset, colour.values.byteLength) : null;
    const colourView = colourBytes ? bin.view(colourBytes) : -1;
    const photo = asset.photoLayer;
    const photoColourBytes = photo ? new Uint8Array(photo.colour.buffer, photo.colour.byteOffset, photo.colour.byteLength) : null;
    const photoDepthBytes = photo ? new Uint8Array(photo.depth.buffer, photo.depth.byteOffset, photo.depth.byteLength) : null;
    const photoColourView = photoColourBytes ? bin.view(photoColourBytes) : -1;
    const photoDepthView = photoDepthBytes ? bin.view(photoDepthBytes) : -1;
    const nodes: Record<string, unknown>[] = [
        {
            name,
            extensions: {
                [AvatarVolumeExtensionName]: {
                    formatVersion: AvatarExtensionVersion,
                    pack: { id: asset.packId, version: asset.packVersion, ...(asset.packUri ? { uri: asset.packUri } : {}) },
                    alpha: { bufferView: alphaView, count: asset.alpha.length },
                    triplane: { bufferView: triView, channels: asset.channels, resolution: asset.resolution, dtype: "float16" },
                    ...(colour ? { colourPlanes: { bufferView: colourView, resolution: colour.resolution, dtype: "float16" } } : {}),
                    ...(photo
                        ? {
                              photoLayer: {
                                  projection: Array.from(photo.projection),
                                  width: photo.width,
                                  height: photo.height,
                                  colour: { bufferView: photoColourView },
                                  depth: { bufferView: photoDepthView, dtype: "float16" },
                                  ...(photo.expression ? { expression: _ExpressionJson(photo.expression) } : {}),
                              },
                          }
                        : {}),
                    sha256: {
                        alpha: await Sha256Hex(alphaBytes),
                        triplane: await Sha256Hex(triBytes),
                        ...(colourBytes ? { colourPlanes: await Sha256Hex(colourBytes) } : {}),
                        ...(photoColourBytes && photoDepthBytes ? { photoColour: await Sha256Hex(photoColourBytes), photoDepth: await Sha256Hex(photoDepthBytes) } : {}),
                    },
                },
            },
            ...(fallback.length ? { children: fallback.map((_, i) => i + 1) } : {}),
        },
    ];
    const meshes: Record<string, unknown>[] = [];
    const materials: Record<string, unknown>[] = [];
    const textures: Record<string, unknown>[] = [];
    const images: Record<string, unknown>[] = [];
    for (const part of fallback) {
        const vertexCount = part.positions.length / 3;
        images.push({ bufferView: bin.view(part.texture.bytes), mimeType: part.texture.mimeType });
        textures.push({ source: images.length - 1 });
        materials.push({
            name: part.name,
            pbrMetallicRoughness: { baseColorTexture: { index: textures.length - 1 }, metallicFactor: 0, roughnessFactor: 1 },
            extensions: { KHR_materials_unlit: {} },
        });
        const primitive: Record<string, unknown> = {
            attributes: { POSITION: bin.accessor(part.positions, "VEC3", true), NORMAL: bin.accessor(part.normals, "VEC3"), TEXCOORD_0: bin.accessor(part.uvs, "VEC2") },
            indices: bin.accessor(part.indices, "SCALAR"),
            material: materials.length - 1,
        };
        const targets = part.morphTargets ?? [];
        if (targets.length) {
            primitive.targets = targets.map((t) => ({ POSITION: bin.sparseVec3(vertexCount, t.indices, t.deltas) }));
        }
        meshes.push({ name: part.name, primitives: [primitive], ...(targets.length ? { weights: targets.map(() => 0), extras: { targetNames: targets.map((t) => t.name) } } : {}) });
        nodes.push({ name: part.name, mesh: meshes.length - 1 });
    }
    const binary = bin.bytes();
    const gltf = {
        asset: { version: "2.0", generator: "nofa-babylon" },
        extensionsUsed: [AvatarVolumeExtensionName, ...(fallback.length ? ["KHR_materials_unlit"] : [])],
        scene: 0,
        scenes: [{ nodes: [0] }],
        nodes,
        ...(fallback.length ? { meshes, materials, textures, images } : {}),
        buffers: [{ byteLength: binary.byteLength }],
        bufferViews: bin.views,
        ...(bin.accessors.length ? { accessors: bin.accessors } : {}),
    };
    let jsonText = JSON.stringify(gltf);
    while (jsonText.length % 4 !== 0) {
        jsonText += " ";
    }
    const json = new TextEncoder().encode(jsonText);
    const total = 12 + 8 + json.byteLength + 8 + binary.byteLength;
    const out = new Uint8Array(total);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, GlbMagic, true);
    dv.setUint32(4, 2, true);
    dv.setUint32(8, total, true);
    dv.setUint32(12, json.byteLength, true);
    dv.setUint32(16, ChunkJson, true);
    out.set(json, 20);
    const binStart = 20 + json.byteLength;
    dv.setUint32(binStart, binary.byteLength, true);
    dv.setUint32(binStart + 4, ChunkBin, true);
    out.set(binary, binStart + 8);
    return out;
}

/**
 * Reads the volume of an avatar `.glb` without Babylon (for Node tools and tests).
 * @param bytes the file
 * @returns the volume of the first node that carries the extension
 * @throws AvatarFormatError naming what is wrong
 */
export async function ReadAvatarGlb(bytes: Uint8Array): Promise<IAvatarAsset> {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 20 || dv.getUint32(0, true) !== GlbMagic) {
        throw new AvatarFormatError("glb", "not a glTF binary (bad magic)");
    }
    const total = dv.getUint32(8, true);
    if (total > bytes.byteLength) {
        throw new AvatarFormatError("glb.length", `header says ${total} bytes, the file has ${bytes.byteLength} (truncated?)`);
    }
    const jsonLength = dv.getUint32(12, true);
    if (dv.getUint32(16, true) !== ChunkJson || 20 + jsonLength > total) {
        throw new AvatarFormatError("glb.json", "missing or truncated JSON chunk");
    }
    let gltf: { nodes?: Array<{ extensions?: Record<string, unknown> }>; bufferViews?: Array<{ byteOffset?: number; byteLength: number }> };
    try {
        gltf = JSON.parse(new TextDecoder().decode(bytes.subarray(20, 20 + jsonLength)));
    } catch (e) {
        throw new AvatarFormatError("glb.json", `invalid JSON (${(e as Error).message})`);
    }
    const binHeader = 20 + jsonLength;
    const bin = binHeader + 8 <= total ? bytes.subarray(binHeader + 8, Math.min(total, binHeader + 8 + dv.getUint32(binHeader, true))) : new Uint8Array(0);
    const nodeIndex = (gltf.nodes ?? []).findIndex((n) => n.extensions?.[AvatarVolumeExtensionName] !== undefined);
    if (nodeIndex < 0) {
        throw new AvatarFormatError("nodes", `no node carries ${AvatarVolumeExtensionName}`);
    }
    const readView: BufferViewReader = async (index) => {
        const view = gltf.bufferViews?.[index];
        if (!view) {
            throw new Error(`no buffer view ${index}`);
        }
        const start = view.byteOffset ?? 0;
        if (start + view.byteLength > bin.byteLength) {
            throw new Error(`buffer view ${index} runs past the binary chunk (truncated?)`);
        }
        return bin.subarray(start, start + view.byteLength);
    };
    return ParseAvatarVolumeExtension(gltf.nodes![nodeIndex].extensions![AvatarVolumeExtensionName], readView, `/nodes/${nodeIndex}/extensions/${AvatarVolumeExtensionName}`);
}
