import { type FileReader } from "../io/fileSource";
import { type FaceApi, IsNodeRuntime, LoadFaceApiAsync, LoadFaceApiNetAsync } from "./faceApiRuntime";
import { type IImagePixels, ToRgbForDetection } from "./imagePixels";
import { EyeLineTilt, MultiPie68Count } from "./multiPie68";
import { ReconstructionError } from "./reconstructionError";
import { UprightCrop } from "./uprightCrop";

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
    /**
     * Where neither the photo nor its padded copy shows a face, the photo turned by each of these
     * angles (degrees, anticlockwise on screen; each in [−90, 90]) is looked at in turn, at every input
     * size. The detector misses faces tilted beyond ≈ 40°: a photo taken with the camera on its side
     * by half a right angle, a head leaning on a shoulder. Default `[35, −35]`; `[]` for none.
     */
    fallbackTurnDegrees?: number[];
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

/**
 * Tilt of the eye line (radians, 30°) beyond which a face's landmarks are found again in an upright
 * window: the landmark net was trained on upright faces. On five dev photos turned by ±20–50°, the
 * points' median distance from FaceMesh's (an independent model that sets faces upright itself) fell
 * from 9.6 % to 7.5 % of the eye distance, the mean from 19.9 % to 14.7 % (see docs/reconstruction.md).
 * Below 30° a second look is a second draw of the net's own noise (on upright faces it moves the
 * points by 1.8–4.8 %): at 15° the evaluation's dev faces leaning 16–29° lost identity at turned views.
 */
const _UprightTilt = (30 * Math.PI) / 180;

/** Side of the upright window the detector looks at again, px (the face about half of it). */
const _UprightWindowPx = 256;

/** Side of the upright window over the face box's. */
const _UprightWindowScale = 2;

/** The detector's input size for the upright window (the face then ≈ 110 px of it). */
const _UprightInputSize = 224;

/** Angles the photo is turned by when no other pass finds a face (see {@link IFaceLandmarkDetectorOptions.fallbackTurnDegrees}). */
const _FallbackTurnDegrees = [35, -35];

/** Grey of the border around a padded photo (see {@link IFaceLandmarkDetectorOptions.fallbackPadding}). */
const _PaddingGrey = 128;

/** The RGB pixels one detector pass looks at, and the way from them back to the photo's detection pixels. */
interface IDetectionInput {
    rgb: Uint8Array;
    width: number;
    height: number;
    toSmall(x: number, y: number): [number, number];
}

/** The faces one detector pass found, largest first, in the pixels it looked at (the photo shrunk by `scale`). */
interface IFoundFaces {
    small: { rgb: Uint8Array; width: number; height: number; scale: number };
    /** Each face's box (axis-aligned around the detection's, turned back where the pass was turned), its detection box's longer side, score and first landmarks. */
    faces: Array<{ box: IFaceBox; side: number; score: number; landmarks: Float32Array }>;
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
    private readonly _turns: number[];
    private readonly _maxSide: number;

