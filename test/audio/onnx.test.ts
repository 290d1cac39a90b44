import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import * as ort from "onnxruntime-web";
import { LipSyncAnalyzer } from "../../plugin/audio/lipSyncAnalyzer.js";
import { LipSyncError } from "../../plugin/audio/lipSyncError.js";

const dir = "models/packs/lipsync/";
const pack = JSON.parse(readFileSync(dir + "pack.json", "utf8"));
const model = readFileSync(dir + "lipsync.onnx");
const parity = JSON.parse(readFileSync(dir + "parity.json", "utf8")) as { features: number[][]; weights: number[][]; visemes: number[][] };

describe("lip-sync network (ONNX in Node, onnxruntime-web wasm)", () => {
    test("pack: file size ≤ 2 MB and SHA-256 as recorded, with provenance", () => {
        expect(statSync(dir + "lipsync.onnx").size).toBeLessThanOrEqual(2 * 1024 * 1024);
        expect(pack.files["lipsync.onnx"].byteLength).toBe(model.length);
        expect(createHash("sha256").update(model).digest("hex")).toBe(pack.files["lipsync.onnx"].sha256);
        expect(pack.provenance.command).toContain("train.py");
        expect(typeof pack.provenance.seed).toBe("number");
        expect(pack.network.lookaheadFrames).toBeLessThanOrEqual(8);
    });

    test("ONNX output equals PyTorch's on the parity fixture", async () => {
        ort.env.wasm.numThreads = 1;
        const session = await ort.InferenceSession.create(model);
        const T = parity.features.length;
        const out = await session.run({
            features: new ort.Tensor("float32", Float32Array.from(parity.features.flat()), [1, T, 17]),
            state: new ort.Tensor("float32", new Float32Array(96), [1, 1, 96]),
        });
        const maxDiff = (a: ArrayLike<number>, b: number[]): number => b.reduce((m, v, i) => Math.max(m, Math.abs(v - a[i])), 0);
        expect(maxDiff(out.weights.data as Float32Array, parity.weights.flat())).toBeLessThan(1e-4);
        expect(maxDiff(out.visemes.data as Float32Array, parity.visemes.flat())).toBeLessThan(1e-4);
        await session.release();
    });

    test("streaming in blocks (state carried) gives the offline pass's raw output", async () => {
        const analyzer = await LipSyncAnalyzer.CreateAsync(model);
        const rate = 22050;
        const x = Float32Array.from({ length: rate }, (_, i) => 0.4 * Math.sin(i * 0.07) * (Math.floor(i / 3000) % 2));
        const { raw } = await analyzer.analyzeAsync(x, rate);
        analyzer.beginStream(rate);
        const live: number[] = [];
        for (let o = 0; o < x.length; o += 441) {
            await analyzer.pushAsync(x.subarray(o, o + 441), (w) => live.push(...w));
        }
        const n = Math.floor(live.length / 53);
        expect(n).toBeGreaterThan(85);
        let md = 0;
        for (let i = 0; i < n * 53; i++) {
            md = Math.max(md, Math.abs(live[i] - raw.weights[i]));
        }
        expect(md).toBeLessThan(1e-4);
        await analyzer.disposeAsync();
    });

    test("a file that is not a network is a typed error", async () => {
        await expect(LipSyncAnalyzer.CreateAsync(new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(LipSyncError);
        await expect(LipSyncAnalyzer.CreateAsync(new Uint8Array([1, 2, 3]))).rejects.toMatchObject({ code: "MODEL_LOAD_FAILED" });
    });
});
