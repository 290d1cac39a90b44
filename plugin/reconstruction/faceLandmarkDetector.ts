import { type FileReader } from "../io/fileSource";
import { type FaceApi, IsNodeRuntime, LoadFaceApiAsync, LoadFaceApiNetAsync } from "./faceApiRuntime";
import { type IImagePixels, ToRgbForDetection } from "./imagePixels";
import { MultiPie68Count } from "./multiPie68";
import { ReconstructionError } from "./reconstructionError";

/** Options of {@link FaceLandmarkDetector.CreateAsync}. */
export interface IFaceLandmarkDetectorOptions {
    /**
     * Reads the files of `@vladmandic/face-api`'s `model/` folder (`tiny_face_detector_model*` and
     * `face_landmark_68_model*`, 0.6 MB): `UrlFileReader("…/model/")` where your app serves them,
     * or a disk reader in Node. Nothing is fetched from anywhere else.
     */
    models: FileReader;
    /**
     * TensorFlow.js backend: `"wasm"` (default in Node; in the browser it needs `wasmPaths`) or
     * `"cpu"` (default in the browser). The backend is global to TensorFlow.js in this realm.
     */
    backend?: "wasm" | "cpu";
    /** Browser only: the folder URL serving `@tensorflow/tfjs-backend-wasm`'s `.wasm` files, for the wasm backend. */
    wasmPaths?: string;
    /** Minimum detection score, 0–1. Default 0.5. */
    minScore?: number;
    /** Input size of the face detector, a multiple of 32. Default 416. */
    inputSize?: number;
    /**
     * Input sizes tried in turn when `inputSize` finds no face. The Tiny Face Detector finds faces
     * of a limited share of its input: at 416 a close-up portrait (the face filling two thirds of
     * the photo) often scores below 0.5, at 224 it scores well. Default `[224, 320]`; `[]` for none.
     */
    fallbackInputSizes?: number[];
    /**
     * Where no input size finds a face in the photo, the photo is centred in a grey border, the whole
     * this many times its width and height, and the fallback sizes look again. A face cut by the
     * photo's edges (a tight crop: forehead or chin outside the frame) lacks the margin the detector
     * was trained with. 1–4; default 1.6; 1 for none.
     */
    fallbackPadding?: number;
    /** Longest image side the detector sees; larger photos are box-filtered down first. Default 1024. */
    maxSide?: number;
}

/** Input sizes tried when the first finds no face (see {@link IFaceLandmarkDetectorOptions.fallbackInputSizes}). */
const _FallbackInputSizes = [224, 320];

/**
 * Share of the smaller of two face boxes that their overlap may cover before they count as one face
 * (the higher score kept). The Tiny detector's own suppression lets boxes through that overlap by an
 * intersection-over-union below 0.4: on a close-up portrait a spurious box over the forehead and the
 * hair, larger than the face's (so taken as the largest face), covered 44 % of the face's box; on
 * sample6.jpg one between two faces covered 39 % of one; real neighbours in the dev photos, at most 16 %.
 */
const _SameFaceOverlap = 0.25;

/** Grey of the border around a padded photo (see {@link IFaceLandmarkDetectorOptions.fallbackPadding}). */
const _PaddingGrey = 128;

/** The RGB pixels one detector pass looks at, and where the photo's top-left corner lies in them. */
interface IDetectionInput {
    rgb: Uint8Array;
    width: number;
    height: number;
    offsetX: number;
    offsetY: number;
}

/** The TensorFlow.js calls that pick and start a backend. */
interface ITfBackendControl {
    getBackend(): string;
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    setWasmPaths?(prefix: string): void;
}

/** A face's box in a photo, px. */
export interface IFaceBox {
    /** Left edge. */
    x: number;
    /** Top edge. */
    y: number;
    /** Width. */
    width: number;
    /** Height. */
    height: number;
}

/** A face found in a photo. */
export interface IDetectedFace {
    /** Face box in the photo's pixels. */
    box: IFaceBox;
    /** Detector score, 0–1. */
    score: number;
    /** 68 landmarks in Multi-PIE order, `[x0, y0, x1, y1, …]`, in the photo's pixels (y down). */
    landmarks: Float32Array;
    /** How many faces the photo held. */
    faceCount: number;
    /** The boxes of the photo's other faces (photo px), largest first. */
    otherFaces: IFaceBox[];
}

/**
 * Finds a face and its 68 landmarks in a photo with `@vladmandic/face-api` (MIT): the Tiny Face
 * Detector, then the 68-point landmark net, both pretrained and shipped with their weights in the
 * npm package. Runs on TensorFlow.js's WebAssembly or CPU backend, the same way in Node and the
 * browser. The landmarks come in the 68-point Multi-PIE order that ICT-FaceKit's landmark vertices
 * use (see `multiPie68.ts`).
 */
