import { AvatarFormatError } from "../errors";
import { HalfArrayToFloat32 } from "../io/float16";
import { type FileReader, UrlFileReader } from "../io/fileSource";
import { Sha256Hex } from "../io/sha256";
import { Mlp, type IMlpLayer } from "../network/mlp";
import { PositionalEncodingSize } from "../network/positionalEncoding";
import { ExpressionCount } from "../expression/arkitNames";
import { type IPackEyelids, type IPackManifest, type IPackMlp, ParsePackManifest } from "./packManifest";

const _registry = new Map<string, ModelPack>();

function _key(id: string, version: string): string {
    return `${id}@${version}`;
}

/**
 * The networks every avatar of a kind shares (docs/formats.md): decoder, D-Net (deformation),
 * W-Net (blend) and the optional generator. A pack lives on the CPU; each avatar uploads what
 * it needs to the GPU, so loading a pack never leaves anything on the GPU.
 */
export class ModelPack {
    /** The checked `pack.json`. */
    public readonly manifest: IPackManifest;
    /** Tri-plane features → 4 raw outputs (softplus density, sigmoid rgb). */
    public readonly decoder: Mlp;
    /** D-Net: [PE(u_d), α, β] → Δx (cm), or a, j, s with a jump (see {@link deformationJumpSharpness}). */
    public readonly deformation: Mlp;
    /** W-Net: [PE(u_d), α] → raw w (sigmoid). */
    public readonly blend: Mlp;
    /** The generator's ONNX bytes, when the pack has one. */
    public readonly generatorOnnx: Uint8Array | null;

    private constructor(manifest: IPackManifest, decoder: Mlp, deformation: Mlp, blend: Mlp, generatorOnnx: Uint8Array | null) {
        this.manifest = manifest;
        this.decoder = decoder;
        this.deformation = deformation;
        this.blend = blend;
        this.generatorOnnx = generatorOnnx;
    }

    /** Pack id. */
    public get id(): string {
        return this.manifest.id;
    }

    /** Pack version. */
    public get version(): string {
        return this.manifest.version;
    }

    /** k of a D-Net with a jump (Δx = a + sigmoid(k·s)·j), or null for a D-Net that outputs Δx. */
    public get deformationJumpSharpness(): number | null {
        return this.manifest.networks.deformation.jump?.sharpness ?? null;
    }

    /** The stretch carve's thresholds on det(∂x_c/∂x_d) (docs/formats.md), or null for a pack without one. */
    public get stretchCarve(): { from: number; to: number } | null {
        return this.manifest.stretchCarve ?? null;
    }

    /** The eyelid rig (docs/formats.md, "eyelids"), or null for a pack without one. */
    public get eyelids(): IPackEyelids | null {
        return this.manifest.eyelids ?? null;
    }

    /**
     * Whether avatars made for pack `id@version` render with this pack: the same id, and this version or one
     * that `compatibleAvatarVersions` lists (earlier versions with the same generator and decoder).
     * @param id the pack id an avatar names
     * @param version the pack version it names
     * @returns true when this pack renders such an avatar as it is
     */
    public rendersAvatarsOf(id: string, version: string): boolean {
        return id === this.id && (version === this.version || (this.manifest.compatibleAvatarVersions ?? []).includes(version));
    }

    /** Length of the positional encoding the D-Net and W-Net take first. */
    public get positionalEncodingSize(): number {
        return PositionalEncodingSize(this.manifest.positionalEncoding.frequencies);
    }

