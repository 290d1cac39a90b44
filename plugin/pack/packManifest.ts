import { AvatarFormatError } from "../errors";
import { ArkitNames } from "../expression/arkitNames";

/** Version of `pack.json` this runtime reads. */
export const PackFormatVersion = 1;

/** Element type of a tensor in a pack. */
export type TensorDType = "float16" | "float32";

/** Where one tensor lies in the pack's files. */
export interface IPackTensor {
    /** File (relative to the pack folder) holding the tensor. */
    file: string;
    /** Element type. */
    dtype: TensorDType;
    /** Shape, row-major. */
    shape: number[];
    /** Offset of the first byte in the file. */
    byteOffset: number;
    /** Length in bytes: product(shape) × element size. */
    byteLength: number;
}

/** One Linear layer of an MLP: weight [out, in], bias [out]. */
export interface IPackLayer {
    /** Tensor name of the weight. */
    weight: string;
    /** Tensor name of the bias. */
    bias: string;
    /** Activation after the layer. */
    activation: "relu" | "none";
}

/** An MLP of the pack. */
export interface IPackMlp {
    /** Layers in order. */
    layers: IPackLayer[];
}

/** The D-Net: an MLP with 3 outputs (Δx), or 7 (a, j, s) with a jump: Δx = a + sigmoid(sharpness·s)·j. */
export interface IPackDeformationMlp extends IPackMlp {
    /** Present for a D-Net with a jump (docs/formats.md). */
    jump?: { sharpness: number };
}

/** A value that depends linearly on identity: `mean + Σ_i α_i · identity[i]`. */
export interface IPackLinearInAlpha<T> {
    /** Its value at α = 0. */
    mean: T;
    /** Its change per unit α_i, one entry per identity coefficient. */
    identity: T[];
}

/** One eye of the eyelid rig (docs/formats.md, "eyelids"), ICT cm. */
export interface IPackEyelid {
    /** The expression that closes it ("eyeBlink_L" or "eyeBlink_R"). */
    expression: string;
    /** The eyeball's centre. */
    centre: IPackLinearInAlpha<[number, number, number]>;
    /** The eyeball's radius. */
    radius: IPackLinearInAlpha<number>;
    /** The upper lid's front margin: `marginPoints` points, and their offsets when the lid is closed. */
    margin: IPackLinearInAlpha<Array<[number, number, number]>> & { closedOffset: Array<[number, number, number]> };
}

/**
 * The eyelid rig (docs/formats.md, "eyelids"; models/eyelids.py): a closing upper lid turns about its eye's
 * lateral axis, as a closed-form backward map applied before the learned field.
 */
export interface IPackEyelids {
    /** Points along each margin. */
    marginPoints: number;
    /** Degrees past ICT's closed margin that the rig closes (so closed lids meet with no gap). */
    overshootDegrees: number;
    /** Degrees above the margin from which a closing lid shows itself (its rounded margin is thin). */
    insetDegrees: number;
    /** Degrees above the margin over which the lid turns whole. */
    plateauDegrees: number;
    /** Degrees above the margin at which the lid's turn has faded to nothing. */
    spanDegrees: number;
    /** cm beyond the eyeball's radius: full turn within shell[0], none beyond shell[1]. */
    shell: [number, number];
    /** cm past the margin's ends over which the turn fades out. */
    taper: number;
    /** The eyes. */
    eyes: IPackEyelid[];
}

