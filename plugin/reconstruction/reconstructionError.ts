import { CodedError } from "../errors.js";

/** Why a photo reconstruction step failed: the `code` of a {@link ReconstructionError}. */
export type ReconstructionErrorCode =
    /** The bytes are not an image that can be decoded (corrupt, truncated or not an image). */
    | "BAD_IMAGE"
    /** The image format is valid but this environment cannot decode it (e.g. PNG in Node). */
    | "UNSUPPORTED_FORMAT"
    /** No face was found in the image. */
    | "NO_FACE"
    /** The face detector or its weights could not be loaded. */
    | "MODEL_LOAD_FAILED"
    /** The 3DMM data is missing, truncated or has unexpected shapes. */
    | "BAD_BASIS"
    /** A wrong argument: a wrong length, a non-finite value, a size out of range. */
    | "INVALID_ARGUMENT"
    /** The 3DMM fit did not reach a finite solution. */
    | "FIT_FAILED"
    /** The face is too small in the photo to be reconstructed (see the message for the size). */
    | "FACE_TOO_SMALL"
    /** The head is turned too far from the camera (a profile) to be reconstructed from this photo. */
    | "POSE_UNSUPPORTED"
    /** The reconstruction was cancelled through its abort signal. */
    | "ABORTED";

/** A typed reconstruction error: test `error.code` rather than the message. */
export class ReconstructionError extends CodedError<ReconstructionErrorCode> {
    /**
     * @param code what went wrong
     * @param message details for a developer
     */
    constructor(code: ReconstructionErrorCode, message: string) {
        super("ReconstructionError", code, message);
    }
}
