import { type ModelPack } from "../pack/modelPack";
import { DeformedBox } from "../pack/packManifest";
import { GenerateAvatarAssetAsync } from "../pack/avatarGenerator";
import { type IAvatarAsset } from "../volume/avatarAsset";
import { type FileReader } from "../io/fileSource";
import { type IAvatarFallbackPart } from "../loader/avatarGlb";
import { BuildFallbackMeshAsync } from "./fallbackMesh";
import { type IDetectedFace, FaceLandmarkDetector } from "./faceLandmarkDetector";
import { IctHeadMesh } from "./ictHeadMesh";
import { IctLandmarkBasis } from "./ictLandmarkBasis";
import { DecodeImageAsync, type IImagePixels } from "./imagePixels";
import { LandmarkRegressor } from "./landmarkRegressor";
import { JawContour } from "./jawContour";
import { FitLandmarks3dmm, type ILandmarkFitOptions, type ILandmarkFitResult } from "./landmarkFitter";
import { InterOcularDistance } from "./multiPie68";
import { type IMeshTexels, type IHeadTexture, type IProjectedPhoto, ProjectPhotoOntoMesh } from "./photoTexture";
import { ReconstructionError } from "./reconstructionError";
import { type IColourTargets, FitColourPlanes, FitColourPlanesAsync, type IColourPlanesFitOptions } from "./colourPlanesFit";
import { BuildPhotoLayer, type IPhotoLayerOptions } from "./photoLayer";
import { type IPhotoRegion, type PersonMatte, PersonSegmenter } from "./personSegmenter";

/** The steps of {@link ReconstructAvatarAsync}, in order ("refine" only with `refine`; "mesh" unless `fallbackMesh` is false). */
export type ReconstructionStage = "decode" | "detect" | "fit" | "generate" | "project" | "adapt" | "refine" | "mesh" | "done";

/** Progress of a reconstruction: the stage running (reported as it starts, and as the refinement advances), and the fraction of the work done. */
export interface IReconstructionProgress {
    /** The stage running now ("done" at the end). */
    stage: ReconstructionStage;
    /** 0 to 1, growing. */
    fraction: number;
}

/**
 * Options of the optional longer refinement ({@link IPhotoAvatarOptions.refine}): the colour fit on
 * finer colour planes, from more surface points of a finer projection of the photo, starting from the
 * fast fit's planes. It shows where the photo layer is not trusted (turned views' far side, under the chin).
 */
export interface IPhotoRefinementOptions {
    /** Height of the projected skin texture (texels; the width is twice that). Default 512. */
    textureSize?: number;
    /** Most surface points the colour fit uses. Default 200000. */
    maxColourPoints?: number;
    /** The colour fit. Defaults: resolution 512, 60 iterations (from the fast fit's planes, as far as 100 from none); else as {@link IColourPlanesFitOptions}. */
    colourFit?: IColourPlanesFitOptions;
}

