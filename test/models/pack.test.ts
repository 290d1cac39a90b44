/**
 * The committed base pack (models/packs/ict-base): file hashes and lengths as pack.json states them,
 * float16 tensors finite and in range, and generator.onnx run by onnxruntime-web against its fixture.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-web";

const DIR = join(process.cwd(), "models", "packs", "ict-base");
const pack = JSON.parse(readFileSync(join(DIR, "pack.json"), "utf8"));

interface Tolerance { abs: number; rel: number }
const within = (got: number, want: number, tol: Tolerance) => Math.abs(got - want) <= tol.abs + tol.rel * Math.abs(want);

test("pack.json: every file has the stated length and SHA-256", () => {
    for (const [name, meta] of Object.entries<{ byteLength: number; sha256: string }>(pack.files)) {
        const blob = readFileSync(join(DIR, name));
        expect(blob.byteLength).toBe(meta.byteLength);
        expect(createHash("sha256").update(blob).digest("hex")).toBe(meta.sha256);
    }
});

test("pack.json: tensors lie inside their files with byteLength = product(shape) × 2", () => {
    for (const [name, t] of Object.entries<any>(pack.tensors)) {
        expect([name, t.dtype]).toEqual([name, "float16"]);
        expect(t.byteLength).toBe(t.shape.reduce((a: number, b: number) => a * b, 1) * 2);
        expect(t.byteOffset + t.byteLength).toBeLessThanOrEqual(pack.files[t.file].byteLength);
    }
});

test("pack stays within its 10 MB budget", () => {
    const total = Object.values<{ byteLength: number }>(pack.files).reduce((a, f) => a + f.byteLength, 0);
    expect(total).toBeLessThan(10e6);
});

test("generator.onnx in onnxruntime-web reproduces the PyTorch fixture", async () => {
    const fixture = JSON.parse(readFileSync(join(DIR, "fixtures", "generator.json"), "utf8"));
    ort.env.wasm.numThreads = 1;
    const session = await ort.InferenceSession.create(readFileSync(join(DIR, pack.networks.generator.onnx)));
    const alpha = Float32Array.from(fixture.inputs[0] as number[]);
    expect(alpha.length).toBe(pack.alphaDims);
    const out = await session.run({ [pack.networks.generator.input]: new ort.Tensor("float32", alpha, [1, alpha.length]) });
    const triplane = out[pack.networks.generator.output];
    const { channels: c, resolution: r } = pack.triplane;
    expect(triplane.dims).toEqual([1, 3 * c, r, r]);
    const data = triplane.data as Float32Array;
    const bad = (fixture.indices as number[]).filter((ix, i) => !within(data[ix], fixture.outputs[i], fixture.tolerance));
    expect(bad).toEqual([]);
    (fixture.sums as number[]).forEach((want, ch) => {
        let sum = 0;
        for (let i = ch * r * r; i < (ch + 1) * r * r; i++) sum += data[i];
        expect(Math.abs(sum - want)).toBeLessThanOrEqual(1e-3 * r * r);
    });
});
