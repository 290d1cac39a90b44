/**
 * Pack and avatar files through the real loaders: the analytic files load; every kind of bad
 * file (truncated, wrong shape or dtype, NaN, unknown version, wrong hash) gets an
 * AvatarFormatError whose `field` names the place at fault.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { AvatarFormatError } from "../../plugin/errors";
import { ModelPack } from "../../plugin/pack/modelPack";
import { ReadAvatarGlb, WriteAvatarGlb } from "../../plugin/loader/avatarGlb";
import { Float32ArrayToHalf, FloatToHalf, HalfArrayToFloat32, HalfToFloat } from "../../plugin/io/float16";
import { type IPhotoLayer } from "../../plugin/volume/avatarAsset";
import { ExpressionCount, GetExpressionIndex } from "../../plugin/expression/arkitNames";
import validator from "gltf-validator";
import { AnalyticPackId, AnalyticPackVersion, WriteAnalyticAssets } from "../support/analyticHead";
import { DiskReader } from "../support/nodeFiles";

const root = mkdtempSync(join(tmpdir(), "nofa-formats-"));
let caseIndex = 0;

beforeAll(async () => {
    await WriteAnalyticAssets(join(root, "good"));
});

const sha = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** A copy of the good pack, mutated by `edit(json, weights)`; returns its folder. */
function mutatedPack(edit: (json: Record<string, any>, weights: Uint8Array) => Uint8Array | void, rehash = true): string {
    const dir = join(root, `case${caseIndex++}`);
    cpSync(join(root, "good", "pack"), dir, { recursive: true });
    const json = JSON.parse(readFileSync(join(dir, "pack.json"), "utf8"));
    let weights: Uint8Array = new Uint8Array(readFileSync(join(dir, "weights.bin")));
    weights = edit(json, weights) ?? weights;
    if (rehash) {
        json.files["weights.bin"] = { byteLength: weights.byteLength, sha256: sha(weights) };
    }
    writeFileSync(join(dir, "weights.bin"), weights);
    writeFileSync(join(dir, "pack.json"), JSON.stringify(json));
    return dir;
}

/** The JSON chunk of a glb. */
function GlbJson(glb: Uint8Array): Record<string, any> {
    const length = new DataView(glb.buffer, glb.byteOffset).getUint32(12, true);
    return JSON.parse(new TextDecoder().decode(glb.subarray(20, 20 + length)));
}

/** The glb with its JSON chunk replaced (padded with spaces to 4 bytes), its binary chunk kept. */
function GlbWithJson(glb: Uint8Array, json: unknown): Uint8Array {
    const view = new DataView(glb.buffer, glb.byteOffset);
    const rest = glb.subarray(20 + view.getUint32(12, true));
    const text = JSON.stringify(json);
    const bytes = new TextEncoder().encode(text + " ".repeat((4 - (new TextEncoder().encode(text).length % 4)) % 4));
    const out = new Uint8Array(20 + bytes.length + rest.length);
    const o = new DataView(out.buffer);
    out.set(glb.subarray(0, 12));
    o.setUint32(8, out.length, true);
    o.setUint32(12, bytes.length, true);
    o.setUint32(16, 0x4e4f534a, true);
    out.set(bytes, 20);
    out.set(rest, 20 + bytes.length);
    return out;
}

async function expectFormatError(promise: Promise<unknown>, field: string | RegExp): Promise<void> {
    const error = await promise.then(
        () => null,
        (e: unknown) => e
    );
    expect(error).toBeInstanceOf(AvatarFormatError);
    expect((error as AvatarFormatError).field).toMatch(field);
}