/** Options of {@link ReconstructAvatarAsync}. */
export interface IPhotoAvatarOptions {
    /** Which face when the photo holds several, by size (0: the largest). Default 0. */
    faceIndex?: number;
    /** A ready detector; else one is made from `faceModels`. */
    detector?: FaceLandmarkDetector;
    /** Reads `@vladmandic/face-api`'s `model/` folder, when no `detector` is given. */
    faceModels?: FileReader;
    /** The landmark basis; default {@link IctLandmarkBasis.LoadAsync}. */
    landmarkBasis?: IctLandmarkBasis;
    /** The landmark regressor that gives the fit its first guess; default {@link LandmarkRegressor.LoadAsync} (loaded once). */
    landmarkRegressor?: LandmarkRegressor;
    /** The head mesh; default {@link IctHeadMesh.LoadAsync}. */
    headMesh?: IctHeadMesh;
    /** Browser: where onnxruntime-web's `.wasm` files are served (for the generator). */
    onnxWasmPaths?: string;
    /** Options of the landmark fit. By default its jaw points slide to the face's outline along `headMesh` (a {@link JawContour}). */
    fit?: ILandmarkFitOptions;
    /** Options of the colour fit (the avatar's colour planes). */
    colourFit?: IColourPlanesFitOptions;
    /**
     * The optional longer refinement, after the fast colour fit ("adapt") and from its planes: true
     * for its defaults, or its options. It reports its progress as it runs (stage "refine"), returns to the
     * event loop between iterations, and stops on `signal`. Default false.
     */
    refine?: boolean | IPhotoRefinementOptions;
    /** Options of the photo layer (the photo's colour where it saw the surface, hair and the head's outline as density); false: none. */
    photoLayer?: IPhotoLayerOptions | false;
    /** A ready person segmenter for the photo layer's hair matte; else one is made from `segmentationModel` (and disposed after). */
    segmenter?: PersonSegmenter;
    /**
     * Reads the person segmentation model's folder (this package's `models/third-party/selfie-segmentation/`),
     * when no `segmenter` is given. Without either, the hair matte comes from colour clusters alone (no model), which
     * takes background of hair-like colours for hair.
     */
    segmentationModel?: FileReader;
    /** Height of the projected skin texture (texels; the width is twice that). Default 256. */
    textureSize?: number;
    /** Most surface points the colour fit uses. Default 50000. */
    maxColourPoints?: number;
    /** Whether to build the `.glb`'s fallback mesh (`fallback`; the "mesh" stage). Default true. */
    fallbackMesh?: boolean;
    /** Smallest inter-ocular distance accepted, px. Default 24. */
    minInterOcularPx?: number;
    /**
     * Largest head turn accepted, degrees: the turn about the head's own vertical axis, away from the
     * line to the camera (so neither where the face sits in the photo nor a tilt of head or camera
     * counts). Default 55.
     */
    maxYawDegrees?: number;
    /**
     * Largest median distance of the detected landmarks from the fitted 3DMM's, as a fraction of the
     * inter-ocular distance, for a detection to count as a face. Faces fit within about 2.5 %; a
     * detector's false positive (landmarks strewn over something else) does not. Default 0.04.
     */
    maxLandmarkErrorIod?: number;
    /** Called as each stage starts, and as the refinement advances. */
    onProgress?: (progress: IReconstructionProgress) => void;
    /** Cancels the reconstruction (checked between stages, and between the refinement's iterations): it then rejects with code `ABORTED`. */
    signal?: AbortSignal;
}

/** One photo's avatar, and what was found on the way. */
export interface IPhotoAvatar {
    /** The volume (identity α, G(α)'s tri-plane and the fitted colour planes), for `AvatarVolume.CreateAsync` or `WriteAvatarGlb`. */
    asset: IAvatarAsset;
    /** The face the avatar was made from. */
    face: IDetectedFace;
    /** The 3DMM fit: α, β, and the photo's camera (`p_camera = R·X + t`, focal in px, principal point at the centre). */
    fit: ILandmarkFitResult;
    /** Coverage of the photo layer's hair/outline slab, `[row][column]` over the layer (empty without a layer). */
    hairMatte: Float32Array;
    /** The photo projected onto the fitted mesh (ICT texture layout). */
    textures: { skin: IHeadTexture; eyes: IHeadTexture };
    /** The fitted mesh with the photo as texture and the ARKit morph targets: `WriteAvatarGlb(asset, name, fallback)` (empty when `fallbackMesh` is false). */
    fallback: IAvatarFallbackPart[];
    /** Photo width, px. */
    width: number;
    /** Photo height, px. */
    height: number;
    /** Milliseconds spent in each stage. */
    timings: Partial<Record<ReconstructionStage, number>>;
}

/** The regressor loaded by the first reconstruction that was not given one. */
let _DefaultRegressor: Promise<LandmarkRegressor> | null = null;

/** Rough seconds per stage on the dev photos (2 cores, Node; "refine" 11–13 s on sample2), for progress: a stage's share of the stages that run. */
const _StageSeconds: Record<Exclude<ReconstructionStage, "done">, number> = { decode: 0.2, detect: 0.3, fit: 0.1, generate: 0.3, project: 0.2, adapt: 0.7, refine: 12, mesh: 0.1 };
/** Defaults of the refinement ({@link IPhotoRefinementOptions}). */
const _Refinement = { textureSize: 512, maxColourPoints: 200000, resolution: 512, iterations: 60 };
/** Share of the refinement before its iterations (the finer projection, the fit's set-up). */
const _RefinementSetUpShare = 0.25;
/** Weight of the colour of points the photo did not show (filled in) against those it did. */
const _FilledWeight = 0.3;
/** Weight of keeping the colour inside the mouth and eye sockets. */
const _InteriorWeight = 0.5;

