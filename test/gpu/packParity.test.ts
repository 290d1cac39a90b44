/**
 * The committed ICT base pack (models/packs/ict-base) through the runtime: loaded and checked by
 * ModelPack, then each network evaluated by the CPU reference and by the WGSL kernels, against
 * the PyTorch fixtures beside the pack (tolerances from each fixture: |got − want| ≤ abs + rel·|want|).
 * The fixtures' points also check normalisation and positional-encoding order against Python,
 * and the generator runs through onnxruntime-web as `GenerateAvatarAssetAsync` runs it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ExpressionCount } from "../../plugin/expression/arkitNames";
import { HalfToFloat } from "../../plugin/io/float16";
import { PositionalEncoding } from "../../plugin/network/positionalEncoding";
import { GenerateAvatarAssetAsync } from "../../plugin/pack/avatarGenerator";
import { ModelPack } from "../../plugin/pack/modelPack";
import { FoldDynamicBiases } from "../../plugin/volume/dynamicBiases";
import { NetworkLayout } from "../../plugin/volume/networkLayout";
import { EyelidRig } from "../../plugin/volume/eyelidRig";
import { DecoderSource, DeformationSource, EyelidSource, NetworkBase } from "../../plugin/volume/shaderSources";
import { Dispatch, GetDevice, ReadBuffer, ReleaseGpu, StorageFrom, StorageOf } from "../support/gpu";
import { DiskReader } from "../support/nodeFiles";

const PackDir = "models/packs/ict-base";

interface IFixture {
    inputs: number[][];
    outputs: number[][];
    tolerance: { abs: number; rel: number };
    points?: number[][];
    alpha?: number[];
    beta?: number[];
    indices?: number[];
}

const fixture = (name: string): IFixture => JSON.parse(readFileSync(join(PackDir, "fixtures", `${name}.json`), "utf8"));

let device: GPUDevice;
let pack: ModelPack;
let layout: NetworkLayout;

beforeAll(async () => {
    ({ device } = await GetDevice());
    pack = await ModelPack.LoadAsync(DiskReader(PackDir));
    layout = new NetworkLayout(pack);
});
afterAll(() => ReleaseGpu(device));

function expectClose(got: ArrayLike<number>, want: number[], tol: { abs: number; rel: number }, what: string): void {
    for (let k = 0; k < want.length; k++) {
        const bound = tol.abs + tol.rel * Math.abs(want[k]);
        if (!(Math.abs(got[k] - want[k]) <= bound)) {
            throw new Error(`${what}[${k}]: got ${got[k]}, want ${want[k]} (± ${bound})`);
        }
    }
}

/** Runs `call` (WGSL returning a vec4 or a NofaVector) on each input row loaded into a NofaVector `x`; row i's first `outputs` (≤ 8) values at [8i, 8i + outputs). */
async function gpuRows(prelude: string, call: string, rows: number[][], width: number, outputs: number, dynamic?: Float32Array): Promise<Float32Array> {
    const n = rows.length;
    const harness = `
@group(0) @binding(0) var<storage, read> nofaWeights: array<f32>;
@group(0) @binding(1) var<storage, read> inputs: array<f32>;
@group(0) @binding(2) var<storage, read_write> outputs: array<f32>;
${dynamic ? "@group(0) @binding(3) var<storage, read> nofaDynamic: array<f32>;" : ""}
@group(1) @binding(0) var nofaTriplane: texture_2d_array<f32>;
@group(1) @binding(1) var nofaTriplaneSampler: sampler;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x >= ${n}u) { return; }
    var x: NofaVector;
    for (var i = 0u; i < ${width}u; i++) { x[i] = inputs[id.x * ${width}u + i]; }
    let y = ${call};
    for (var k = 0u; k < ${outputs}u; k++) { outputs[id.x * 8u + k] = y[k]; }
}`;
    const out = StorageOf(device, n * 32);
    const resources: GPUBindingResource[] = [{ buffer: StorageFrom(device, layout.weights) }, { buffer: StorageFrom(device, Float32Array.from(rows.flatMap((r) => r.slice(0, width)))) }, { buffer: out }];
    if (dynamic) {
        resources.push({ buffer: StorageFrom(device, dynamic) });
    }
    await Dispatch(device, [prelude, harness].join("\n"), resources, [Math.ceil(n / 64), 1, 1]);
    return new Float32Array(await ReadBuffer(device, out, n * 32));
}

const toUnit = (p: number[]): number[] => p.map((v, k) => (2 * (v - pack.manifest.canonicalBox.min[k])) / (pack.manifest.canonicalBox.max[k] - pack.manifest.canonicalBox.min[k]) - 1);

test("the pack loads: hashes, shapes and the runtime's layout", () => {
    expect(pack.id).toBe("ict-base");
    expect(pack.manifest.triplane).toEqual({ channels: 32, resolution: 128 });
    expect(layout.weights.length).toBeGreaterThan(1000);
});