    private constructor(faceApi: FaceApi, options: IFaceLandmarkDetectorOptions) {
        this._faceApi = faceApi;
        this._minScore = options.minScore ?? 0.5;
        const inputSize = options.inputSize ?? 416;
        this._fallbackSizes = options.fallbackInputSizes ?? _FallbackInputSizes;
        this._inputSizes = [inputSize, ...this._fallbackSizes.filter((size) => size !== inputSize)];
        this._padding = options.fallbackPadding ?? 1.6;
        this._turns = (options.fallbackTurnDegrees ?? _FallbackTurnDegrees).map((degrees) => (degrees * Math.PI) / 180);
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
        const validTurn = (degrees: number): boolean => Math.abs(degrees) <= 90;
        if (
            !validSize(inputSize) ||
            !(options.fallbackInputSizes ?? []).every(validSize) ||
            !((options.maxSide ?? 1024) >= 128) ||
            !(minScore >= 0 && minScore <= 1) ||
            !(padding >= 1 && padding <= 4) ||
            !(options.fallbackTurnDegrees ?? []).every(validTurn)
        ) {
            throw new ReconstructionError(
                "INVALID_ARGUMENT",
                "inputSize and fallbackInputSizes must be multiples of 32 and ≥ 128, maxSide ≥ 128, minScore in [0, 1], fallbackPadding in [1, 4], fallbackTurnDegrees in [−90, 90]"
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
        const found = await this._findAsync(image);
        if (found.faces.length === 0) {
            throw new ReconstructionError("NO_FACE", "no face found in the image");
        }
        if (faceIndex >= found.faces.length) {
            throw new ReconstructionError("INVALID_ARGUMENT", `faceIndex ${faceIndex} asked for, but the image holds ${found.faces.length} face(s)`);
        }
        return this._finishAsync(found, faceIndex);
    }

    /**
     * Finds every face and its landmarks, largest first (the order `faceIndex` counts in).
     * @param image decoded pixels (an `ImageData`, or `DecodeImageAsync`'s result)
     * @returns the faces; none found: an empty list
     * @throws ReconstructionError `INVALID_ARGUMENT` for inconsistent pixels
     */
    public async detectAllAsync(image: IImagePixels): Promise<IDetectedFace[]> {
        const found = await this._findAsync(image);
        const faces: IDetectedFace[] = [];
        for (let i = 0; i < found.faces.length; i++) {
            faces.push(await this._finishAsync(found, i));
        }
        return faces;
    }

    /**
     * The faces of the first pass that finds any (see {@link _detectAllAsync}), largest first, each
     * with its box and first landmarks in the detector's pixels.
     */
    private async _findAsync(image: IImagePixels): Promise<IFoundFaces> {
        if (!(image.width > 0 && image.height > 0) || image.data.length !== image.width * image.height * 4) {
            throw new ReconstructionError("INVALID_ARGUMENT", "image data must hold width × height RGBA pixels");
        }
        const small = ToRgbForDetection(image, this._maxSide);
        const { results, toSmall } = await this._detectAllAsync(small);
        const area = (r: (typeof results)[number]): number => r.detection.box.width * r.detection.box.height;
        const faces = [...results]
            .sort((a, b) => area(b) - area(a))
            .map((r) => ({
                box: _BoundsOf(r.detection.box, toSmall),
                side: Math.max(r.detection.box.width, r.detection.box.height),
                score: r.detection.score,
                landmarks: _Landmarks(r.landmarks.positions, toSmall),
            }));
        return { small, faces };
    }

    /** One of the faces found, its landmarks found again upright where it is tilted, in the photo's pixels. */
    private async _finishAsync({ small, faces }: IFoundFaces, index: number): Promise<IDetectedFace> {
        const inv = 1 / small.scale;
        const toPhoto = (b: IFaceBox): IFaceBox => ({ x: b.x * inv, y: b.y * inv, width: b.width * inv, height: b.height * inv });
        const face = faces[index];
        const landmarks = (await this._uprightLandmarksAsync(small, face.landmarks, face.side)) ?? face.landmarks;
        return {
            box: toPhoto(face.box),
            score: face.score,
            landmarks: landmarks.map((v) => v * inv),
            faceCount: faces.length,
            otherFaces: faces.filter((_, j) => j !== index).map((f) => toPhoto(f.box)),
        };
    }

    /**
     * A tilted face's landmarks found again in a window turned so the face stands upright (the
     * landmark net's training pose), mapped back.
     * @param small the detector's RGB pixels
     * @param landmarks the face's 68 landmarks in them
     * @param side the longer side of the face's detection box in them
     * @returns the landmarks in `small`'s pixels; null where the face is not tilted beyond {@link _UprightTilt} or the window shows no face
     */
    private async _uprightLandmarksAsync(small: { rgb: Uint8Array; width: number; height: number }, landmarks: Float32Array, side: number): Promise<Float32Array | null> {
        const tilt = EyeLineTilt(landmarks);
        if (Math.abs(tilt) <= _UprightTilt) {
            return null;
        }
        const [centreX, centreY] = _Centroid(landmarks);
        const window = new UprightCrop(small, centreX, centreY, tilt, _UprightWindowScale * side, _UprightWindowPx, _PaddingGrey);
        const faceApi = this._faceApi;
        const tensor = faceApi.tf.tensor3d(window.rgb, [window.size, window.size, 3], "int32");
        try {
            const found = await faceApi.detectAllFaces(tensor, new faceApi.TinyFaceDetectorOptions({ inputSize: _UprightInputSize, scoreThreshold: this._minScore })).withFaceLandmarks();
            const mid = window.size / 2;
            const central = found
                .filter(({ detection: { box: b } }) => b.x < mid && b.x + b.width > mid && b.y < mid && b.y + b.height > mid)
                .sort((a, b) => _CentreDistance(a.detection.box, mid) - _CentreDistance(b.detection.box, mid))[0];
            return central ? _Landmarks(central.landmarks.positions, (u, v) => window.toSource(u, v)) : null;
        } finally {
            tensor.dispose();
        }
    }

    /**
     * The faces (with landmarks) of the first pass that finds any, one detection per face (see
     * {@link _OneDetectionPerFace}), and the way from that pass's input back to `small`: the photo at
     * each input size in turn, then padded (`fallbackPadding`) at the fallback sizes, then turned by each
     * of `fallbackTurnDegrees` at every input size. None found: an empty list.
     */
    private async _detectAllAsync(small: { rgb: Uint8Array; width: number; height: number }) {
        const faceApi = this._faceApi;
        const passes: Array<{ input: () => IDetectionInput; inputSize: number }> = [];
        const plain = (): IDetectionInput => ({ ...small, toSmall: (x, y) => [x, y] });
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
        for (const turn of this._turns) {
            let turned: IDetectionInput | null = null;
            for (const inputSize of this._inputSizes) {
                passes.push({ input: () => (turned ??= _Turned(small, turn)), inputSize });
            }
        }
        for (const { input, inputSize } of passes) {
            const { rgb, width, height, toSmall } = input();
            const tensor = faceApi.tf.tensor3d(rgb, [height, width, 3], "int32");
            try {
                const found = await faceApi.detectAllFaces(tensor, new faceApi.TinyFaceDetectorOptions({ inputSize, scoreThreshold: this._minScore })).withFaceLandmarks();
                if (found.length > 0) {
                    return { results: _OneDetectionPerFace(found), toSmall };
                }
            } finally {
                tensor.dispose();
            }
        }
        return { results: [], toSmall: plain().toSmall };
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
 * The landmark net's 68 points as `[x0, y0, x1, y1, …]`, each mapped.
 * @param positions the points
 * @param map from the net's input pixels to the wanted frame
 * @returns the mapped points
 * @throws ReconstructionError `NO_FACE` when the net did not give 68 points
 */
function _Landmarks(positions: Array<{ x: number; y: number }>, map: (x: number, y: number) => [number, number]): Float32Array {
    if (positions.length !== MultiPie68Count) {
        throw new ReconstructionError("NO_FACE", `the landmark net gave ${positions.length} points, not ${MultiPie68Count}`);
    }
    const landmarks = new Float32Array(2 * MultiPie68Count);
    positions.forEach((p, i) => {
        [landmarks[2 * i], landmarks[2 * i + 1]] = map(p.x, p.y);
    });
    return landmarks;
}

/**
 * The mean of the points.
 * @param points `[x0, y0, x1, y1, …]`
 * @returns `[x, y]`
 */
function _Centroid(points: Float32Array): [number, number] {
    let x = 0;
    let y = 0;
    for (let i = 0; i < points.length; i += 2) {
        x += points[i];
        y += points[i + 1];
    }
    return [(2 * x) / points.length, (2 * y) / points.length];
}

/**
 * How far a box's centre lies from `(mid, mid)`.
 * @param box the box
 * @param mid the point's x and y
 * @returns the distance, px
 */
function _CentreDistance(box: IFaceBox, mid: number): number {
    return Math.hypot(box.x + box.width / 2 - mid, box.y + box.height / 2 - mid);
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
    return { rgb, width, height, toSmall: (x, y) => [x - offsetX, y - offsetY] };
}

/**
 * The whole of the pixels turned about their centre, in a square grey canvas that holds every corner.
 * @param small RGB pixels
 * @param turn how far the content turns anticlockwise on screen, radians
 * @returns the turned pixels and the way back
 */
function _Turned(small: { rgb: Uint8Array; width: number; height: number }, turn: number): IDetectionInput {
    const side = Math.ceil(Math.hypot(small.width, small.height));
    const crop = new UprightCrop(small, small.width / 2, small.height / 2, turn, side, side, _PaddingGrey);
    return { rgb: crop.rgb, width: side, height: side, toSmall: (x, y) => crop.toSource(x, y) };
}

/**
 * The axis-aligned bounds of a box's corners, each mapped.
 * @param box the box
 * @param map the mapping
 * @returns the bounds
 */
function _BoundsOf(box: IFaceBox, map: (x: number, y: number) => [number, number]): IFaceBox {
    const corners = [map(box.x, box.y), map(box.x + box.width, box.y), map(box.x, box.y + box.height), map(box.x + box.width, box.y + box.height)];
    const xs = corners.map((c) => c[0]);
    const ys = corners.map((c) => c[1]);
    const x = Math.min(...xs);
    const y = Math.min(...ys);
    return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}