describe("model pack", () => {
    test("the analytic pack loads and is registered by id and version", async () => {
        const pack = await ModelPack.LoadAsync(DiskReader(join(root, "good", "pack")));
        expect(pack.id).toBe(AnalyticPackId);
        expect(ModelPack.Find(AnalyticPackId, AnalyticPackVersion)).toBe(pack);
        expect(pack.decoder.outputSize).toBe(4);
        expect(pack.deformation.inputSize).toBe(pack.positionalEncodingSize + pack.manifest.alphaDims + 53);
    });

    test("unknown format version", async () => {
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.formatVersion = 99)))), "formatVersion");
    });

    test("not JSON", async () => {
        const dir = mutatedPack(() => undefined);
        writeFileSync(join(dir, "pack.json"), "{ not json");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(dir)), "pack.json");
    });

    test("truncated blob", async () => {
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((_, w) => w.slice(0, w.length - 10), false))), 'files["weights.bin"].byteLength');
    });

    test("wrong hash", async () => {
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((_, w) => void (w[3] ^= 0xff), false))), 'files["weights.bin"].sha256');
    });

    test("wrong dtype", async () => {
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.tensors["decoder.0.weight"].dtype = "int8")))), 'tensors["decoder.0.weight"].dtype');
    });

    test("shape that does not match its byte length", async () => {
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.tensors["decoder.0.weight"].shape = [8, 9])))), 'tensors["decoder.0.weight"].byteLength');
    });

    test("layer shapes that do not chain", async () => {
        const dir = mutatedPack((j) => {
            // Same bytes, declared as [16, 4] instead of [8, 8]: the decoder's input is 8 channels.
            j.tensors["decoder.0.weight"].shape = [16, 4];
        });
        await expectFormatError(ModelPack.LoadAsync(DiskReader(dir)), 'tensors["decoder.0.weight"].shape');
    });

    test("range past the end of its file", async () => {
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.tensors["blend.1.bias"].byteOffset = 100000)))), 'tensors["blend.1.bias"].byteOffset');
    });

    test("NaN in a tensor", async () => {
        const dir = mutatedPack((j, w) => {
            const t = j.tensors["decoder.1.bias"];
            new DataView(w.buffer).setUint16(t.byteOffset, 0x7e00, true);
        });
        await expectFormatError(ModelPack.LoadAsync(DiskReader(dir)), 'tensors["decoder.1.bias"]');
    });

    test("a jump whose sharpness is not a positive number, or a D-Net whose outputs do not fit its jump", async () => {
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.networks.deformation.jump = { sharpness: -1 })))), "networks.deformation.jump.sharpness");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.networks.deformation.jump = { sharpness: "10" })))), "networks.deformation.jump.sharpness");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.networks.deformation.jump = 10)))), "networks.deformation.jump");
        // The analytic D-Net outputs Δx (3 values): declaring a jump asks for 7.
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.networks.deformation.jump = { sharpness: 10 })))), /^networks\.deformation\.layers\[\d+\]$/);
    });

    test("a stretch carve whose thresholds are not numbers with 0 ≤ from < to", async () => {
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.stretchCarve = 0.5)))), "stretchCarve");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.stretchCarve = { from: "0.5", to: 0.9 })))), "stretchCarve.from");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.stretchCarve = { from: -0.1, to: 0.9 })))), "stretchCarve.from");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.stretchCarve = { from: 0.9, to: 0.5 })))), "stretchCarve.to");
        const pack = await ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.stretchCarve = { from: 0.5, to: 0.9 }))));
        expect(pack.stretchCarve).toEqual({ from: 0.5, to: 0.9 });
    });

    test("an eyelid rig with the wrong number of identity rows or margin points, an unknown expression or a span not above its plateau", async () => {
        // The committed pack's rig, cut to this pack's identity coefficients.
        const committed = JSON.parse(readFileSync("models/packs/ict-base/pack.json", "utf8")).eyelids;
        const rig = (dims: number): Record<string, any> => {
            const r = structuredClone(committed);
            for (const eye of r.eyes) {
                for (const key of ["centre", "radius", "margin"]) {
                    eye[key].identity = eye[key].identity.slice(0, dims);
                }
            }
            return r;
        };
        const withRig = (edit: (r: Record<string, any>) => void) =>
            mutatedPack((j) => {
                j.eyelids = rig(j.alphaDims);
                edit(j.eyelids);
            });
        const pack = await ModelPack.LoadAsync(DiskReader(withRig(() => undefined)));
        expect(pack.eyelids?.eyes.map((e) => e.expression)).toEqual(["eyeBlink_L", "eyeBlink_R"]);
        await expectFormatError(ModelPack.LoadAsync(DiskReader(withRig((r) => r.eyes[0].centre.identity.pop()))), "eyelids.eyes[0].centre.identity");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(withRig((r) => r.eyes[1].margin.mean.pop()))), "eyelids.eyes[1].margin.mean");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(withRig((r) => r.eyes[1].margin.closedOffset.pop()))), "eyelids.eyes[1].margin.closedOffset");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(withRig((r) => (r.eyes[1].expression = "eyeWink_R")))), "eyelids.eyes[1].expression");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(withRig((r) => (r.spanDegrees = r.plateauDegrees)))), "eyelids.spanDegrees");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(withRig((r) => (r.shell = [0.9, 0.5])))), "eyelids.shell");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(withRig((r) => r.eyes.pop()))), "eyelids.eyes");
    });

    test("a pack renders the avatars of the earlier versions it lists in compatibleAvatarVersions, and ModelPack.Find finds it for them", async () => {
        const pack = await ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void Object.assign(j, { id: "compat-head", version: "1.1.0", compatibleAvatarVersions: ["1.0.0"] }))));
        expect(pack.rendersAvatarsOf("compat-head", "1.1.0")).toBe(true);
        expect(pack.rendersAvatarsOf("compat-head", "1.0.0")).toBe(true);
        expect(pack.rendersAvatarsOf("compat-head", "0.9.0")).toBe(false);
        expect(pack.rendersAvatarsOf("other-head", "1.0.0")).toBe(false);
        expect(ModelPack.Find("compat-head", "1.0.0")).toBe(pack);
        expect(ModelPack.Find("compat-head", "0.9.0")).toBeNull();
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.compatibleAvatarVersions = "1.0.0")))), "compatibleAvatarVersions");
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void (j.compatibleAvatarVersions = ["1.0.0", 2])))), "compatibleAvatarVersions[1]");
    });

    test("missing network field", async () => {
        await expectFormatError(ModelPack.LoadAsync(DiskReader(mutatedPack((j) => void delete j.networks.blend))), "networks.blend");
    });
});