export class FaceLandmarkDetector {
    private readonly _faceApi: FaceApi;
    private readonly _minScore: number;
    private readonly _inputSizes: number[];
    private readonly _fallbackSizes: number[];
    private readonly _padding: number;
    private readonly _maxSide: number;

    private constructor(faceApi: FaceApi, options: IFaceLandmarkDetectorOptions) {
        this._faceApi = faceApi;
        this._minScore = options.minScore ?? 0.5;
        const inputSize = options.inputSize ?? 416;
        this._fallbackSizes = options.fallbackInputSizes ?? _FallbackInputSizes;
        this._inputSizes = [inputSize, ...this._fallbackSizes.filter((size) => size !== inputSize)];
        this._padding = options.fallbackPadding ?? 1.6;
        this._maxSide = options.maxSide ?? 1024;
    }

    /**
     * Loads face-api, selects the backend and loads the two networks' weights. face-api keeps its
     * networks per realm, so detectors share them (and hold nothing to dispose).
     * @param options where the weights are, and detection settings
     * @returns a ready detector
     */
    public static async CreateAsync(options: IFaceLandmarkDetectorOptions): Promise<FaceLandmarkDetector> {
        const inputSize = options.inputSize ?? 416;
        const minScore = options.minScore ?? 0.5;
        const padding = options.fallbackPadding ?? 1.6;
        const validSize = (size: number): boolean => size >= 128 && size % 32 === 0;
        if (!validSize(inputSize) || !(options.fallbackInputSizes ?? []).every(validSize) || !((options.maxSide ?? 1024) >= 128) || !(minScore >= 0 && minScore <= 1) || !(padding >= 1 && padding <= 4)) {
            throw new ReconstructionError(
                "INVALID_ARGUMENT",
                "inputSize and fallbackInputSizes must be multiples of 32 and ≥ 128, maxSide ≥ 128, minScore in [0, 1], fallbackPadding in [1, 4]"
            );
        }
        const faceApi = await LoadFaceApiAsync();
        const backend = options.backend ?? (IsNodeRuntime() ? "wasm" : "cpu");
        // face-api's typings list only the tensor ops it uses; these backend calls are TensorFlow.js's own.
        const tf = faceApi.tf as unknown as ITfBackendControl;
        let started = false;
        try {
            if (backend === "wasm" && options.wasmPaths && tf.getBackend() !== "wasm") {
                tf.setWasmPaths?.(options.wasmPaths);
            }
            started = await tf.setBackend(backend);
            await tf.ready();
        } catch (e) {
            throw new ReconstructionError("MODEL_LOAD_FAILED", `the TensorFlow.js "${backend}" backend cannot start here: ${(e as Error).message}`);
        }
        if (!started) {
            throw new ReconstructionError("MODEL_LOAD_FAILED", `the TensorFlow.js "${backend}" backend cannot start here`);
        }
        await Promise.all([
            LoadFaceApiNetAsync(faceApi, faceApi.nets.tinyFaceDetector, options.models, "tiny_face_detector_model"),
            LoadFaceApiNetAsync(faceApi, faceApi.nets.faceLandmark68Net, options.models, "face_landmark_68_model"),
        ]);
        return new FaceLandmarkDetector(faceApi, options);
    }

    /**
     * Finds a face and its landmarks: the largest, or the `faceIndex`-th largest.
     * @param image decoded pixels (an `ImageData`, or `DecodeImageAsync`'s result)
     * @param faceIndex which face, by size (0: the largest)
     * @returns the face
     * @throws ReconstructionError `NO_FACE` when no face scores above `minScore`, `INVALID_ARGUMENT` for inconsistent pixels or a `faceIndex` beyond the faces found
     */
    public async detectAsync(image: IImagePixels, faceIndex = 0): Promise<IDetectedFace> {
        if (!(Number.isInteger(faceIndex) && faceIndex >= 0)) {
            throw new ReconstructionError("INVALID_ARGUMENT", `faceIndex must be an integer ≥ 0, got ${faceIndex}`);
        }
        const faces = await this.detectAllAsync(image);
        if (faces.length === 0) {
            throw new ReconstructionError("NO_FACE", "no face found in the image");
        }
        if (faceIndex >= faces.length) {
            throw new ReconstructionError("INVALID_ARGUMENT", `faceIndex ${faceIndex} asked for, but the image holds ${faces.length} face(s)`);
        }
        return faces[faceIndex];
    }

