import * as ort from "onnxruntime-web";
import { ArkitNames, GetExpressionIndex } from "../expression/arkitNames";
import { FetchBytesAsync } from "../io/fetchBytes";
import { type FileReader } from "../io/fileSource";
import { IctLandmarkBasis } from "./ictLandmarkBasis";
import { RotationFrom6d } from "./fitMath";
import { EstimateTranslation } from "./initialPose";
import { type ILandmarkFitInitialGuess, RegressorFitExpressions } from "./landmarkFitter";
import { ComputeLandmarkRegressorFeatures, LandmarkRegressorFeatureCount } from "./landmarkRegressorFeatures";
import { DefaultLandmarkWeights, MultiPie68Count } from "./multiPie68";
import { ReconstructionError } from "./reconstructionError";

/** File name of the regressor network in `plugin/reconstruction/data/` (and for a {@link FileReader}). */
export const LandmarkRegressorFileName = "landmark-regressor.onnx";

/** File name of the landmark basis the regressor reads beside the network. */
const _BasisFileName = "ict-landmarks68.bin";

/** Identity modes the regressor predicts (the fit's default K). */
const _IdentityCount = 20;

/** The network's outputs and their widths. */
const _Outputs = { alpha: _IdentityCount, beta: RegressorFitExpressions.length, rotation6d: 6, logFocal: 1 } as const;

/** Options of {@link LandmarkRegressor.predictAsync}. */
export interface ILandmarkRegressorPredictOptions {
    /** Per-point validity (68; false/0 = the point is missing or known bad). Default: all valid. */
    valid?: ArrayLike<number | boolean>;
    /** Focal length in px when known: used instead of the network's estimate. */
    focal?: number;
}

/** The regressor's first guess: a full {@link ILandmarkFitInitialGuess}. */
export interface ILandmarkRegressorGuess extends ILandmarkFitInitialGuess {
    /** Identity weights, the first 20 modes. */
    alpha: Float32Array;
    /** All 53 expression weights (zero but for the fit's nine), in {@link ArkitNames} order, in [0, 1]. */
    beta: Float32Array;
    /** Head rotation R, 3×3 row-major (orthonormalised from the network's 6D output). */
    rotation: Float64Array;
    /** Head translation t, cm (closed form from R, α, β and f: {@link EstimateTranslation}). */
    translation: Float64Array;
    /** Focal length, px. */
    focal: number;
}

/**
 * A learned first guess of the 3DMM landmark fit: a small MLP (ONNX, run by onnxruntime-web's wasm
 * backend in Node and the browser) maps 68 normalised landmarks ({@link ComputeLandmarkRegressorFeatures})
 * to ICT identity α (20), the nine expression weights of `RegressorFitExpressions`, the head rotation (6D) and the focal
 * length; the translation then follows in closed form. Trained on synthetic ICT landmarks by
 * `models/train_landmark_regressor.py` (the command is in `data/landmark-regressor.json`).
 * Pass the guess to {@link FitLandmarks3dmm} as `options.initial`; the Levenberg–Marquardt fit refines it.
 */
export class LandmarkRegressor {
    private readonly _session: ort.InferenceSession;
    private readonly _basis: IctLandmarkBasis;
    private readonly _fitIndices: number[];

    private constructor(session: ort.InferenceSession, basis: IctLandmarkBasis) {
        this._session = session;
        this._basis = basis;
        this._fitIndices = RegressorFitExpressions.map((name) => GetExpressionIndex(name));
    }

    /**
     * Loads the network (and the landmark basis, unless given).
     * @param reader reads `landmark-regressor.onnx` (and `ict-landmarks68.bin`) from a folder, e.g.
     * `DiskReader("…/plugin/reconstruction/data")` in Node; default: the copies that bundlers emit
     * beside this module (`new URL("./data/…", import.meta.url)`; read from disk in Node)
     * @param basis the landmark basis, when already loaded
     * @returns the regressor
     * @throws {@link ReconstructionError} `MODEL_LOAD_FAILED` (the network), `BAD_BASIS` (the basis)
     */
    public static async LoadAsync(reader?: FileReader, basis?: IctLandmarkBasis): Promise<LandmarkRegressor> {
        const read =
            reader ??
            (async (name: string): Promise<ArrayBuffer> => {
                const url =
                    name === LandmarkRegressorFileName ? new URL("./data/landmark-regressor.onnx", import.meta.url).href : new URL("./data/ict-landmarks68.bin", import.meta.url).href;
                return FetchBytesAsync(url);
            });
        let bytes: ArrayBuffer;
        try {
            bytes = await read(LandmarkRegressorFileName);
        } catch (e) {
            throw new ReconstructionError("MODEL_LOAD_FAILED", `cannot read ${LandmarkRegressorFileName}: ${(e as Error).message}`);
        }
        if (!basis) {
            let basisBytes: ArrayBuffer;
            try {
                basisBytes = await read(_BasisFileName);
            } catch (e) {
                throw new ReconstructionError("BAD_BASIS", `cannot read ${_BasisFileName}: ${(e as Error).message}`);
            }
            basis = IctLandmarkBasis.FromBinary(basisBytes);
        }
        return LandmarkRegressor.CreateAsync(new Uint8Array(bytes), basis);
    }

