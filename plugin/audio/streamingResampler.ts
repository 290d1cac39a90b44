import { LipSyncError } from "./lipSyncError.js";

const _HalfTaps = 16;
const _Phases = 128;

/**
 * Streaming band-limited resampler (windowed sinc, Blackman window, 32 taps, 128 phases)
 * from any rate to a fixed output rate. The same object serves the offline pass (one call
 * then {@link flush}) and the live path (many small calls): output is identical for any way
 * the input is split. No allocation after construction except when a call brings more input
 * than the internal buffer holds.
 */
export class StreamingResampler {
    /** Input sample rate in Hz. */
    public readonly inputRate: number;
    /** Output sample rate in Hz. */
    public readonly outputRate: number;

    private readonly _step: number;
    private readonly _inRate: number;
    private readonly _outRate: number;
    private readonly _kernel: Float32Array;
    private _buffer: Float32Array;
    private _length: number;
    /** Index of the next output sample. */
    private _produced: number;
    /** Input index held in _buffer[0] (negative: zeros of history before the first sample). */
    private _bufferStart: number;
    private _out: Float32Array;

    /**
     * @param inputRate input sample rate (8–192 kHz)
     * @param outputRate output sample rate
     */
    constructor(inputRate: number, outputRate: number) {
        if (!Number.isFinite(inputRate) || inputRate < 8000 || inputRate > 192000) {
            throw new LipSyncError("INVALID_ARGUMENT", `sample rate ${inputRate} Hz is outside 8000–192000 Hz`);
        }
        this.inputRate = inputRate;
        this.outputRate = outputRate;
        this._step = inputRate / outputRate;
        this._inRate = Math.round(inputRate);
        this._outRate = Math.round(outputRate);
        const cutoff = Math.min(1, outputRate / inputRate) * 0.95;
        const taps = 2 * _HalfTaps;
        this._kernel = new Float32Array((_Phases + 1) * taps);
        for (let p = 0; p <= _Phases; p++) {
            const frac = p / _Phases;
            let sum = 0;
            for (let k = 0; k < taps; k++) {
                const x = k - _HalfTaps + 1 - frac; // distance from the output position to input tap
                const w = 0.42 + 0.5 * Math.cos((Math.PI * x) / _HalfTaps) + 0.08 * Math.cos((2 * Math.PI * x) / _HalfTaps);
                const s = x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x);
                const v = Math.abs(x) >= _HalfTaps ? 0 : cutoff * s * w;
                this._kernel[p * taps + k] = v;
                sum += v;
            }
            for (let k = 0; k < taps; k++) {
                this._kernel[p * taps + k] /= sum;
            }
        }
        this._buffer = new Float32Array(8192);
        this._length = _HalfTaps - 1; // zeros of history before the first sample
        this._bufferStart = -(_HalfTaps - 1);
        this._produced = 0;
        this._out = new Float32Array(Math.ceil(8192 / this._step) + 4);
    }

    /**
     * Resamples the next block of input.
     * @param input samples at {@link inputRate}
     * @param onOutput receives the output samples produced so far (a view valid during the call only)
     */
    public process(input: Float32Array, onOutput: (samples: Float32Array) => void): void {
        let offset = 0;
        while (offset < input.length) {
            const room = this._buffer.length - this._length;
            const n = Math.min(room, input.length - offset);
            this._buffer.set(input.subarray(offset, offset + n), this._length);
            this._length += n;
            offset += n;
            this._drain(onOutput);
        }
    }

    /**
     * Ends the stream: pads with zeros so that every input sample reaches the output.
     * @param onOutput receives the last output samples
     */
    public flush(onOutput: (samples: Float32Array) => void): void {
        const pad = new Float32Array(_HalfTaps + Math.ceil(this._step));
        this.process(pad, onOutput);
    }

    private _drain(onOutput: (samples: Float32Array) => void): void {
        const taps = 2 * _HalfTaps;
        const buf = this._buffer;
        const kernel = this._kernel;
        const out = this._out;
        const inRate = this._inRate;
        const outRate = this._outRate;
        const length = this._length;
        const bufferStart = this._bufferStart;
        let count = 0;
        // exact integer position arithmetic: output n sits at input n * inRate / outRate, so the
        // result does not depend on how the input was split into blocks
        let produced = this._produced;
        let base = Math.floor((produced * inRate) / outRate);
        let rem = produced * inRate - base * outRate;
        while (base - bufferStart + _HalfTaps < length) {
            const phase = (rem / outRate) * _Phases;
            const p0 = Math.floor(phase);
            const t = phase - p0;
            const k0 = p0 * taps;
            const start = base - bufferStart - _HalfTaps + 1;
            let a = 0;
            for (let k = 0; k < taps; k++) {
                a += buf[start + k] * kernel[k0 + k];
            }
            if (t > 0) {
                const k1 = k0 + taps;
                let b = 0;
                for (let k = 0; k < taps; k++) {
                    b += buf[start + k] * kernel[k1 + k];
                }
                a += (b - a) * t;
            }
            if (count === out.length) {
                onOutput(out.subarray(0, count));
                count = 0;
            }
            out[count++] = a;
            produced++;
            rem += inRate;
            while (rem >= outRate) {
                rem -= outRate;
                base++;
            }
        }
        this._produced = produced;
        if (count > 0) {
            onOutput(out.subarray(0, count));
        }
        // keep the history the kernel needs for the next output
        const keep = base - bufferStart - _HalfTaps + 1;
        if (keep > 0) {
            buf.copyWithin(0, keep, length);
            this._length -= keep;
            this._bufferStart += keep;
        }
    }
}
