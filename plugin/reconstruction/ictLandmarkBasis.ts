import { ArkitNames } from "../expression/arkitNames";
import { HalfToFloat } from "../io/float16";
import { FetchBytesAsync } from "../io/fetchBytes";
import { type FileReader } from "../io/fileSource";
import { MultiPie68Count } from "./multiPie68";
import { ReconstructionError } from "./reconstructionError";

const _Magic = 0x4c544349; // "ICTL", little-endian
const _Version = 1;
const _HeaderBytes = 20;

/**
 * The part of the ICT-FaceKit 3DMM that a landmark fit needs: the 68 landmark vertices' neutral
 * positions and their rows of the identity and expression modes (centimetres, +y up, +z out of the
 * face). `position = mean + Σ αᵢ identityᵢ + Σ βⱼ expressionⱼ`.
 *
 * Two sources: the full ICT data in a folder (`../shared/ict-facekit`, read with
 * {@link IctLandmarkBasis.FromIctFolderAsync}, Node or anywhere a {@link FileReader} reaches it), or
 * the small derived file `plugin/reconstruction/data/ict-landmarks68.bin` (≈125 KB, committed, for
 * the browser; {@link IctLandmarkBasis.LoadAsync}), written by
 * `npx tsx test/reconstruction/writeIctLandmarkBasis.ts`. Its layout: five uint32 (magic "ICTL",
 * version 1, landmark count, identity count, expression count), then float32 mean
 * `[landmarks][3]`, identity `[identity][landmarks][3]`, expression `[expression][landmarks][3]`.
 * 3DMM: ICT-FaceKit, MIT.
 */
export class IctLandmarkBasis {
    /** Number of landmarks (68, Multi-PIE order). */
    public readonly landmarkCount: number;
    /** Number of identity modes (α dimensions) held. */
    public readonly identityCount: number;
    /** Number of expression modes (β dimensions; 53, in {@link ArkitNames} order). */
    public readonly expressionCount: number;
    /** Neutral landmark positions, `[landmarks][3]`, cm. */
    public readonly mean: Float32Array;
    /** Identity mode rows, `[identity][landmarks][3]`, cm per unit α. */
    public readonly identity: Float32Array;
    /** Expression mode rows, `[expression][landmarks][3]`, cm per unit β. */
    public readonly expression: Float32Array;

    /**
     * @param identityCount number of identity modes
     * @param expressionCount number of expression modes
     * @param mean neutral positions, `[68][3]`
     * @param identity identity rows, `[identityCount][68][3]`
     * @param expression expression rows, `[expressionCount][68][3]`
     */
    constructor(identityCount: number, expressionCount: number, mean: Float32Array, identity: Float32Array, expression: Float32Array) {
        const n = MultiPie68Count * 3;
        if (mean.length !== n || identity.length !== identityCount * n || expression.length !== expressionCount * n) {
            throw new ReconstructionError("BAD_BASIS", `landmark basis arrays have the wrong lengths for ${identityCount} identity and ${expressionCount} expression modes`);
        }
        this.landmarkCount = MultiPie68Count;
        this.identityCount = identityCount;
        this.expressionCount = expressionCount;
        this.mean = mean;
        this.identity = identity;
        this.expression = expression;
    }

    /**
     * Reads the landmark rows out of the full ICT-FaceKit data (`manifest.json`, `neutral.f32`,
     * `identity_modes.f16`, `expression_modes.f16`).
     * @param reader reads files of the ICT folder (e.g. `DiskReader("../shared/ict-facekit")` in Node)
     * @returns the basis with all 100 identity and 53 expression modes
     */
    public static async FromIctFolderAsync(reader: FileReader): Promise<IctLandmarkBasis> {
        let manifest: { vertexCount?: unknown; idx_to_landmark_verts?: unknown; expressionNames?: unknown; identityNames?: unknown };
        let neutral: ArrayBuffer, identityModes: ArrayBuffer, expressionModes: ArrayBuffer;
        try {
            manifest = JSON.parse(new TextDecoder().decode(await reader("manifest.json")));
            [neutral, identityModes, expressionModes] = await Promise.all([reader("neutral.f32"), reader("identity_modes.f16"), reader("expression_modes.f16")]);
        } catch (e) {
            throw new ReconstructionError("BAD_BASIS", `cannot read the ICT-FaceKit folder: ${(e as Error).message}`);
        }
        const vertexCount = manifest.vertexCount;
        const landmarks = manifest.idx_to_landmark_verts;
        const names = manifest.expressionNames;
        if (typeof vertexCount !== "number" || !Array.isArray(landmarks) || landmarks.length !== MultiPie68Count) {
            throw new ReconstructionError("BAD_BASIS", "manifest.json lacks vertexCount or 68 idx_to_landmark_verts");
        }
        if (!Array.isArray(names) || names.length !== ArkitNames.length || names.some((name, i) => name !== ArkitNames[i])) {
            throw new ReconstructionError("BAD_BASIS", "manifest.json expressionNames differ from the 53 ICT/ARKit names");
        }
        const identityCount = Array.isArray(manifest.identityNames) ? manifest.identityNames.length : 100;
        const stride = vertexCount * 3;
        if (neutral.byteLength !== stride * 4 || identityModes.byteLength !== identityCount * stride * 2 || expressionModes.byteLength !== ArkitNames.length * stride * 2) {
            throw new ReconstructionError("BAD_BASIS", "ICT-FaceKit binaries have unexpected sizes");
        }
        const neutralF32 = new Float32Array(neutral);
        const mean = new Float32Array(MultiPie68Count * 3);
        for (let l = 0; l < MultiPie68Count; l++) {
            for (let c = 0; c < 3; c++) {
                mean[3 * l + c] = neutralF32[3 * landmarks[l] + c];
            }
        }
        const gather = (bits: Uint16Array, modes: number): Float32Array => {
            const out = new Float32Array(modes * MultiPie68Count * 3);
            for (let m = 0; m < modes; m++) {
                for (let l = 0; l < MultiPie68Count; l++) {
                    for (let c = 0; c < 3; c++) {
                        out[(m * MultiPie68Count + l) * 3 + c] = HalfToFloat(bits[m * stride + 3 * landmarks[l] + c]);
                    }
                }
            }
            return out;
        };
        return new IctLandmarkBasis(
            identityCount,
            ArkitNames.length,
            mean,
            gather(new Uint16Array(identityModes), identityCount),
            gather(new Uint16Array(expressionModes), ArkitNames.length)
        );
    }

