import { LipSyncError } from "./lipSyncError.js";

/** Mono audio: samples in [-1, 1] and their rate. */
export interface IMonoAudio {
    /** Samples, one channel (multi-channel input is averaged). */
    samples: Float32Array;
    /** Sample rate in Hz. */
    sampleRate: number;
}

/**
 * Decodes a RIFF/WAVE file (PCM 8/16/24/32-bit, IEEE float 32/64-bit, plain or
 * WAVE_FORMAT_EXTENSIBLE, any channel count) to mono, without Web Audio: for Node and workers.
 * @param data the file's bytes
 * @returns the mono samples and sample rate
 * @throws {@link LipSyncError} `DECODE_FAILED` (not a WAV file, truncated), `UNSUPPORTED_FORMAT`, `EMPTY_AUDIO`, `INVALID_ARGUMENT` (rate)
 */
export function DecodeWav(data: ArrayBuffer | Uint8Array): IMonoAudio {
    const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength === 0) {
        throw new LipSyncError("EMPTY_AUDIO", "the file is empty");
    }
    const tag = (o: number): string => String.fromCharCode(bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]);
    if (bytes.byteLength < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") {
        throw new LipSyncError("DECODE_FAILED", "not a RIFF/WAVE file");
    }
    let fmt: { format: number; channels: number; rate: number; bits: number } | null = null;
    let dataOffset = -1;
    let dataLength = 0;
    let o = 12;
    while (o + 8 <= bytes.byteLength) {
        const id = tag(o);
        const size = view.getUint32(o + 4, true);
        const body = o + 8;
        if (id === "fmt ") {
            if (size < 16 || body + 16 > bytes.byteLength) {
                throw new LipSyncError("DECODE_FAILED", "truncated fmt chunk");
            }
            let format = view.getUint16(body, true);
            if (format === 0xfffe && size >= 40) {
                format = view.getUint16(body + 24, true); // sub-format GUID's first two bytes
            }
            fmt = { format, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
        } else if (id === "data") {
            dataOffset = body;
            dataLength = Math.min(size, bytes.byteLength - body);
            break;
        }
        o = body + size + (size & 1);
    }
    if (!fmt || dataOffset < 0) {
        throw new LipSyncError("DECODE_FAILED", fmt ? "no data chunk" : "no fmt chunk");
    }
    const { format, channels, rate, bits } = fmt;
    const pcm = format === 1 && (bits === 8 || bits === 16 || bits === 24 || bits === 32);
    const float = format === 3 && (bits === 32 || bits === 64);
    if (!pcm && !float) {
        throw new LipSyncError("UNSUPPORTED_FORMAT", `WAV format ${format} with ${bits} bits per sample`);
    }
    if (channels < 1) {
        throw new LipSyncError("DECODE_FAILED", "zero channels");
    }
    if (rate < 8000 || rate > 192000) {
        throw new LipSyncError("INVALID_ARGUMENT", `sample rate ${rate} Hz is outside 8000–192000 Hz`);
    }
    const bytesPerSample = bits / 8;
    const frames = Math.floor(dataLength / (bytesPerSample * channels));
    if (frames === 0) {
        throw new LipSyncError("EMPTY_AUDIO", "the WAV file holds no samples");
    }
    const samples = new Float32Array(frames);
    const read = (p: number): number => {
        switch (bits) {
            case 8:
                return (view.getUint8(p) - 128) / 128;
            case 16:
                return view.getInt16(p, true) / 32768;
            case 24: {
                const v = view.getUint8(p) | (view.getUint8(p + 1) << 8) | (view.getInt8(p + 2) << 16);
                return v / 8388608;
            }
            case 32:
                return float ? view.getFloat32(p, true) : view.getInt32(p, true) / 2147483648;
            default:
                return view.getFloat64(p, true);
        }
    };
    for (let i = 0; i < frames; i++) {
        let s = 0;
        const p = dataOffset + i * channels * bytesPerSample;
        for (let c = 0; c < channels; c++) {
            s += read(p + c * bytesPerSample);
        }
        const v = s / channels;
        samples[i] = Number.isFinite(v) ? v : 0;
    }
    return { samples, sampleRate: rate };
}
