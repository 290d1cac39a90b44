import { CodedError } from "../errors.js";

/** Why a lip-sync operation failed: the `code` of a {@link LipSyncError}. */
export type LipSyncErrorCode =
    /** The input held no samples. */
    | "EMPTY_AUDIO"
    /** The bytes are not an audio file that can be decoded (corrupt, truncated or not audio). */
    | "DECODE_FAILED"
    /** The audio format is valid but not supported (e.g. a WAV codec other than PCM or float). */
    | "UNSUPPORTED_FORMAT"
    /** A sample rate outside 8–192 kHz, a non-finite sample or another bad argument. */
    | "INVALID_ARGUMENT"
    /** The lip-sync network could not be loaded or does not match the expected shapes. */
    | "MODEL_LOAD_FAILED"
    /** A URL could not be fetched. */
    | "FETCH_FAILED"
    /** The environment lacks what this operation needs (AudioWorklet, Worker…). */
    | "NOT_SUPPORTED"
    /** The object was disposed. */
    | "DISPOSED";

/** A typed lip-sync error: test `error.code` rather than the message. */
export class LipSyncError extends CodedError<LipSyncErrorCode> {
    /**
     * @param code what went wrong
     * @param message details for a developer
     */
    constructor(code: LipSyncErrorCode, message: string) {
        super("LipSyncError", code, message);
    }
}