    /**
     * Finds every face and its landmarks, largest first (the order `faceIndex` counts in).
     * @param image decoded pixels (an `ImageData`, or `DecodeImageAsync`'s result)
     * @returns the faces; none found: an empty list
     * @throws ReconstructionError `INVALID_ARGUMENT` for inconsistent pixels
     */
    public async detectAllAsync(image: IImagePixels): Promise<IDetectedFace[]> {
        if (!(image.width > 0 && image.height > 0) || image.data.length !== image.width * image.height * 4) {
            throw new ReconstructionError("INVALID_ARGUMENT", "image data must hold width × height RGBA pixels");
        }
        const small = ToRgbForDetection(image, this._maxSide);
        const { results, offsetX, offsetY } = await this._detectAllAsync(small);
        const area = (r: (typeof results)[number]): number => r.detection.box.width * r.detection.box.height;
        const bySize = [...results].sort((a, b) => area(b) - area(a));
        const inv = 1 / small.scale;
        const toPhoto = (b: IFaceBox): IFaceBox => ({ x: (b.x - offsetX) * inv, y: (b.y - offsetY) * inv, width: b.width * inv, height: b.height * inv });
        return bySize.map((face) => {
            const positions = face.landmarks.positions;
            if (positions.length !== MultiPie68Count) {
                throw new ReconstructionError("NO_FACE", `the landmark net gave ${positions.length} points, not ${MultiPie68Count}`);
            }
            const landmarks = new Float32Array(2 * MultiPie68Count);
            positions.forEach((p, i) => {
                landmarks[2 * i] = (p.x - offsetX) * inv;
                landmarks[2 * i + 1] = (p.y - offsetY) * inv;
            });
            return {
                box: toPhoto(face.detection.box),
                score: face.detection.score,
                landmarks,
                faceCount: bySize.length,
                otherFaces: bySize.filter((r) => r !== face).map((r) => toPhoto(r.detection.box)),
            };
        });
    }

    /**
     * The faces (with landmarks) of the first pass that finds any, one detection per face (see
     * {@link _OneDetectionPerFace}), and where the photo lies in that pass's input: the photo at each
     * input size in turn, then padded (`fallbackPadding`) at the fallback sizes. None found: an empty list.
     */
    private async _detectAllAsync(small: { rgb: Uint8Array; width: number; height: number }) {
        const faceApi = this._faceApi;
        const passes: Array<{ input: () => IDetectionInput; inputSize: number }> = [];
        const plain = (): IDetectionInput => ({ ...small, offsetX: 0, offsetY: 0 });
        for (const inputSize of this._inputSizes) {
            passes.push({ input: plain, inputSize });
        }
        if (this._padding > 1) {
            let padded: IDetectionInput | null = null;
            const pad = (): IDetectionInput => (padded ??= _PadWithGrey(small, this._padding));
            for (const inputSize of this._fallbackSizes) {
                passes.push({ input: pad, inputSize });
            }
        }
        for (const { input, inputSize } of passes) {
            const { rgb, width, height, offsetX, offsetY } = input();
            const tensor = faceApi.tf.tensor3d(rgb, [height, width, 3], "int32");
            try {
                const found = await faceApi.detectAllFaces(tensor, new faceApi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: this._minScore })).withFaceLandmarks();
                if (found.length > 0) {
                    return { results: _OneDetectionPerFace(found), offsetX, offsetY };
                }
            } finally {
                tensor.dispose();
            }
        }
        return { results: [], offsetX: 0, offsetY: 0 };
    }
}

/**
 * The detections less those that overlap a better-scoring one by more than {@link _SameFaceOverlap}
 * of the smaller box.
 * @param found detections, each with its box and score
 * @returns the kept detections, best score first
 */
function _OneDetectionPerFace<T extends { detection: { box: IFaceBox; score: number } }>(found: T[]): T[] {
    const kept: T[] = [];
    for (const candidate of [...found].sort((a, b) => b.detection.score - a.detection.score)) {
        const a = candidate.detection.box;
        const overlapsKept = kept.some(({ detection: { box: b } }) => {
            const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
            const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
            return width > 0 && height > 0 && width * height > _SameFaceOverlap * Math.min(a.width * a.height, b.width * b.height);
        });
        if (!overlapsKept) {
            kept.push(candidate);
        }
    }
    return kept;
}

/**
 * The pixels centred in a grey border, the whole `factor` times their width and height.
 * @param small RGB pixels
 * @param factor size of the result over the pixels', > 1
 * @returns the padded pixels and the offset of the original's top-left corner
 */
function _PadWithGrey(small: { rgb: Uint8Array; width: number; height: number }, factor: number): IDetectionInput {
    const width = Math.round(small.width * factor);
    const height = Math.round(small.height * factor);
    const offsetX = (width - small.width) >> 1;
    const offsetY = (height - small.height) >> 1;
    const rgb = new Uint8Array(width * height * 3).fill(_PaddingGrey);
    for (let y = 0; y < small.height; y++) {
        rgb.set(small.rgb.subarray(y * small.width * 3, (y + 1) * small.width * 3), ((y + offsetY) * width + offsetX) * 3);
    }
    return { rgb, width, height, offsetX, offsetY };
}