/**
 * One photo → an animatable avatar volume (DESIGN.md §2, "3DMM extractor" to "fast adaptation"):
 * finds the face and its landmarks, fits the ICT-FaceKit 3DMM (identity α, expression, pose,
 * focal length; the ONNX landmark regressor's first guess refined by Levenberg–Marquardt), generates the canonical tri-plane G(α) with the pack's generator, projects the
 * photo onto the fitted mesh (visibility from a depth buffer, the mirror side and the nearest
 * colours for what the photo does not show), and fits the avatar's colour planes so the surface
 * renders in those colours while the density (the shape) stays G(α)'s. Runs the same in Node and the
 * browser (onnxruntime-web for G; TensorFlow.js for the detector).
 * @param image the photo: encoded bytes (JPEG anywhere; PNG/WebP where the browser decodes) or decoded pixels
 * @param pack the model pack (with its generator)
 * @param options detector, face choice, sizes, progress
 * @returns the avatar and the fit
 * @throws ReconstructionError with `code` saying what was wrong (`BAD_IMAGE`, `NO_FACE`, `FACE_TOO_SMALL`, `POSE_UNSUPPORTED`, …)
 */
export async function ReconstructAvatarAsync(image: ArrayBuffer | Uint8Array | IImagePixels, pack: ModelPack, options: IPhotoAvatarOptions = {}): Promise<IPhotoAvatar> {
    const timings: Partial<Record<ReconstructionStage, number>> = {};
    const refinement: IPhotoRefinementOptions | null = options.refine === true ? {} : options.refine || null;
    const stages: Exclude<ReconstructionStage, "done">[] = ["decode", "detect", "fit", "generate", "project", "adapt", ...(refinement ? (["refine"] as const) : []), ...(options.fallbackMesh ?? true ? (["mesh"] as const) : [])];
    const totalSeconds = stages.reduce((sum, stage) => sum + _StageSeconds[stage], 0);
    let fraction = 0;
    let stageStart = 0;
    let current: Exclude<ReconstructionStage, "done"> | null = null;
    const begin = (stage: ReconstructionStage): void => {
        const now = performance.now();
        if (current) {
            timings[current] = now - stageStart;
            fraction += _StageSeconds[current] / totalSeconds;
        }
        if (options.signal?.aborted) {
            throw new ReconstructionError("ABORTED", `reconstruction cancelled before "${stage}"`);
        }
        stageStart = now;
        current = stage === "done" ? null : stage;
        options.onProgress?.({ stage, fraction: stage === "done" ? 1 : Math.min(fraction, 1) });
    };
    // Within a stage (the refinement): the stage's share times the part of it done.
    const advance = (stage: Exclude<ReconstructionStage, "done">, part: number): void => {
        options.onProgress?.({ stage, fraction: Math.min(fraction + (part * _StageSeconds[stage]) / totalSeconds, 1) });
    };

    if (options.maxLandmarkErrorIod !== undefined && !(options.maxLandmarkErrorIod > 0)) {
        throw new ReconstructionError("INVALID_ARGUMENT", `maxLandmarkErrorIod must be a positive number, not ${options.maxLandmarkErrorIod}`);
    }
    begin("decode");
    const pixels = "data" in image ? image : await DecodeImageAsync(image);
    begin("detect");
    const detector = options.detector ?? (await _CreateDetector(options.faceModels));
    const basisPromise = options.landmarkBasis ? Promise.resolve(options.landmarkBasis) : IctLandmarkBasis.LoadAsync();
    const [face, basis, mesh, regressor] = await Promise.all([
        detector.detectAsync(pixels, options.faceIndex ?? 0),
        basisPromise,
        options.headMesh ?? IctHeadMesh.LoadAsync(),
        options.landmarkRegressor ?? basisPromise.then((b) => (_DefaultRegressor ??= LandmarkRegressor.LoadAsync(undefined, b))),
    ]);
    const iod = InterOcularDistance(face.landmarks);
    const minIod = options.minInterOcularPx ?? 24;
    if (iod < minIod) {
        throw new ReconstructionError("FACE_TOO_SMALL", `the face's eyes are ${iod.toFixed(1)} px apart; at least ${minIod} px are needed`);
    }
    begin("fit");
    const initial = await regressor.predictAsync(face.landmarks, pixels.width, pixels.height, { focal: options.fit?.focal });
    const contour = _ContourFor(mesh, basis);
    const fit = FitLandmarks3dmm(basis, face.landmarks, pixels.width, pixels.height, { identityCount: pack.manifest.alphaDims, initial, contour, ...options.fit });
    const yaw = _YawDegrees(fit.rotation, fit.translation);
    const maxYaw = options.maxYawDegrees ?? 55;
    if (Math.abs(yaw) > maxYaw) {
        throw new ReconstructionError("POSE_UNSUPPORTED", `the head is turned ${Math.abs(yaw).toFixed(0)}° from the camera; at most ${maxYaw}° can be reconstructed`);
    }
    // After the turn: a profile's landmarks fit badly too, and "turned too far" says more.
    const landmarkError = fit.medianErrorPx / iod;
    const maxLandmarkError = options.maxLandmarkErrorIod ?? 0.04;
    if (!(landmarkError <= maxLandmarkError)) {
        const { x, y, width, height } = face.box;
        throw new ReconstructionError(
            "NO_FACE",
            `what was detected at (${x.toFixed(0)}, ${y.toFixed(0)}, ${width.toFixed(0)} × ${height.toFixed(0)} px) is not a face: its landmarks lie ` +
                `${(100 * landmarkError).toFixed(1)} % of their eye distance from the nearest face the 3DMM can make (median; a face fits within ${(100 * maxLandmarkError).toFixed(1)} %)`
        );
    }
    begin("generate");
    const generated = await GenerateAvatarAssetAsync(pack, fit.alpha, options.onnxWasmPaths);
    begin("project");
    const personMatte = options.photoLayer === false || options.photoLayer?.hair === false ? undefined : await _SegmentPersonAsync(pixels, face, options);
    const projected = ProjectPhotoOntoMesh(mesh, fit, pixels, { skinSize: options.textureSize ?? 256, eyeSize: 64 });
    // The layer covers the box the runtime marches: hair may reach beyond the canonical box.
    const layer = options.photoLayer === false ? null : BuildPhotoLayer(mesh, fit, pixels, DeformedBox(pack.manifest), { personMatte, ...options.photoLayer });
    const targets = _ColourTargets(mesh, projected, fit.alpha, options.maxColourPoints ?? 50000);
    begin("adapt");
    const box = pack.manifest.canonicalBox;
    const volume = { triplane: generated.triplane, channels: generated.channels, resolution: generated.resolution, boxMin: box.min, boxMax: box.max };
    let colourPlanes = FitColourPlanes(volume, pack.decoder, targets, options.colourFit);
    if (refinement) {
        // From the fast fit's planes: a finer projection, more points, finer planes.
        begin("refine");
        const fine = ProjectPhotoOntoMesh(mesh, fit, pixels, { skinSize: refinement.textureSize ?? _Refinement.textureSize, eyeSize: 64 });
        const fineTargets = _ColourTargets(mesh, fine, fit.alpha, refinement.maxColourPoints ?? _Refinement.maxColourPoints);
        advance("refine", _RefinementSetUpShare / 2);
        await new Promise((resolve) => setTimeout(resolve, 0));
        colourPlanes = await FitColourPlanesAsync(volume, pack.decoder, fineTargets, {
            resolution: _Refinement.resolution,
            iterations: _Refinement.iterations,
            ...refinement.colourFit,
            initial: colourPlanes,
            signal: options.signal,
            onProgress: (part) => advance("refine", _RefinementSetUpShare + (1 - _RefinementSetUpShare) * part),
        });
    }
    let fallback: IAvatarFallbackPart[] = [];
    if (options.fallbackMesh ?? true) {
        begin("mesh");
        fallback = await BuildFallbackMeshAsync(mesh, fit.alpha, projected);
    }
    begin("done");
    return {
        asset: { ...generated, colourPlanes, ...(layer ? { photoLayer: layer.layer } : {}) },
        hairMatte: layer?.hairMatte ?? new Float32Array(0),
        face,
        fit,
        textures: { skin: projected.skin, eyes: projected.eyes },
        fallback,
        width: pixels.width,
        height: pixels.height,
        timings,
    };
}