    /**
     * Creates a regressor from the network's bytes.
     * @param model the ONNX file's bytes
     * @param basis the landmark basis (for the closed-form translation)
     * @returns the regressor
     * @throws {@link ReconstructionError} `MODEL_LOAD_FAILED` when the bytes are not the regressor network
     */
    public static async CreateAsync(model: Uint8Array, basis: IctLandmarkBasis): Promise<LandmarkRegressor> {
        ort.env.wasm.numThreads = 1;
        let session: ort.InferenceSession;
        try {
            session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
        } catch (e) {
            throw new ReconstructionError("MODEL_LOAD_FAILED", `cannot load the landmark regressor: ${(e as Error).message}`);
        }
        const missing = ["features"].filter((n) => !session.inputNames.includes(n)).concat(Object.keys(_Outputs).filter((n) => !session.outputNames.includes(n)));
        if (missing.length > 0) {
            await session.release();
            throw new ReconstructionError("MODEL_LOAD_FAILED", `the landmark regressor lacks ${missing.join(", ")}`);
        }
        if (basis.identityCount < _IdentityCount) {
            await session.release();
            throw new ReconstructionError("BAD_BASIS", `the landmark basis holds fewer than ${_IdentityCount} identity modes`);
        }
        return new LandmarkRegressor(session, basis);
    }

    /** @returns "LandmarkRegressor" */
    public getClassName(): string {
        return "LandmarkRegressor";
    }

    /** The landmark basis used for the translation (and available for the fit). */
    public get basis(): IctLandmarkBasis {
        return this._basis;
    }

    /**
     * Runs the network on the raw outputs' level: the feature vector in, the four outputs out.
     * @param features {@link LandmarkRegressorFeatureCount} values from {@link ComputeLandmarkRegressorFeatures}
     * @returns alpha (20), beta (9, the fit's expressions, in [0, 1]), rotation6d (6), logFocal (1) = log(f / max(W, H))
     */
    public async runAsync(features: Float32Array): Promise<{ alpha: Float32Array; beta: Float32Array; rotation6d: Float32Array; logFocal: Float32Array }> {
        if (features.length !== LandmarkRegressorFeatureCount || !features.every((v) => Number.isFinite(v))) {
            throw new ReconstructionError("INVALID_ARGUMENT", `features must be ${LandmarkRegressorFeatureCount} finite numbers`);
        }
        const out = await this._session.run({ features: new ort.Tensor("float32", features, [1, LandmarkRegressorFeatureCount]) });
        const take = (name: keyof typeof _Outputs): Float32Array => {
            const data = out[name].data as Float32Array;
            if (data.length !== _Outputs[name]) {
                throw new ReconstructionError("MODEL_LOAD_FAILED", `the landmark regressor's ${name} has ${data.length} values, not ${_Outputs[name]}`);
            }
            return Float32Array.from(data);
        };
        return { alpha: take("alpha"), beta: take("beta"), rotation6d: take("rotation6d"), logFocal: take("logFocal") };
    }

    /**
     * The first guess of the fit for 68 landmarks.
     * @param landmarks 68 points `[x0, y0, …]` in px (y down), Multi-PIE order
     * @param width image width, px
     * @param height image height, px
     * @param options validity flags, a known focal length
     * @returns α, β, R, t and f, ready for `FitLandmarks3dmm(…, { initial })`
     * @throws {@link ReconstructionError} `INVALID_ARGUMENT` (wrong length, non-finite values, bad size or
     * flags), `FIT_FAILED` (no finite translation)
     */
    public async predictAsync(landmarks: ArrayLike<number>, width: number, height: number, options: ILandmarkRegressorPredictOptions = {}): Promise<ILandmarkRegressorGuess> {
        if (options.focal !== undefined && !(options.focal > 0 && Number.isFinite(options.focal))) {
            throw new ReconstructionError("INVALID_ARGUMENT", "focal must be a positive number");
        }
        const features = ComputeLandmarkRegressorFeatures(landmarks, width, height, options.valid);
        const raw = await this.runAsync(features);
        const rotation = RotationFrom6d(raw.rotation6d);
        const focal = options.focal ?? Math.exp(raw.logFocal[0]) * Math.max(width, height);
        const beta = new Float32Array(ArkitNames.length);
        this._fitIndices.forEach((e, j) => (beta[e] = Math.min(1, Math.max(0, raw.beta[j]))));
        const points = this._basis.evaluate(raw.alpha, beta);
        const weights = DefaultLandmarkWeights();
        for (let i = 0; i < MultiPie68Count; i++) {
            weights[i] *= options.valid === undefined || options.valid[i] ? 1 : 0;
        }
        const translation = EstimateTranslation(points, landmarks, weights, rotation, width / 2, height / 2, focal);
        if (!translation) {
            throw new ReconstructionError("FIT_FAILED", "no translation fits the regressor's guess");
        }
        return { alpha: raw.alpha, beta, rotation, translation, focal };
    }

    /** Releases the network's session. */
    public async disposeAsync(): Promise<void> {
        await this._session.release();
    }
}
