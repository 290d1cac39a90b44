/**
 * The reconstruction under evaluation: photo → avatar, behind one function.
 *
 * Stand-in until `plugin/reconstruction/photoAvatar.ts` (`ReconstructAvatarAsync`) lands: decode,
 * detect (face-api, every face, largest first), fit the 3DMM to the chosen face's landmarks, and the
 * pack's generator G(α) — an uncoloured head, so identity figures stay low. It returns what
 * `IPhotoAvatar` will hold, so swapping is one call.
 */
import { type ModelPack } from "../../../plugin/pack/modelPack";
import { GenerateAvatarAssetAsync } from "../../../plugin/pack/avatarGenerator";
import { type IDetectedFace } from "../../../plugin/reconstruction/faceLandmarkDetector";
import { type IctLandmarkBasis } from "../../../plugin/reconstruction/ictLandmarkBasis";
import { DecodeImageAsync, type IImagePixels } from "../../../plugin/reconstruction/imagePixels";
import { FitLandmarks3dmm, type ILandmarkFitResult } from "../../../plugin/reconstruction/landmarkFitter";
import { ReconstructionError } from "../../../plugin/reconstruction/reconstructionError";
import { type IAvatarAsset } from "../../../plugin/volume/avatarAsset";
import { type FaceApiRecogniser } from "./faceApiRecogniser";

/** What the reconstruction gives for one face (the shape of `IPhotoAvatar`). */
export interface IEvalPhotoAvatar {
    /** The avatar's volume. */
    asset: IAvatarAsset;
    /** The face it was made from. */
    face: IDetectedFace;
    /** The 3DMM fit (pose, focal, α, β). */
    fit: ILandmarkFitResult;
    /** Photo width, px. */
    width: number;
    /** Photo height, px. */
    height: number;
    /** Milliseconds per stage. */
    timings: Record<string, number>;
}

/** What the stand-in needs besides the photo and the pack. */
export interface IReconstructionContext {
    /** face-api with all faces and landmarks (its `detector` is the one the reconstruction gets). */
    faceApi: FaceApiRecogniser;
    /** The 68-landmark basis of the 3DMM. */
    basis: IctLandmarkBasis;
}

/**
 * Reconstructs the avatar of one face of a photo.
 * @param photo the photo file's bytes, or decoded pixels
 * @param pack the model pack
 * @param faceIndex which face, largest first
 * @param context detectors and the landmark basis
 * @returns the avatar and what it was made from
 */
export async function ReconstructForEvalAsync(photo: Uint8Array | IImagePixels, pack: ModelPack, faceIndex: number, context: IReconstructionContext): Promise<IEvalPhotoAvatar> {
    const timings: Record<string, number> = {};
    let t = performance.now();
    const lap = (stage: string): void => {
        const now = performance.now();
        timings[stage] = now - t;
        t = now;
    };
    const image = photo instanceof Uint8Array ? await DecodeImageAsync(photo) : photo;
    lap("decode");
    const faces = await context.faceApi.detectAllAsync(image);
    if (faceIndex >= faces.length) {
        throw new ReconstructionError("NO_FACE", `face ${faceIndex} asked for, ${faces.length} found`);
    }
    const found = faces[faceIndex];
    const face: IDetectedFace = { box: found.box, score: found.score, landmarks: found.landmarks, faceCount: faces.length };
    lap("detect");
    const fit = FitLandmarks3dmm(context.basis, face.landmarks, image.width, image.height);
    lap("fit");
    const asset = await GenerateAvatarAssetAsync(pack, fit.alpha);
    lap("generate");
    return { asset, face, fit, width: image.width, height: image.height, timings };
}
