/**
 * The second recogniser: `@vladmandic/face-api`'s 128-d face descriptor (face-api.js's ResNet-34
 * recognition net, MIT, weights in the npm package's `model/`) compared by Euclidean distance (the
 * same person is under 0.46 there). It also finds every face of a photo with its 68 landmarks, which
 * the evaluation uses to enumerate the faces of a photo (with the Tiny Face Detector, as the
 * reconstruction does), and the face of a crop (a render or the photo's crop) with face-api's more
 * accurate SSD MobileNet v1 detector: on the same 95 turned and frontal renders of the dev set the Tiny
 * detector missed 13, SSD 1.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type FaceApi, LoadFaceApiAsync, LoadFaceApiNetAsync } from "../../../plugin/reconstruction/faceApiRuntime";
import { FaceLandmarkDetector } from "../../../plugin/reconstruction/faceLandmarkDetector";
import { type IImagePixels, ToRgbForDetection } from "../../../plugin/reconstruction/imagePixels";
import { DiskReader } from "../../support/nodeFiles";
import { NeutralGrey } from "./imageMetrics";

/** face-api's `model/` folder in node_modules. */
export const FaceApiModelFolder = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "node_modules", "@vladmandic", "face-api", "model");

/** Euclidean distance under which face-api calls two descriptors the same person. */
export const FaceApiSameThreshold = 0.46;

/** Side of the grey square a crop is centred in before detection, over the crop's side. */
const _CropPadding = 1.6;

/** A face with its landmarks and descriptor. */
export interface IFaceApiFace {
    /** Box in the image's pixels. */
    box: { x: number; y: number; width: number; height: number };
    /** Detector score, 0–1. */
    score: number;
    /** 68 landmarks, `[x0, y0, …]`, in the image's pixels. */
    landmarks: Float32Array;
    /** The 128-d descriptor. */
    descriptor: Float32Array;
}

/**
 * Euclidean distance of two vectors.
 * @param a first vector
 * @param b second vector
 * @returns the distance
 */
export function EuclideanDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
    let s = 0;
    for (let i = 0; i < a.length; i++) {
        s += (a[i] - b[i]) ** 2;
    }
    return Math.sqrt(s);
}

/** face-api's detector, landmark net and recognition net, on the wasm backend. */
export class FaceApiRecogniser {
    /** The landmark detector the reconstruction uses (same nets, largest face). */
    public readonly detector: FaceLandmarkDetector;
    private readonly _faceApi: FaceApi;

    private constructor(faceApi: FaceApi, detector: FaceLandmarkDetector) {
        this._faceApi = faceApi;
        this.detector = detector;
    }

    /**
     * Starts the wasm backend, loads the detector and landmark nets (through {@link FaceLandmarkDetector}) and the recognition net.
     * @returns a ready recogniser
     */
    public static async CreateAsync(): Promise<FaceApiRecogniser> {
        const models = DiskReader(FaceApiModelFolder);
        const detector = await FaceLandmarkDetector.CreateAsync({ models });
        const faceApi = await LoadFaceApiAsync();
        await LoadFaceApiNetAsync(faceApi, faceApi.nets.faceRecognitionNet, models, "face_recognition_model");
        await LoadFaceApiNetAsync(faceApi, faceApi.nets.ssdMobilenetv1, models, "ssd_mobilenetv1_model");
        return new FaceApiRecogniser(faceApi, detector);
    }

    /**
     * Finds every face (as {@link FaceLandmarkDetector} does: the photo shrunk to ≤ 1024 px) with landmarks and descriptor.
     * @param image RGBA pixels
     * @param minScore minimum detection score
     * @param detector "tiny" (the reconstruction's detector) or "ssd" (SSD MobileNet v1)
     * @returns the faces, largest first
     */
    public async detectAllAsync(image: IImagePixels, minScore = 0.5, detector: "tiny" | "ssd" = "tiny"): Promise<IFaceApiFace[]> {
        const faceApi = this._faceApi;
        const small = ToRgbForDetection(image, 1024);
        const tensor = faceApi.tf.tensor3d(small.rgb, [small.height, small.width, 3], "int32");
        const options =
            detector === "tiny" ? new faceApi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: minScore }) : new faceApi.SsdMobilenetv1Options({ minConfidence: minScore });
        let results;
        try {
            results = await faceApi.detectAllFaces(tensor, options).withFaceLandmarks().withFaceDescriptors();
        } finally {
            tensor.dispose();
        }
        const inv = 1 / small.scale;
        return results
            .map((r) => {
                const b = r.detection.box;
                const landmarks = new Float32Array(136);
                r.landmarks.positions.forEach((p, i) => {
                    landmarks[2 * i] = p.x * inv;
                    landmarks[2 * i + 1] = p.y * inv;
                });
                return { box: { x: b.x * inv, y: b.y * inv, width: b.width * inv, height: b.height * inv }, score: r.detection.score, landmarks, descriptor: r.descriptor };
            })
            .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    }

    /**
     * The face of a tight face crop (a render or a photo crop), found by SSD MobileNet v1. Detectors
     * want context around a face, so the crop is first centred in a grey square {@link _CropPadding} times its size.
     * @param image a square crop, RGBA
     * @returns the best-scoring face (≥ 0.3), in the crop's pixels, or null
     */
    public async describeCropAsync(image: IImagePixels): Promise<IFaceApiFace | null> {
        const side = Math.round(image.width * _CropPadding);
        const offset = Math.round((side - image.width) / 2);
        const data = new Uint8Array(side * side * 4).fill(NeutralGrey);
        for (let y = 0; y < image.height; y++) {
            data.set(image.data.subarray(4 * y * image.width, 4 * (y + 1) * image.width), 4 * ((y + offset) * side + offset));
        }
        const face = (await this.detectAllAsync({ width: side, height: side, data }, 0.3, "ssd")).reduce<IFaceApiFace | null>((best, f) => (!best || f.score > best.score ? f : best), null);
        if (!face) {
            return null;
        }
        return { ...face, box: { ...face.box, x: face.box.x - offset, y: face.box.y - offset }, landmarks: face.landmarks.map((v) => v - offset) };
    }
}