/** The sliding jaw contour of a head mesh and landmark basis, built once per pair (≈ 30 ms). */
const _Contours = new WeakMap<IctHeadMesh, WeakMap<IctLandmarkBasis, JawContour>>();
function _ContourFor(mesh: IctHeadMesh, basis: IctLandmarkBasis): JawContour {
    let byBasis = _Contours.get(mesh);
    if (!byBasis) {
        byBasis = new WeakMap();
        _Contours.set(mesh, byBasis);
    }
    let contour = byBasis.get(basis);
    if (!contour) {
        contour = JawContour.FromHeadMesh(mesh, basis);
        byBasis.set(basis, contour);
    }
    return contour;
}

async function _CreateDetector(models: FileReader | undefined): Promise<FaceLandmarkDetector> {
    if (!models) {
        throw new ReconstructionError("INVALID_ARGUMENT", "give either a detector or faceModels (a reader of @vladmandic/face-api's model/ folder)");
    }
    return FaceLandmarkDetector.CreateAsync({ models });
}

/** Side of the square the person segmenter sees, in face-box sides, and how far above the box's centre its centre lies. */
const _SegmentationRegionScale = 3;
const _SegmentationRegionLift = 0.2;

/** The person matte around the face, with the given segmenter or one made for this call; undefined without either. */
async function _SegmentPersonAsync(pixels: IImagePixels, face: IDetectedFace, options: IPhotoAvatarOptions): Promise<PersonMatte | undefined> {
    if (!options.segmenter && !options.segmentationModel) {
        return undefined;
    }
    const segmenter = options.segmenter ?? (await PersonSegmenter.CreateAsync({ model: options.segmentationModel! }));
    const side = _SegmentationRegionScale * Math.max(face.box.width, face.box.height);
    const region: IPhotoRegion = {
        x: face.box.x + face.box.width / 2 - side / 2,
        y: face.box.y + face.box.height * (0.5 - _SegmentationRegionLift) - side / 2,
        size: side,
    };
    try {
        const matte = await segmenter.segmentAsync(pixels, region);
        return face.otherFaces.length > 0 ? matte.withoutOtherFaces(face.box, face.otherFaces) : matte;
    } finally {
        if (segmenter !== options.segmenter) {
            segmenter.dispose();
        }
    }
}

