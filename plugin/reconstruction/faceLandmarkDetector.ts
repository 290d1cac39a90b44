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
    /** Longest image side the detector sees; larger photos are box-filtered down first. Default 1024. */
    maxSide?: number;
}

/** Input sizes tried when the first finds no face (see {@link IFaceLandmarkDetectorOptions.fallbackInputSizes}). */
const _FallbackInputSizes = [224, 320];

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
    private readonly _maxSide: number;

    private constructor(faceApi: FaceApi, options: IFaceLandmarkDetectorOptions) {
        this._faceApi = faceApi;
        this._minScore = options.minScore ?? 0.5;
        const inputSize = options.inputSize ?? 416;
        this._inputSizes = [inputSize, ...(options.fallbackInputSizes ?? _FallbackInputSizes).filter((size) => size !== inputSize)];
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
        const validSize = (size: number): boolean => size >= 128 && size % 32 === 0;
        if (!validSize(inputSize) || !(options.fallbackInputSizes ?? []).every(validSize) || !((options.maxSide ?? 1024) >= 128) || !(minScore >= 0 && minScore <= 1)) {
            throw new ReconstructionError("INVALID_ARGUMENT", "inputSize and fallbackInputSizes must be multiples of 32 and ≥ 128, maxSide ≥ 128, minScore in [0, 1]");
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
        if (!(image.width > 0 && image.height > 0) || image.data.length !== image.width * image.height * 4) {
            throw new ReconstructionError("INVALID_ARGUMENT", "image data must hold width × height RGBA pixels");
        }
        if (!(Number.isInteger(faceIndex) && faceIndex >= 0)) {
            throw new ReconstructionError("INVALID_ARGUMENT", `faceIndex must be an integer ≥ 0, got ${faceIndex}`);
        }
        const faceApi = this._faceApi;
        const small = ToRgbForDetection(image, this._maxSide);
        const tensor = faceApi.tf.tensor3d(small.rgb, [small.height, small.width, 3], "int32");
        let results;
        try {
            results = await this._detectAllAsync(tensor);
        } finally {
            tensor.dispose();
        }
        if (results.length === 0) {
            throw new ReconstructionError("NO_FACE", "no face found in the image");
        }
        if (faceIndex >= results.length) {
            throw new ReconstructionError("INVALID_ARGUMENT", `faceIndex ${faceIndex} asked for, but the image holds ${results.length} face(s)`);
        }
        const area = (r: (typeof results)[number]): number => r.detection.box.width * r.detection.box.height;
        const best = [...results].sort((a, b) => area(b) - area(a))[faceIndex];
        const positions = best.landmarks.positions;
        if (positions.length !== MultiPie68Count) {
            throw new ReconstructionError("NO_FACE", `the landmark net gave ${positions.length} points, not ${MultiPie68Count}`);
        }
        const inv = 1 / small.scale;
        const landmarks = new Float32Array(2 * MultiPie68Count);
        positions.forEach((p, i) => {
            landmarks[2 * i] = p.x * inv;
            landmarks[2 * i + 1] = p.y * inv;
        });
        const toPhoto = (b: IFaceBox): IFaceBox => ({ x: b.x * inv, y: b.y * inv, width: b.width * inv, height: b.height * inv });
        return {
            box: toPhoto(best.detection.box),
            score: best.detection.score,
            landmarks,
            faceCount: results.length,
            otherFaces: results
                .filter((r) => r !== best)
                .sort((a, b) => area(b) - area(a))
                .map((r) => toPhoto(r.detection.box)),
        };
    }

    /** The faces (with landmarks) found at the first input size that finds any; none found: an empty list. */
    private async _detectAllAsync(tensor: Parameters<FaceApi["detectAllFaces"]>[0]) {
        const faceApi = this._faceApi;
        const detect = (inputSize: number) => faceApi.detectAllFaces(tensor, new faceApi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: this._minScore })).withFaceLandmarks();
        let results = await detect(this._inputSizes[0]);
        for (const inputSize of this._inputSizes.slice(1)) {
            if (results.length > 0) {
                break;
            }
            results = await detect(inputSize);
        }
        return results;
    }
}