/** The parsed and checked `pack.json` (see docs/formats.md). */
export interface IPackManifest {
    /** Always "nofa-pack". */
    format: "nofa-pack";
    /** See {@link PackFormatVersion}. */
    formatVersion: number;
    /** Pack id, referenced by avatars. */
    id: string;
    /** Pack version, referenced by avatars. */
    version: string;
    /** Canonical box in ICT cm. */
    canonicalBox: { min: [number, number, number]; max: [number, number, number] };
    /** Bound on |w·Δx| in cm. */
    maxDisplacement: number;
    /**
     * Earlier versions of this pack whose avatars it renders as they are (the same generator and decoder: only
     * the backward field or the stretch carve changed); an avatar names the version it was made for.
     */
    compatibleAvatarVersions?: string[];
    /**
     * The stretch carve, when present: density × smoothstep(from, to, det(∂x_c/∂x_d)), the Jacobian of the baked
     * backward map, so that space the deformation opens (an open mouth's gap) is empty (docs/formats.md).
     */
    stretchCarve?: { from: number; to: number };
    /** The eyelid rig, when present: blinks as a closed-form backward map (docs/formats.md). */
    eyelids?: IPackEyelids;
    /** Length of α the networks take. */
    alphaDims: number;
    /** The 53 expression names in β order. */
    expressionNames: string[];
    /** Tri-plane size. */
    triplane: { channels: number; resolution: number };
    /** Positional encoding of the D-Net and W-Net input. */
    positionalEncoding: { frequencies: number };
    /** The networks. */
    networks: {
        decoder: IPackMlp;
        deformation: IPackDeformationMlp;
        blend: IPackMlp;
        generator?: { onnx: string; input: string; output: string };
    };
    /** Tensors by name. */
    tensors: Record<string, IPackTensor>;
    /** Files with their length and SHA-256. */
    files: Record<string, { byteLength: number; sha256: string }>;
    /** How the pack was made (command, seed, data). */
    provenance?: Record<string, unknown>;
    /** Licences of what the pack derives from. */
    licenses?: Array<Record<string, unknown>>;
}

type Json = Record<string, unknown>;

function _object(value: unknown, field: string): Json {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new AvatarFormatError(field, "must be an object");
    }
    return value as Json;
}

function _string(value: unknown, field: string): string {
    if (typeof value !== "string" || value.length === 0) {
        throw new AvatarFormatError(field, "must be a non-empty string");
    }
    return value;
}