/**
 * Head turn about its own vertical axis away from the camera, degrees (0: facing it): measured
 * against the line from the head to the camera, not the camera's axis, so a face at a photo's edge
 * that looks at the camera counts as facing it, and with the head's lean (roll about that line)
 * taken out, so a tilted photo of a face gives the face's turn. With the pose split as
 * roll · pitch · yaw about that line, the head's forward (+z) and sideways (+x) axes have components
 * cos(yaw)·cos(pitch) and −sin(yaw)·cos(pitch) along it.
 * @param r the fit's rotation (row-major 3 × 3, ICT to camera)
 * @param t the fit's translation, cm
 * @returns the turn, degrees (signed)
 */
function _YawDegrees(r: ArrayLike<number>, t: ArrayLike<number>): number {
    const length = Math.hypot(t[0], t[1], t[2]);
    const [vx, vy, vz] = [-t[0] / length, -t[1] / length, -t[2] / length];
    // R's first and third columns: the head's sideways and forward axes in camera space.
    const sideways = r[0] * vx + r[3] * vy + r[6] * vz;
    const forward = r[2] * vx + r[5] * vy + r[8] * vz;
    return (Math.atan2(-sideways, forward) * 180) / Math.PI;
}

/**
 * The colour fit's targets: canonical (neutral-expression) surface points at the texels of the
 * projected textures with their colours, and points inside the mouth and eye sockets that keep
 * their colour (NaN target).
 */
function _ColourTargets(mesh: IctHeadMesh, projected: IProjectedPhoto, alpha: ArrayLike<number>, maxPoints: number): IColourTargets {
    const canonical = mesh.positions(alpha);
    const interior = mesh.interiorPositions(alpha);
    const sources: [IMeshTexels, IHeadTexture][] = [
        [projected.skinTexels, projected.skin],
        [projected.eyeTexels, projected.eyes],
    ];
    const available = sources.reduce((n, [texels]) => n + texels.triangle.length, 0);
    const stride = Math.max(1, Math.ceil(available / maxPoints));
    const count = sources.reduce((n, [texels]) => n + Math.ceil(texels.triangle.length / stride), 0) + interior.length / 3;
    const positions = new Float32Array(3 * count);
    const colours = new Float32Array(3 * count);
    const weights = new Float32Array(count);
    let p = 0;
    for (const [texels, texture] of sources) {
        for (let n = 0; n < texels.triangle.length; n += stride, p++) {
            const t = texels.triangle[n];
            const b = [texels.bary[2 * n], texels.bary[2 * n + 1], 1 - texels.bary[2 * n] - texels.bary[2 * n + 1]];
            for (let c = 0; c < 3; c++) {
                positions[3 * p + c] = b.reduce((sum, bk, k) => sum + bk * canonical[3 * mesh.triangles[3 * t + k] + c], 0);
                colours[3 * p + c] = texture.rgb[3 * texels.texel[n] + c];
            }
            const seen = texture.weight[texels.texel[n]];
            weights[p] = _FilledWeight + (1 - _FilledWeight) * seen;
        }
    }
    positions.set(interior, 3 * p);
    colours.fill(NaN, 3 * p);
    weights.fill(_InteriorWeight, p);
    return { positions, colours, weights };
}