    /**
     * Parses the derived binary (see the class description).
     * @param buffer the file's bytes
     * @returns the basis
     */
    public static FromBinary(buffer: ArrayBuffer): IctLandmarkBasis {
        if (buffer.byteLength < _HeaderBytes) {
            throw new ReconstructionError("BAD_BASIS", "landmark basis file is truncated");
        }
        const header = new Uint32Array(buffer, 0, 5);
        if (header[0] !== _Magic || header[1] !== _Version || header[2] !== MultiPie68Count) {
            throw new ReconstructionError("BAD_BASIS", "not an ICT landmark basis file (magic, version or landmark count)");
        }
        const identityCount = header[3];
        const expressionCount = header[4];
        const n = MultiPie68Count * 3;
        if (buffer.byteLength !== _HeaderBytes + 4 * n * (1 + identityCount + expressionCount)) {
            throw new ReconstructionError("BAD_BASIS", "landmark basis file has the wrong size");
        }
        let offset = _HeaderBytes;
        const take = (count: number): Float32Array => {
            const a = new Float32Array(buffer.slice(offset, offset + 4 * count));
            offset += 4 * count;
            return a;
        };
        const mean = take(n);
        const identity = take(identityCount * n);
        return new IctLandmarkBasis(identityCount, expressionCount, mean, identity, take(expressionCount * n));
    }

    /**
     * Fetches and parses the derived binary.
     * @param url where `ict-landmarks68.bin` is served; by default the copy that bundlers emit beside
     * this module (webpack and Vite resolve `new URL(…, import.meta.url)`; in Node it is read from disk)
     * @returns the basis
     */
    public static async LoadAsync(url: string = new URL("./data/ict-landmarks68.bin", import.meta.url).href): Promise<IctLandmarkBasis> {
        let bytes: ArrayBuffer;
        try {
            bytes = await FetchBytesAsync(url);
        } catch (e) {
            throw new ReconstructionError("BAD_BASIS", `cannot read ${url}: ${(e as Error).message}`);
        }
        return IctLandmarkBasis.FromBinary(bytes);
    }

    /**
     * Writes the derived binary (see the class description).
     * @returns the file's bytes
     */
    public serialize(): ArrayBuffer {
        const floats = this.mean.length + this.identity.length + this.expression.length;
        const buffer = new ArrayBuffer(_HeaderBytes + 4 * floats);
        new Uint32Array(buffer, 0, 5).set([_Magic, _Version, MultiPie68Count, this.identityCount, this.expressionCount]);
        const body = new Float32Array(buffer, _HeaderBytes);
        body.set(this.mean, 0);
        body.set(this.identity, this.mean.length);
        body.set(this.expression, this.mean.length + this.identity.length);
        return buffer;
    }

    /**
     * Landmark positions for given weights; modes beyond the arrays' lengths count as zero.
     * @param alpha identity weights (the first `alpha.length` modes)
     * @param beta expression weights, indexed like {@link ArkitNames} (the first `beta.length`)
     * @param out 68 × 3 positions, cm
     * @returns out
     */
    public evaluate(alpha: ArrayLike<number>, beta: ArrayLike<number>, out: Float64Array = new Float64Array(MultiPie68Count * 3)): Float64Array {
        const n = MultiPie68Count * 3;
        for (let i = 0; i < n; i++) {
            out[i] = this.mean[i];
        }
        for (let m = 0; m < Math.min(alpha.length, this.identityCount); m++) {
            const a = alpha[m];
            for (let i = 0; i < n; i++) {
                out[i] += a * this.identity[m * n + i];
            }
        }
        for (let m = 0; m < Math.min(beta.length, this.expressionCount); m++) {
            const b = beta[m];
            for (let i = 0; i < n; i++) {
                out[i] += b * this.expression[m * n + i];
            }
        }
        return out;
    }
}