    /**
     * Loads and checks a pack: version, shapes, sizes, SHA-256 of every file, finite weights.
     * The loaded pack is registered so that avatars naming its id and version find it.
     * @param source the pack folder's URL, or a reader of its files (for Node, say)
     * @returns the pack
     * @throws AvatarFormatError naming the field at fault
     */
    public static async LoadAsync(source: string | FileReader): Promise<ModelPack> {
        const read = typeof source === "string" ? UrlFileReader(source) : source;
        let json: unknown;
        try {
            json = JSON.parse(new TextDecoder().decode(await read("pack.json")));
        } catch (e) {
            throw new AvatarFormatError("pack.json", `cannot be read as JSON (${(e as Error).message})`);
        }
        const manifest = ParsePackManifest(json);
        const files = new Map<string, Uint8Array>();
        for (const [name, entry] of Object.entries(manifest.files)) {
            let bytes: Uint8Array;
            try {
                bytes = new Uint8Array(await read(name));
            } catch (e) {
                throw new AvatarFormatError(`files["${name}"]`, `cannot be read (${(e as Error).message})`);
            }
            if (bytes.byteLength !== entry.byteLength) {
                throw new AvatarFormatError(`files["${name}"].byteLength`, `is ${entry.byteLength}, but the file has ${bytes.byteLength} bytes (truncated?)`);
            }
            const hash = await Sha256Hex(bytes);
            if (hash !== entry.sha256) {
                throw new AvatarFormatError(`files["${name}"].sha256`, `mismatch: the file hashes to ${hash}`);
            }
            files.set(name, bytes);
        }
        const tensor = (name: string): Float32Array => {
            const t = manifest.tensors[name];
            const bytes = files.get(t.file)!;
            const slice = bytes.slice(t.byteOffset, t.byteOffset + t.byteLength);
            const values = t.dtype === "float16" ? HalfArrayToFloat32(new Uint16Array(slice.buffer)) : new Float32Array(slice.buffer);
            for (let i = 0; i < values.length; i++) {
                if (!Number.isFinite(values[i])) {
                    throw new AvatarFormatError(`tensors["${name}"]`, `holds a non-finite value (${values[i]}) at element ${i}`);
                }
            }
            return values;
        };
        const pe = PositionalEncodingSize(manifest.positionalEncoding.frequencies);
        const { channels } = manifest.triplane;
        const build = (field: string, mlp: IPackMlp, inputs: number, outputs: number): Mlp => {
            const layers: IMlpLayer[] = [];
            let width = inputs;
            mlp.layers.forEach((l, i) => {
                const ws = manifest.tensors[l.weight].shape;
                const bs = manifest.tensors[l.bias].shape;
                if (ws.length !== 2 || ws[1] !== width) {
                    throw new AvatarFormatError(`tensors["${l.weight}"].shape`, `must be [out, ${width}] for layer ${i} of ${field}, got [${ws}]`);
                }
                if (bs.length !== 1 || bs[0] !== ws[0]) {
                    throw new AvatarFormatError(`tensors["${l.bias}"].shape`, `must be [${ws[0]}] for layer ${i} of ${field}, got [${bs}]`);
                }
                layers.push({ weight: tensor(l.weight), bias: tensor(l.bias), inputs: ws[1], outputs: ws[0], relu: l.activation === "relu" });
                width = ws[0];
            });
            if (width !== outputs) {
                throw new AvatarFormatError(`networks.${field}.layers[${mlp.layers.length - 1}]`, `must output ${outputs} values, outputs ${width}`);
            }
            return new Mlp(layers);
        };
        const decoder = build("decoder", manifest.networks.decoder, channels, 4);
        const deformation = build("deformation", manifest.networks.deformation, pe + manifest.alphaDims + ExpressionCount, manifest.networks.deformation.jump ? 7 : 3);
        const blend = build("blend", manifest.networks.blend, pe + manifest.alphaDims, 1);
        const generator = manifest.networks.generator ? files.get(manifest.networks.generator.onnx)! : null;
        const pack = new ModelPack(manifest, decoder, deformation, blend, generator);
        _registry.set(_key(pack.id, pack.version), pack);
        return pack;
    }

    /**
     * A pack loaded earlier with this id and version, or else the latest loaded one that renders avatars of
     * that version (see {@link rendersAvatarsOf}), or null.
     * @param id pack id
     * @param version pack version
     * @returns the registered pack or null
     */
    public static Find(id: string, version: string): ModelPack | null {
        return _registry.get(_key(id, version)) ?? [..._registry.values()].reverse().find((p) => p.rendersAvatarsOf(id, version)) ?? null;
    }
}
