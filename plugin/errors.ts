/**
 * A model pack or avatar file that cannot be used: truncated, wrong shapes or dtypes,
 * non-finite values, an unknown version or a wrong hash. `field` names the place at fault
 * as a JSON path (for example `tensors["decoder.0.weight"].shape`).
 */
export class AvatarFormatError extends Error {
    /** JSON path of the field at fault. */
    public readonly field: string;

    /**
     * @param field JSON path of the field at fault
     * @param message what is wrong with it
     */
    constructor(field: string, message: string) {
        super(`${field}: ${message}`);
        this.name = "AvatarFormatError";
        this.field = field;
    }
}

/** Expression weights that cannot be applied: an unknown name, a wrong length or a non-finite value. */
export class AvatarExpressionError extends Error {
    /** The name (or index, as a string) of the offending weight. */
    public readonly key: string;

    /**
     * @param key name or index of the offending weight
     * @param message what is wrong with it
     */
    constructor(key: string, message: string) {
        super(`expression weight "${key}": ${message}`);
        this.name = "AvatarExpressionError";
        this.key = key;
    }
}

/** The engine cannot run avatar volumes (no WebGPU, or no compute shaders). */
export class AvatarUnsupportedError extends Error {
    /** @param message why the engine is not supported */
    constructor(message: string) {
        super(message);
        this.name = "AvatarUnsupportedError";
    }
}

/**
 * Base of the errors that carry a machine-readable `code` (lip-sync, reconstruction): test
 * `error.code` rather than the message.
 */
export class CodedError<TCode extends string> extends Error {
    /** What went wrong. */
    public readonly code: TCode;

    /**
     * @param name the error class's name
     * @param code what went wrong
     * @param message details for a developer
     */
    constructor(name: string, code: TCode, message: string) {
        super(`${code}: ${message}`);
        this.name = name;
        this.code = code;
    }
}
