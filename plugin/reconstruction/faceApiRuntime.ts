import { type FileReader } from "../io/fileSource";
import { ReconstructionError } from "./reconstructionError";

/** The `@vladmandic/face-api` module (MIT): a TensorFlow.js face detector and 68-point landmark net whose weights ship in the npm package. */
export type FaceApi = typeof import("@vladmandic/face-api");

/** A face-api network that takes its weights as a map of named tensors. */
interface IWeightMapNet {
    loadFromWeightMap(weightMap: ReturnType<FaceApi["tf"]["io"]["decodeWeights"]>): void;
}

/** One group of a TensorFlow.js weights manifest (`*-weights_manifest.json`). */
interface IWeightsGroup {
    paths: string[];
    weights: Parameters<FaceApi["tf"]["io"]["decodeWeights"]>[1];
}

let _faceApi: Promise<FaceApi> | null = null;

/**
 * Whether this code runs in Node (not a browser or a worker).
 * @returns true in Node
 */
export function IsNodeRuntime(): boolean {
    const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
    return typeof p?.versions?.node === "string";
}

/**
 * Loads face-api once per realm. In the browser (through a bundler) it is the package's ES build,
 * which carries its own TensorFlow.js; in Node it is `dist/face-api.node-wasm.js`, which uses
 * `@tensorflow/tfjs` with the WebAssembly and CPU backends (the package's `main` needs the native
 * `tfjs-node`, and its ES build cannot start in Node). The detection code that follows is the same.
 * @returns the module
 */
export function LoadFaceApiAsync(): Promise<FaceApi> {
    _faceApi ??= (async () => {
        try {
            if (IsNodeRuntime()) {
                // A CommonJS file: Node hands its exports over as the default export, while loaders that honour
                // its `__esModule` flag (tsx) hand them over as the namespace. Bundlers leave this import alone.
                const nodeBuild = (await import(/* webpackIgnore: true */ "@vladmandic/face-api/dist/face-api.node-wasm.js")) as unknown as Partial<FaceApi> & { default?: FaceApi };
                return nodeBuild.tf ? (nodeBuild as FaceApi) : (nodeBuild.default as FaceApi);
            }
            return await import("@vladmandic/face-api");
        } catch (e) {
            _faceApi = null;
            throw new ReconstructionError("MODEL_LOAD_FAILED", `cannot load @vladmandic/face-api: ${(e as Error).message}`);
        }
    })();
    return _faceApi;
}

/**
 * Loads one network's weights through a file reader, with no `fetch` of its own: reads the
 * TensorFlow.js manifest and its binary shards, decodes them and hands the tensors to the net.
 * @param faceApi the module
 * @param net the network (e.g. `faceApi.nets.tinyFaceDetector`)
 * @param reader reads files of the model folder (the package's `model/`, served or on disk)
 * @param name the manifest's base name (e.g. `tiny_face_detector_model`)
 */
export async function LoadFaceApiNetAsync(faceApi: FaceApi, net: IWeightMapNet, reader: FileReader, name: string): Promise<void> {
    try {
        const manifest = JSON.parse(new TextDecoder().decode(await reader(`${name}-weights_manifest.json`))) as IWeightsGroup[];
        const shards = await Promise.all(manifest.flatMap((group) => group.paths.map((path) => reader(path))));
        net.loadFromWeightMap(
            faceApi.tf.io.decodeWeights(
                shards,
                manifest.flatMap((group) => group.weights)
            )
        );
    } catch (e) {
        throw new ReconstructionError("MODEL_LOAD_FAILED", `cannot load the ${name} weights: ${(e as Error).message}`);
    }
}