function _integer(value: unknown, field: string, min: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
        throw new AvatarFormatError(field, `must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
    }
    return value;
}

function _finite(value: unknown, field: string): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new AvatarFormatError(field, `must be a finite number, got ${JSON.stringify(value)}`);
    }
    return value;
}

function _vec3(value: unknown, field: string): [number, number, number] {
    if (!Array.isArray(value) || value.length !== 3) {
        throw new AvatarFormatError(field, "must be an array of 3 numbers");
    }
    return [_finite(value[0], `${field}[0]`), _finite(value[1], `${field}[1]`), _finite(value[2], `${field}[2]`)];
}

function _numbers(value: unknown, field: string, length: number): number[] {
    if (!Array.isArray(value) || value.length !== length) {
        throw new AvatarFormatError(field, `must be an array of ${length} numbers`);
    }
    return value.map((v, i) => _finite(v, `${field}[${i}]`));
}

function _linearInAlpha<T>(value: unknown, field: string, alphaDims: number, read: (v: unknown, f: string) => T): IPackLinearInAlpha<T> {
    const o = _object(value, field);
    if (!Array.isArray(o.identity) || o.identity.length !== alphaDims) {
        throw new AvatarFormatError(`${field}.identity`, `must hold one entry per identity coefficient (${alphaDims})`);
    }
    return { mean: read(o.mean, `${field}.mean`), identity: o.identity.map((v, i) => read(v, `${field}.identity[${i}]`)) };
}

function _eyelids(value: unknown, alphaDims: number): IPackEyelids {
    const e = _object(value, "eyelids");
    const marginPoints = _integer(e.marginPoints, "eyelids.marginPoints", 2);
    const degrees = (key: string): number => {
        const v = _finite(e[key], `eyelids.${key}`);
        if (v < 0 || v > 90) {
            throw new AvatarFormatError(`eyelids.${key}`, `must be in [0, 90] degrees, got ${v}`);
        }
        return v;
    };
    const plateauDegrees = degrees("plateauDegrees");
    const spanDegrees = degrees("spanDegrees");
    if (!(spanDegrees > plateauDegrees)) {
        throw new AvatarFormatError("eyelids.spanDegrees", `must be greater than eyelids.plateauDegrees (${plateauDegrees}), got ${spanDegrees}`);
    }
    const shell = _numbers(e.shell, "eyelids.shell", 2) as [number, number];
    if (!(shell[1] > shell[0])) {
        throw new AvatarFormatError("eyelids.shell", `must be [inner, outer] with outer > inner, got [${shell}]`);
    }
    const taper = _finite(e.taper, "eyelids.taper");
    if (!(taper > 0)) {
        throw new AvatarFormatError("eyelids.taper", `must be positive, got ${taper}`);
    }
    if (!Array.isArray(e.eyes) || e.eyes.length !== 2) {
        throw new AvatarFormatError("eyelids.eyes", "must list 2 eyes");
    }
    const points = (v: unknown, f: string): Array<[number, number, number]> => {
        if (!Array.isArray(v) || v.length !== marginPoints) {
            throw new AvatarFormatError(f, `must hold ${marginPoints} points (eyelids.marginPoints)`);
        }
        return v.map((p, i) => _vec3(p, `${f}[${i}]`));
    };
    const eyes = e.eyes.map((eye, i): IPackEyelid => {
        const f = `eyelids.eyes[${i}]`;
        const o = _object(eye, f);
        const expression = _string(o.expression, `${f}.expression`);
        if (!(ArkitNames as readonly string[]).includes(expression)) {
            throw new AvatarFormatError(`${f}.expression`, `must be an expression name, got ${JSON.stringify(expression)}`);
        }
        const marginJson = _object(o.margin, `${f}.margin`);
        return {
            expression,
            centre: _linearInAlpha(o.centre, `${f}.centre`, alphaDims, _vec3),
            radius: _linearInAlpha(o.radius, `${f}.radius`, alphaDims, _finite),
            margin: { ..._linearInAlpha(marginJson, `${f}.margin`, alphaDims, points), closedOffset: points(marginJson.closedOffset, `${f}.margin.closedOffset`) },
        };
    });
    return { marginPoints, overshootDegrees: degrees("overshootDegrees"), insetDegrees: degrees("insetDegrees"), plateauDegrees, spanDegrees, shell, taper, eyes };
}

function _deformationMlp(value: unknown, tensors: Record<string, IPackTensor>): IPackDeformationMlp {
    const mlp: IPackDeformationMlp = _mlp(value, "networks.deformation", tensors);
    const jump = (value as Json).jump;
    if (jump !== undefined) {
        const sharpness = _finite(_object(jump, "networks.deformation.jump").sharpness, "networks.deformation.jump.sharpness");
        if (sharpness <= 0) {
            throw new AvatarFormatError("networks.deformation.jump.sharpness", `must be positive, got ${sharpness}`);
        }
        mlp.jump = { sharpness };
    }
    return mlp;
}

/** Bytes per element of a dtype. */
export function DTypeSize(dtype: TensorDType): number {
    return dtype === "float16" ? 2 : 4;
}

function _mlp(value: unknown, field: string, tensors: Record<string, IPackTensor>): IPackMlp {
    const layers = _object(value, field).layers;
    if (!Array.isArray(layers) || layers.length === 0) {
        throw new AvatarFormatError(`${field}.layers`, "must be a non-empty array");
    }
    return {
        layers: layers.map((layer, i) => {
            const f = `${field}.layers[${i}]`;
            const l = _object(layer, f);
            const weight = _string(l.weight, `${f}.weight`);
            const bias = _string(l.bias, `${f}.bias`);
            for (const [key, name] of [["weight", weight], ["bias", bias]] as const) {
                if (!tensors[name]) {
                    throw new AvatarFormatError(`${f}.${key}`, `names tensor "${name}", which is not in "tensors"`);
                }
            }
            if (l.activation !== "relu" && l.activation !== "none") {
                throw new AvatarFormatError(`${f}.activation`, `must be "relu" or "none", got ${JSON.stringify(l.activation)}`);
            }
            return { weight, bias, activation: l.activation };
        }),
    };
}

/**
 * Parses and checks the structure of `pack.json` (types, versions, names, ranges). Tensor
 * contents, file hashes and layer shapes are checked by {@link ModelPack} once the files are read.
 * @param json the parsed JSON
 * @returns the manifest
 * @throws AvatarFormatError naming the field at fault
 */
export function ParsePackManifest(json: unknown): IPackManifest {
    const root = _object(json, "pack.json");
    if (root.format !== "nofa-pack") {
        throw new AvatarFormatError("format", `must be "nofa-pack", got ${JSON.stringify(root.format)}`);
    }
    if (root.formatVersion !== PackFormatVersion) {
        throw new AvatarFormatError("formatVersion", `unsupported version ${JSON.stringify(root.formatVersion)} (this runtime reads ${PackFormatVersion})`);
    }
    const id = _string(root.id, "id");
    const version = _string(root.version, "version");
    const box = _object(root.canonicalBox, "canonicalBox");
    const min = _vec3(box.min, "canonicalBox.min");
    const max = _vec3(box.max, "canonicalBox.max");
    for (let k = 0; k < 3; k++) {
        if (!(max[k] > min[k])) {
            throw new AvatarFormatError(`canonicalBox.max[${k}]`, "must be greater than canonicalBox.min");
        }
    }
    const maxDisplacement = _finite(root.maxDisplacement, "maxDisplacement");
    if (maxDisplacement < 0) {
        throw new AvatarFormatError("maxDisplacement", "must be ≥ 0");
    }
    let compatibleAvatarVersions: string[] | undefined;
    if (root.compatibleAvatarVersions !== undefined) {
        const list = root.compatibleAvatarVersions;
        if (!Array.isArray(list)) {
            throw new AvatarFormatError("compatibleAvatarVersions", "must be an array of version strings");
        }
        compatibleAvatarVersions = list.map((v, i) => _string(v, `compatibleAvatarVersions[${i}]`));
    }
    let stretchCarve: IPackManifest["stretchCarve"];
    if (root.stretchCarve !== undefined) {
        const carve = _object(root.stretchCarve, "stretchCarve");
        stretchCarve = { from: _finite(carve.from, "stretchCarve.from"), to: _finite(carve.to, "stretchCarve.to") };
        if (stretchCarve.from < 0) {
            throw new AvatarFormatError("stretchCarve.from", `must be ≥ 0, got ${stretchCarve.from}`);
        }
        if (!(stretchCarve.to > stretchCarve.from)) {
            throw new AvatarFormatError("stretchCarve.to", `must be greater than stretchCarve.from (${stretchCarve.from}), got ${stretchCarve.to}`);
        }
    }
    const alphaDims = _integer(root.alphaDims, "alphaDims", 1);
    const eyelids = root.eyelids === undefined ? undefined : _eyelids(root.eyelids, alphaDims);
    const names = root.expressionNames;
    if (!Array.isArray(names) || names.length !== ArkitNames.length || names.some((n, i) => n !== ArkitNames[i])) {
        throw new AvatarFormatError("expressionNames", `must list the ${ArkitNames.length} ICT/ARKit names in runtime order`);
    }
    const triplane = _object(root.triplane, "triplane");
    const channels = _integer(triplane.channels, "triplane.channels", 4);
    if (channels % 4 !== 0) {
        throw new AvatarFormatError("triplane.channels", `must be a multiple of 4, got ${channels}`);
    }
    const resolution = _integer(triplane.resolution, "triplane.resolution", 2);
    const frequencies = _integer(_object(root.positionalEncoding, "positionalEncoding").frequencies, "positionalEncoding.frequencies", 0);

    const tensorsJson = _object(root.tensors, "tensors");
    const filesJson = _object(root.files, "files");
    const files: IPackManifest["files"] = {};
    for (const [name, entry] of Object.entries(filesJson)) {
        const f = _object(entry, `files["${name}"]`);
        const sha256 = _string(f.sha256, `files["${name}"].sha256`);
        if (!/^[0-9a-f]{64}$/.test(sha256)) {
            throw new AvatarFormatError(`files["${name}"].sha256`, "must be 64 lowercase hex digits");
        }
        files[name] = { byteLength: _integer(f.byteLength, `files["${name}"].byteLength`, 0), sha256 };
    }
    const tensors: Record<string, IPackTensor> = {};
    for (const [name, entry] of Object.entries(tensorsJson)) {
        const f = `tensors["${name}"]`;
        const t = _object(entry, f);
        const file = _string(t.file, `${f}.file`);
        if (!files[file]) {
            throw new AvatarFormatError(`${f}.file`, `names "${file}", which is not in "files"`);
        }
        if (t.dtype !== "float16" && t.dtype !== "float32") {
            throw new AvatarFormatError(`${f}.dtype`, `must be "float16" or "float32", got ${JSON.stringify(t.dtype)}`);
        }
        if (!Array.isArray(t.shape) || t.shape.length === 0) {
            throw new AvatarFormatError(`${f}.shape`, "must be a non-empty array of positive integers");
        }
        const shape = t.shape.map((d, i) => _integer(d, `${f}.shape[${i}]`, 1));
        const byteOffset = _integer(t.byteOffset, `${f}.byteOffset`, 0);
        const byteLength = _integer(t.byteLength, `${f}.byteLength`, 1);
        const expected = shape.reduce((a, b) => a * b, 1) * DTypeSize(t.dtype);
        if (byteLength !== expected) {
            throw new AvatarFormatError(`${f}.byteLength`, `is ${byteLength}, but shape [${shape}] of ${t.dtype} needs ${expected}`);
        }
        if (byteOffset + byteLength > files[file].byteLength) {
            throw new AvatarFormatError(`${f}.byteOffset`, `range ends at ${byteOffset + byteLength}, past the end of "${file}" (${files[file].byteLength} bytes)`);
        }
        if (byteOffset % DTypeSize(t.dtype) !== 0) {
            throw new AvatarFormatError(`${f}.byteOffset`, `must be a multiple of ${DTypeSize(t.dtype)}`);
        }
        tensors[name] = { file, dtype: t.dtype, shape, byteOffset, byteLength };
    }

    const networksJson = _object(root.networks, "networks");
    let generator: IPackManifest["networks"]["generator"];
    if (networksJson.generator !== undefined) {
        const g = _object(networksJson.generator, "networks.generator");
        const onnx = _string(g.onnx, "networks.generator.onnx");
        if (!files[onnx]) {
            throw new AvatarFormatError("networks.generator.onnx", `names "${onnx}", which is not in "files"`);
        }
        generator = { onnx, input: _string(g.input, "networks.generator.input"), output: _string(g.output, "networks.generator.output") };
    }
    return {
        format: "nofa-pack",
        formatVersion: PackFormatVersion,
        id,
        version,
        canonicalBox: { min, max },
        maxDisplacement,
        ...(compatibleAvatarVersions ? { compatibleAvatarVersions } : {}),
        ...(stretchCarve ? { stretchCarve } : {}),
        ...(eyelids ? { eyelids } : {}),
        alphaDims,
        expressionNames: names as string[],
        triplane: { channels, resolution },
        positionalEncoding: { frequencies },
        networks: {
            decoder: _mlp(networksJson.decoder, "networks.decoder", tensors),
            deformation: _deformationMlp(networksJson.deformation, tensors),
            blend: _mlp(networksJson.blend, "networks.blend", tensors),
            generator,
        },
        tensors,
        files,
        provenance: root.provenance as Record<string, unknown> | undefined,
        licenses: root.licenses as Array<Record<string, unknown>> | undefined,
    };
}

/**
 * The deformed box: the canonical box grown by `maxDisplacement` on every side (cm). The runtime
 * marches rays, bakes the displacement and grids the occupancy over it; a photo layer covers it.
 * @param manifest the pack's manifest
 * @returns its least and greatest corners
 */
export function DeformedBox(manifest: Pick<IPackManifest, "canonicalBox" | "maxDisplacement">): { min: [number, number, number]; max: [number, number, number] } {
    const m = manifest.maxDisplacement;
    const [min, max] = [manifest.canonicalBox.min, manifest.canonicalBox.max];
    return { min: [min[0] - m, min[1] - m, min[2] - m], max: [max[0] + m, max[1] + m, max[2] + m] };
}
