import { AvatarExpressionError, AvatarFormatError } from "../errors";
import { Float32ArrayToHalf } from "../io/float16";
import { type IAvatarAsset } from "../volume/avatarAsset";
import { type ModelPack } from "./modelPack";

/**
 * Runs the pack's generator G(α) (ONNX, with onnxruntime-web) and returns the avatar volume
 * for identity α: a new person sampled from the 3DMM's identity space ("virtual avatars by
 * latent sampling"), or the mean head for α = 0. In the browser, set `ort.env.wasm.wasmPaths`
 * to where onnxruntime-web's `.wasm` files are served before calling it.
 * @param pack a pack with a generator
 * @param alpha identity coefficients (the pack's `alphaDims` values, each about N(0, 1))
 * @param wasmPaths where onnxruntime-web's `.wasm` files are served (sets `ort.env.wasm.wasmPaths`; browser only)
 * @returns the volume, ready for `AvatarVolume.CreateAsync` or `WriteAvatarGlb`
 * @throws AvatarFormatError when the pack has no generator or it returns the wrong shape
 */
export async function GenerateAvatarAssetAsync(pack: ModelPack, alpha: ArrayLike<number>, wasmPaths?: string): Promise<IAvatarAsset> {
    const m = pack.manifest;
    const generator = m.networks.generator;
    if (!generator || !pack.generatorOnnx) {
        throw new AvatarFormatError("networks.generator", `pack ${m.id}@${m.version} has no generator`);
    }
    if (alpha.length !== m.alphaDims) {
        throw new AvatarExpressionError("alpha", `expected ${m.alphaDims} identity coefficients, got ${alpha.length}`);
    }
    for (let i = 0; i < alpha.length; i++) {
        if (!Number.isFinite(alpha[i])) {
            throw new AvatarExpressionError(`alpha[${i}]`, "must be a finite number");
        }
    }
    const ort = await import("onnxruntime-web");
    if (wasmPaths) {
        ort.env.wasm.wasmPaths = wasmPaths;
    }
    // G runs once per avatar, on the WebAssembly backend: left to its defaults, a browser with WebGPU
    // gets the WebGPU backend, whose first run compiles a pipeline per layer (35 s of a first photo's
    // 38 s in headless Chromium on SwiftShader) for a network that takes ~0.1 s on the CPU.
    const session = await ort.InferenceSession.create(pack.generatorOnnx, { executionProviders: ["wasm"] });
    try {
        const input = new ort.Tensor("float32", Float32Array.from(alpha), [1, m.alphaDims]);
        const output = (await session.run({ [generator.input]: input }))[generator.output];
        const { channels: C, resolution: R } = m.triplane;
        const expected = [1, 3 * C, R, R];
        if (!output || output.dims.length !== 4 || output.dims.some((d, i) => d !== expected[i])) {
            throw new AvatarFormatError("networks.generator.output", `must be [${expected}], got [${output?.dims ?? "nothing"}]`);
        }
        return {
            packId: m.id,
            packVersion: m.version,
            alpha: Float32Array.from(alpha),
            triplane: Float32ArrayToHalf(output.data as Float32Array),
            channels: C,
            resolution: R,
        };
    } finally {
        await session.release();
    }
}
