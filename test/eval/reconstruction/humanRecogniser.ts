/**
 * Identity similarity with `@vladmandic/human` (MIT; its `faceres` model is HSE FaceRes, shipped in
 * the npm package's `models/`): a 1024-d face descriptor compared by cosine. Runs in Node on
 * TensorFlow.js's wasm backend, with the models read from disk and nothing fetched.
 *
 * Two things in the package do not work in Node as shipped: its `exports` map points Node at the
 * native `tfjs-node` build, so `dist/human.node-wasm.js` is loaded by path; and it loads models with
 * `fetch('file://…')`, which Node lacks, so a TensorFlow.js load router for `local:` URLs reads them.
 */
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type IImagePixels } from "../../../plugin/reconstruction/imagePixels";

const _root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const _humanDir = join(_root, "node_modules", "@vladmandic", "human");

/** Cosine similarity at which the same person and different people are equally often confused (see docs/reconstruction.md). */
export const HumanVerifyThreshold = 0.67;

/** The most similar two different people measured (the identity-leakage bound). */
export const HumanDifferentPeopleMax = 0.62;

/** A face found by human, with its descriptor. */
export interface IHumanFace {
    /** Box in the image's pixels, `[x, y, width, height]`. */
    box: [number, number, number, number];
    /** Detector score, 0–1. */
    score: number;
    /** The 1024-d `faceres` descriptor. */
    embedding: Float32Array;
    /** FaceMesh's 468 points `[x, y, z]` (x, y in the image's pixels), MediaPipe's numbering. */
    mesh: Array<[number, number, number]>;
}

/** What this file uses of a TensorFlow.js model artifact set. */
interface IModelArtifacts {
    modelTopology: unknown;
    weightSpecs: unknown[];
    weightData: ArrayBuffer;
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    signature?: unknown;
    userDefinedMetadata?: unknown;
}

/** What this file uses of the TensorFlow.js that human carries. */
interface IHumanTf {
    tensor4d(values: Int32Array, shape: [number, number, number, number], dtype: "int32"): { dispose(): void };
    io: { registerLoadRouter(router: (url: string | string[]) => { load(): Promise<IModelArtifacts> } | null): void };
}

/** What this file uses of a `Human` instance. */
interface IHuman {
    tf: IHumanTf;
    load(): Promise<void>;
    detect(input: unknown): Promise<{ face: Array<{ box: [number, number, number, number]; score: number; embedding?: number[]; mesh: Array<[number, number, number]> }>; error?: string | null }>;
}

/** The module `dist/human.node-wasm.js`. */
interface IHumanModule {
    Human: new (config: Record<string, unknown>) => IHuman;
}

const _LocalScheme = "local:";

/**
 * Reads a TensorFlow.js graph model (`model.json` and its weight shards) from disk.
 * @param path the `.json` file
 * @returns the artifacts TensorFlow.js loads a model from
 */
async function ReadGraphModelAsync(path: string): Promise<IModelArtifacts> {
    const json = JSON.parse(await readFile(path, "utf8")) as Omit<IModelArtifacts, "weightSpecs" | "weightData"> & { weightsManifest: Array<{ paths: string[]; weights: unknown[] }> };
    const shards = await Promise.all(json.weightsManifest.flatMap((group) => group.paths.map((p) => readFile(join(dirname(path), p)))));
    const all = Buffer.concat(shards);
    const { weightsManifest, ...rest } = json;
    return { ...rest, weightSpecs: weightsManifest.flatMap((group) => group.weights), weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer };
}

/**
 * Packs RGBA pixels into the int32 RGB tensor human takes.
 * @param tf human's TensorFlow.js
 * @param image the pixels
 * @returns a `[1, h, w, 3]` tensor (dispose it)
 */
function ToTensor(tf: IHumanTf, image: IImagePixels): { dispose(): void } {
    const n = image.width * image.height;
    const rgb = new Int32Array(n * 3);
    for (let i = 0; i < n; i++) {
        rgb[3 * i] = image.data[4 * i];
        rgb[3 * i + 1] = image.data[4 * i + 1];
        rgb[3 * i + 2] = image.data[4 * i + 2];
    }
    return tf.tensor4d(rgb, [1, image.height, image.width, 3], "int32");
}

/** Cosine similarity of two vectors (the same as the fit tests' correlation about zero). */
export { Correlation as CosineSimilarity } from "../../reconstruction/reconstructionFixtures";

/** Face detection (BlazeFace + FaceMesh alignment) and the `faceres` descriptor of `@vladmandic/human`. */
export class HumanRecogniser {
    private readonly _human: IHuman;

    private constructor(human: IHuman) {
        this._human = human;
    }

    /**
     * Loads human's Node wasm build and the three face models it needs (detector, mesh, faceres).
     * TensorFlow.js is shared with face-api in this process, so both run on the same wasm backend.
     * @returns a ready recogniser
     */
    public static async CreateAsync(): Promise<HumanRecogniser> {
        // A CommonJS file: Node hands its exports over as the default export, tsx as the namespace.
        const loaded = (await import(pathToFileURL(join(_humanDir, "dist", "human.node-wasm.js")).href)) as Partial<IHumanModule> & { default?: IHumanModule };
        const { Human } = loaded.Human ? (loaded as IHumanModule) : loaded.default!;
        const human = new Human({
            backend: "wasm",
            wasmPath: join(_root, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist") + "/",
            modelBasePath: _LocalScheme + join(_humanDir, "models") + "/",
            cacheModels: false,
            debug: false,
            // human is built for video: by default it reuses the last results while frames look alike,
            // which would give a render the descriptor of the picture before it. Every image is new here.
            cacheSensitivity: 0,
            face: {
                enabled: true,
                detector: { rotation: true, maxDetected: 20, minConfidence: 0.2, return: false, skipFrames: 0, skipTime: 0 },
                mesh: { enabled: true },
                iris: { enabled: false },
                description: { enabled: true, skipFrames: 0, skipTime: 0 },
                emotion: { enabled: false },
                antispoof: { enabled: false },
                liveness: { enabled: false },
                attention: { enabled: false },
                gear: { enabled: false },
            },
            body: { enabled: false },
            hand: { enabled: false },
            object: { enabled: false },
            gesture: { enabled: false },
            segmentation: { enabled: false },
            filter: { enabled: false },
        });
        human.tf.io.registerLoadRouter((url) => (typeof url === "string" && url.startsWith(_LocalScheme) ? { load: () => ReadGraphModelAsync(url.slice(_LocalScheme.length)) } : null));
        await human.load();
        return new HumanRecogniser(human);
    }

    /**
     * Finds the faces in an image and describes each.
     * @param image RGBA pixels
     * @returns the faces that got a descriptor, largest first
     */
    public async describeAsync(image: IImagePixels): Promise<IHumanFace[]> {
        const tensor = ToTensor(this._human.tf, image);
        try {
            const result = await this._human.detect(tensor);
            if (result.error) {
                throw new Error(`human: ${result.error}`);
            }
            return result.face
                .filter((f) => f.embedding && f.embedding.length > 0)
                .map((f) => ({ box: f.box, score: f.score, embedding: Float32Array.from(f.embedding!), mesh: f.mesh }))
                .sort((a, b) => b.box[2] * b.box[3] - a.box[2] * a.box[3]);
        } finally {
            tensor.dispose();
        }
    }
}
