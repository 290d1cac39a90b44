/** Writes model packs and avatars to disk in the committed format, for tests and fixtures. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ArkitNames } from "../../plugin/expression/arkitNames";
import { FloatToHalf } from "../../plugin/io/float16";
import { Sha256Hex } from "../../plugin/io/sha256";

/** A Linear layer given as nested arrays: weight [out][in]. */
export interface ITestLayer {
    weight: number[][];
    bias: number[];
    activation: "relu" | "none";
}

/** What a test pack is made of. */
export interface ITestPackSpec {
    id: string;
    version: string;
    boxMin: number[];
    boxMax: number[];
    maxDisplacement: number;
    alphaDims: number;
    channels: number;
    resolution: number;
    frequencies: number;
    decoder: ITestLayer[];
    deformation: ITestLayer[];
    /** The D-Net's jump sharpness k (its last layer then has 7 outputs: a, j, s); none by default. */
    deformationJump?: number;
    /** The pack's stretch carve (docs/formats.md); none by default. */
    stretchCarve?: { from: number; to: number };
    blend: ITestLayer[];
    provenance: string;
}

/**
 * Writes `pack.json` and `weights.bin` (float16) into `dir`.
 * @param dir output folder (created)
 * @param spec the pack
 * @returns the pack.json object as written
 */
export async function WriteTestPack(dir: string, spec: ITestPackSpec): Promise<Record<string, unknown>> {
    mkdirSync(dir, { recursive: true });
    const tensors: Record<string, object> = {};
    const chunks: Uint16Array[] = [];
    let offset = 0;
    const networks: Record<string, { layers: object[]; jump?: { sharpness: number } }> = {};
    for (const [name, layers] of [["decoder", spec.decoder], ["deformation", spec.deformation], ["blend", spec.blend]] as const) {
        networks[name] = {
            layers: layers.map((layer, i) => {
                const entry: Record<string, string> = { activation: layer.activation };
                for (const [key, values, shape] of [
                    ["weight", layer.weight.flat(), [layer.weight.length, layer.weight[0].length]],
                    ["bias", layer.bias, [layer.bias.length]],
                ] as const) {
                    const tensorName = `${name}.${i}.${key}`;
                    const halves = Uint16Array.from(values, FloatToHalf);
                    tensors[tensorName] = { file: "weights.bin", dtype: "float16", shape, byteOffset: offset, byteLength: halves.byteLength };
                    chunks.push(halves);
                    offset += halves.byteLength;
                    entry[key] = tensorName;
                }
                return entry;
            }),
        };
    }
    if (spec.deformationJump !== undefined) {
        networks.deformation.jump = { sharpness: spec.deformationJump };
    }
    const weights = new Uint8Array(offset);
    let cursor = 0;
    for (const c of chunks) {
        weights.set(new Uint8Array(c.buffer), cursor);
        cursor += c.byteLength;
    }
    const pack = {
        format: "nofa-pack",
        formatVersion: 1,
        id: spec.id,
        version: spec.version,
        units: "cm",
        canonicalBox: { min: spec.boxMin, max: spec.boxMax },
        maxDisplacement: spec.maxDisplacement,
        ...(spec.stretchCarve ? { stretchCarve: spec.stretchCarve } : {}),
        alphaDims: spec.alphaDims,
        expressionNames: ArkitNames,
        triplane: { channels: spec.channels, resolution: spec.resolution },
        positionalEncoding: { frequencies: spec.frequencies },
        networks,
        tensors,
        files: { "weights.bin": { byteLength: weights.byteLength, sha256: await Sha256Hex(weights) } },
        provenance: { command: spec.provenance, seed: 0 },
        licenses: [{ component: spec.id, license: "MIT" }],
    };
    writeFileSync(join(dir, "weights.bin"), weights);
    writeFileSync(join(dir, "pack.json"), JSON.stringify(pack, null, 1));
    return pack;
}

/** A small deterministic PRNG (mulberry32) for reproducible random tests. */
export function Random(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/**
 * Random MLP layers with the given widths (weights ~ U(-s, s), s = 1/sqrt(in)).
 * @param widths [in, hidden…, out]
 * @param rand PRNG
 * @returns layers, ReLU between, none after the last
 */
export function RandomLayers(widths: number[], rand: () => number): ITestLayer[] {
    const layers: ITestLayer[] = [];
    for (let i = 0; i + 1 < widths.length; i++) {
        const s = 1 / Math.sqrt(widths[i]);
        layers.push({
            weight: Array.from({ length: widths[i + 1] }, () => Array.from({ length: widths[i] }, () => (2 * rand() - 1) * s)),
            bias: Array.from({ length: widths[i + 1] }, () => (2 * rand() - 1) * 0.5),
            activation: i + 2 < widths.length ? "relu" : "none",
        });
    }
    return layers;
}

/** Writes bytes, creating the folder. */
export function WriteBytes(path: string, bytes: Uint8Array): void {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, bytes);
}