test("decoder: CPU reference and WGSL match PyTorch", async () => {
    const f = fixture("decoder");
    const o = new Float32Array(4);
    f.inputs.forEach((row, i) => {
        pack.decoder.evaluate(row, o);
        expectClose(o, f.outputs[i], f.tolerance, `cpu decoder row ${i}`);
    });
    const gpu = await gpuRows([NetworkBase(pack, layout), DecoderSource(layout)].join("\n"), "nofaDecoderNet(&x)", f.inputs, pack.manifest.triplane.channels, 4);
    f.outputs.forEach((want, i) => expectClose(gpu.subarray(8 * i, 8 * i + 4), want, f.tolerance, `gpu decoder row ${i}`));
});

test("D-Net and W-Net: positional encoding, folded α/β biases and WGSL match PyTorch", async () => {
    const pe = pack.positionalEncodingSize;
    for (const name of ["deformation", "blend"] as const) {
        const f = fixture(name);
        const alpha = Float32Array.from(f.alpha!);
        const beta = Float32Array.from(f.beta ?? new Array(ExpressionCount).fill(0));
        const encoded = new Float32Array(pe);
        f.points!.forEach((p, i) => {
            PositionalEncoding(toUnit(p), pack.manifest.positionalEncoding.frequencies, encoded);
            expectClose(encoded, f.inputs[i].slice(0, pe), { abs: 1e-5, rel: 1e-5 }, `${name} PE row ${i}`);
        });
        const net = name === "deformation" ? pack.deformation : pack.blend;
        const o = new Float32Array(net.outputSize);
        f.inputs.forEach((row, i) => {
            net.evaluate(row, o);
            expectClose(o, f.outputs[i], f.tolerance, `cpu ${name} row ${i}`);
        });
        const dynamic = new Float32Array(layout.dynamicLength);
        FoldDynamicBiases(pack, layout, alpha, beta, new Float32Array(alpha.length + ExpressionCount), dynamic);
        const call = name === "deformation" ? "nofaDeformationNet(&x)" : "vec4<f32>(nofaBlendNet(&x))";
        const gpu = await gpuRows([NetworkBase(pack, layout), DeformationSource(pack, layout)].join("\n"), call, f.inputs, pe, net.outputSize, dynamic);
        f.outputs.forEach((want, i) => expectClose(gpu.subarray(8 * i, 8 * i + want.length), want, f.tolerance, `gpu ${name} row ${i}`));
    }
});

test("eyelid rig: the rig's block for α (TypeScript) and its WGSL map match PyTorch's float64 maths; the closed lids move the points", async () => {
    const f = JSON.parse(readFileSync(join(PackDir, "fixtures", "eyelids.json"), "utf8")) as { alpha: number[]; beta: number[]; points: number[][]; canonical: number[][]; nearEdge: boolean[]; tolerance: number };
    const dynamic = new Float32Array(layout.dynamicLength);
    new EyelidRig(pack.eyelids!, f.alpha).write(f.beta, dynamic, layout.eyelidOffset);
    const n = f.points.length;
    const harness = `
@group(0) @binding(0) var<storage, read> nofaDynamic: array<f32>;
@group(0) @binding(1) var<storage, read> inputs: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> outputs: array<vec4<f32>>;
@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {
    if (id.x >= ${n}u) { return; }
    outputs[id.x] = vec4<f32>(nofaEyelidBackward(inputs[id.x].xyz), 0.0);
}`;
    const out = StorageOf(device, n * 16);
    const inputs = StorageFrom(device, Float32Array.from(f.points.flatMap((p) => [...p, 0])));
    await Dispatch(device, [EyelidSource(pack, layout), harness].join("\n"), [{ buffer: StorageFrom(device, dynamic) }, { buffer: inputs }, { buffer: out }], [Math.ceil(n / 64), 1, 1]);
    const gpu = new Float32Array(await ReadBuffer(device, out, n * 16));
    let moved = 0;
    f.points.forEach((p, i) => {
        moved += Math.hypot(...f.canonical[i].map((v, k) => v - p[k])) > 0.05 ? 1 : 0;
        if (!f.nearEdge[i]) {
            expectClose(gpu.subarray(4 * i, 4 * i + 3), f.canonical[i], { abs: f.tolerance, rel: 0 }, `eyelid point ${i}`);
        }
    });
    // Both lids closed (1 and 0.6): a good share of the points around the eyes move by more than 0.5 mm.
    expect(moved).toBeGreaterThan(n / 8);
});

test("generator: G(α) through onnxruntime-web matches PyTorch at the fixture's indices", async () => {
    const f = fixture("generator");
    const asset = await GenerateAvatarAssetAsync(pack, f.inputs[0]);
    f.indices!.forEach((index, i) => {
        const want = (f.outputs as unknown as number[])[i];
        const got = HalfToFloat(asset.triplane[index]);
        // The asset stores float16: allow its rounding on top of the fixture's tolerance.
        expect(Math.abs(got - want)).toBeLessThanOrEqual(f.tolerance.abs + f.tolerance.rel * Math.abs(want) + Math.abs(want) * 1e-3 + 1e-4);
    });
});