describe("avatar .glb", () => {
    const good = (): Uint8Array => new Uint8Array(readFileSync(join(root, "good", "analytic-head.glb")));

    test("the analytic avatar reads back what was written", async () => {
        const asset = await ReadAvatarGlb(good());
        expect(asset.packId).toBe(AnalyticPackId);
        expect(asset.triplane.length).toBe(3 * asset.channels * asset.resolution ** 2);
        const again = await ReadAvatarGlb(await WriteAvatarGlb(asset, "copy"));
        expect(Buffer.from(again.triplane.buffer).equals(Buffer.from(asset.triplane.buffer))).toBe(true);
    });

    test("colour planes round-trip; a NaN in them or a wrong size names the field", async () => {
        const asset = await ReadAvatarGlb(good());
        asset.colourPlanes = { resolution: 4, values: Float32ArrayToHalf(Float32Array.from({ length: 3 * 3 * 16 }, (_, i) => (i % 7) / 7 - 0.5)) };
        const again = await ReadAvatarGlb(await WriteAvatarGlb(asset, "colour"));
        expect(again.colourPlanes?.resolution).toBe(4);
        expect(Array.from(again.colourPlanes!.values)).toEqual(Array.from(asset.colourPlanes.values));
        asset.colourPlanes.values[5] = FloatToHalf(NaN);
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "nan")), /colourPlanes$/);
        asset.colourPlanes = { resolution: 8, values: new Uint16Array(3 * 3 * 16) };
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "size")), /colourPlanes\.bufferView$/);
    });

    test("a photo layer round-trips (the file stays valid glTF); bad sizes, NaN halves and a bad projection name the field", async () => {
        const asset = await ReadAvatarGlb(good());
        const layer = (width: number, height: number): IPhotoLayer => ({
            projection: Float32Array.from({ length: 12 }, (_, i) => (i % 5) * 0.37 - 0.5),
            width,
            height,
            colour: Uint8Array.from({ length: width * height * 4 }, (_, i) => (i * 37) % 256),
            depth: Float32ArrayToHalf(Float32Array.from({ length: width * height * 4 }, (_, i) => 20 + (i % 11) * 0.7)),
        });
        asset.photoLayer = layer(5, 3);
        const glb = await WriteAvatarGlb(asset, "photo");
        const report = await validator.validateBytes(glb);
        expect(report.issues.numErrors).toBe(0);
        expect(report.issues.numWarnings).toBe(0);
        const again = (await ReadAvatarGlb(glb)).photoLayer!;
        expect([again.width, again.height]).toEqual([5, 3]);
        expect(Array.from(again.projection)).toEqual(Array.from(asset.photoLayer.projection));
        expect(Array.from(again.colour)).toEqual(Array.from(asset.photoLayer.colour));
        expect(Array.from(again.depth)).toEqual(Array.from(asset.photoLayer.depth));

        asset.photoLayer.depth[7] = FloatToHalf(NaN);
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "nan")), /photoLayer\.depth$/);
        asset.photoLayer = { ...layer(5, 3), colour: new Uint8Array(5 * 4 * 4) };
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "colour size")), /photoLayer\.colour\.bufferView$/);
        asset.photoLayer = { ...layer(5, 3), depth: new Uint16Array(5 * 3 * 3) };
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "depth size")), /photoLayer\.depth\.bufferView$/);
        asset.photoLayer = { ...layer(5, 3), projection: new Float32Array(12).fill(Infinity) };
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "projection")), /photoLayer\.projection$/);
        asset.photoLayer = { ...layer(5, 3), projection: new Float32Array(9) };
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "projection length")), /photoLayer\.projection$/);
        asset.photoLayer = { ...layer(1, 1), width: 0 };
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "width")), /photoLayer\.width$/);
        asset.photoLayer = { ...layer(1, 1), height: 4097 };
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "height")), /photoLayer\.height$/);
        asset.photoLayer = layer(2, 2);
        const first = await WriteAvatarGlb(asset, "hash");
        asset.photoLayer.colour[0] ^= 1;
        const other = await WriteAvatarGlb(asset, "hash");
        // The other file's data under the first file's JSON: the photo colour's hash no longer matches.
        const jsonEnd = 20 + new DataView(first.buffer, first.byteOffset).getUint32(12, true);
        const mixed = Uint8Array.from([...first.subarray(0, jsonEnd), ...other.subarray(jsonEnd)]);
        await expectFormatError(ReadAvatarGlb(mixed), /sha256\.photoColour$/);
    });

    test("a photo layer's expression round-trips by name; an unknown name or a weight outside [0, 1] names the field, and the writer refuses a wrong length", async () => {
        const asset = await ReadAvatarGlb(good());
        const w = 2;
        const expression = new Float32Array(ExpressionCount);
        expression[GetExpressionIndex("jawOpen")] = 0.52;
        expression[GetExpressionIndex("mouthSmile_L")] = 0.25;
        asset.photoLayer = { projection: new Float32Array(12).fill(0.5), width: w, height: w, colour: new Uint8Array(w * w * 4), depth: new Uint16Array(w * w * 4), expression };
        const glb = await WriteAvatarGlb(asset, "expression");
        expect((await validator.validateBytes(glb)).issues.numErrors).toBe(0);
        expect(Array.from((await ReadAvatarGlb(glb)).photoLayer!.expression!)).toEqual(Array.from(expression));
        // The JSON names only the weights that are not 0.
        expect(GlbJson(glb).nodes[0].extensions.NOFA_avatar_volume.photoLayer.expression).toEqual({ jawOpen: expression[GetExpressionIndex("jawOpen")], mouthSmile_L: 0.25 });
        // A layer without one reads back without one.
        asset.photoLayer = { ...asset.photoLayer, expression: undefined };
        expect((await ReadAvatarGlb(await WriteAvatarGlb(asset, "none"))).photoLayer!.expression).toBeUndefined();

        const edited = (edit: (e: Record<string, number>) => void): Uint8Array => {
            const json = GlbJson(glb);
            edit(json.nodes[0].extensions.NOFA_avatar_volume.photoLayer.expression);
            return GlbWithJson(glb, json);
        };
        await expectFormatError(ReadAvatarGlb(edited((e) => (e.mouthOpen = 0.3))), /photoLayer\.expression\.mouthOpen$/);
        await expectFormatError(ReadAvatarGlb(edited((e) => (e.jawOpen = 1.5))), /photoLayer\.expression\.jawOpen$/);
        await expectFormatError(ReadAvatarGlb(edited((e) => ((e as Record<string, unknown>).jawOpen = "0.5"))), /photoLayer\.expression\.jawOpen$/);
        asset.photoLayer = { ...asset.photoLayer, expression: new Float32Array(52) };
        await expect(WriteAvatarGlb(asset, "short")).rejects.toThrow(RangeError);
    });

    test("truncated file", async () => {
        await expectFormatError(ReadAvatarGlb(good().slice(0, 5000)), "glb.length");
    });

    test("not a glb", async () => {
        await expectFormatError(ReadAvatarGlb(new TextEncoder().encode("hello, this is not a glTF binary")), "glb");
    });

    test("wrong hash of the tri-plane", async () => {
        const bytes = good();
        bytes[bytes.length - 100] ^= 0x55;
        await expectFormatError(ReadAvatarGlb(bytes), /sha256\.triplane$/);
    });

    test("NaN in the tri-plane (hash updated)", async () => {
        const asset = await ReadAvatarGlb(good());
        asset.triplane[1234] = FloatToHalf(NaN);
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "nan")), /triplane$/);
    });

    test("wrong tri-plane size for its declared resolution", async () => {
        const asset = await ReadAvatarGlb(good());
        asset.resolution = 32;
        await expectFormatError(ReadAvatarGlb(await WriteAvatarGlb(asset, "bad")), /triplane\.bufferView$/);
    });

    test("unknown extension version", async () => {
        const bytes = good();
        const json = GlbJson(bytes);
        json.nodes[0].extensions.NOFA_avatar_volume.formatVersion = 7;
        await expectFormatError(ReadAvatarGlb(GlbWithJson(bytes, json)), /formatVersion$/);
    });
});

describe("float16", () => {
    it("decodes arrays (through its lookup table) exactly as value by value, for every bit pattern", () => {
        const every = Uint16Array.from({ length: 65536 }, (_, h) => h);
        const decoded = HalfArrayToFloat32(every);
        const mismatches = Array.from(every).filter((h) => !Object.is(decoded[h], Math.fround(HalfToFloat(h))) && !(Number.isNaN(decoded[h]) && Number.isNaN(HalfToFloat(h))));
        expect(mismatches).toEqual([]);
        expect([decoded[0x3c00], decoded[0xc000], decoded[0x7bff], decoded[0x0001]]).toEqual([1, -2, 65504, 2 ** -24]);
        expect(Float32ArrayToHalf(HalfArrayToFloat32(Uint16Array.of(0x3555, 0x8400)))).toEqual(Uint16Array.of(0x3555, 0x8400));
    });
});
