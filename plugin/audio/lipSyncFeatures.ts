import Meyda from "meyda";

/** Fixed parameters of the lip-sync features: the network was trained on exactly these. */
export const LipSyncFeatureConfig = {
    /** Sample rate the features are computed at (Hz); any input is resampled to it. */
    sampleRate: 16000,
    /** Analysis window (meyda `bufferSize`), samples: 32 ms. */
    bufferSize: 512,
    /** Hop between frames, samples: 10 ms, i.e. 100 frames per second. */
    hopSize: 160,
    /** Frames per second. */
    frameRate: 100,
    /** Mel bands of the MFCC. */
    melBands: 26,
    /** MFCC coefficients. */
    mfccCount: 13,
    /** Values per frame: 13 MFCC, log energy, zero-crossing rate, spectral centroid, spectral flatness. */
    featureCount: 17,
    /** Input scale before analysis (float samples to 16-bit range, so meyda's log(mel + 1) acts as a log). */
    inputScale: 32768,
} as const;

const _Features = ["amplitudeSpectrum", "rms", "zcr", "spectralCentroid", "spectralFlatness"] as const;

interface IMeydaFrame {
    amplitudeSpectrum: Float32Array;
    rms: number;
    zcr: number;
    spectralCentroid: number;
    spectralFlatness: number;
}

/**
 * Lip-sync features with meyda, frame by frame: the one implementation used by the runtime
 * (live and offline) and by the training-data script (models/lipsync/extractFeatures.ts).
 *
 * Frame `k` is centred on time `k / 100` s: the analysis window covers samples
 * `[160 k − 256, 160 k + 256)` of the 16 kHz signal (zeros before the start).
 * The MFCC is meyda's (Hann window, `log(mel + 1)`, DCT-II, meyda's own mel filter bank),
 * computed from meyda's amplitude spectrum with the filter bank's non-zero spans only and a
 * cached DCT table, which is equal to `Meyda.extract("mfcc")` (see test/audio/features.test.ts)
 * and about 3× faster. Buffers are reused: meyda allocates inside `extract`, this class does
 * not allocate per frame.
 */
export class LipSyncFeatureExtractor {
    private readonly _window: Float32Array;
    private _filled: number;
    private _emitted: number;
    private readonly _zeros: Float32Array;
    private readonly _frame: Float32Array;
    private readonly _features: Float32Array;
    private readonly _mel: Float64Array;
    private readonly _dct: Float64Array;
    private readonly _bankStart: Int32Array;
    private readonly _bankEnd: Int32Array;
    private readonly _bank: Float64Array[];

    /** Creates an extractor whose first frame is centred on the first sample. */
    constructor() {
        const c = LipSyncFeatureConfig;
        Meyda.bufferSize = c.bufferSize;
        Meyda.sampleRate = c.sampleRate;
        Meyda.melBands = c.melBands;
        Meyda.numberOfMFCCCoefficients = c.mfccCount;
        Meyda.windowingFunction = "hanning";
        this._window = new Float32Array(c.bufferSize);
        this._frame = new Float32Array(c.bufferSize);
        this._features = new Float32Array(c.featureCount);
        this._mel = new Float64Array(c.melBands);
        this._zeros = new Float32Array(c.bufferSize);
        this._filled = c.bufferSize / 2;
        this._emitted = 0;
        // meyda builds its mel filter bank lazily: extract once on silence to get it.
        Meyda.extract("rms", this._frame);
        const bank = (Meyda as unknown as { melFilterBank: ArrayLike<number>[] }).melFilterBank;
        this._bank = [];
        this._bankStart = new Int32Array(c.melBands);
        this._bankEnd = new Int32Array(c.melBands);
        for (let b = 0; b < c.melBands; b++) {
            const row = Float64Array.from(bank[b]);
            let s = 0;
            while (s < row.length && row[s] === 0) {
                s++;
            }
            let e = row.length;
            while (e > s && row[e - 1] === 0) {
                e--;
            }
            this._bank.push(row);
            this._bankStart[b] = s;
            this._bankEnd[b] = Math.min(e, c.bufferSize / 2);
        }
        // DCT-II as the `dct` package that meyda uses computes it: 2 * sum x[n] cos(pi/N (n + 0.5) k)
        const n = c.melBands;
        this._dct = new Float64Array(c.mfccCount * n);
        for (let k = 0; k < c.mfccCount; k++) {
            for (let i = 0; i < n; i++) {
                this._dct[k * n + i] = Math.cos((Math.PI / n) * (i + 0.5) * k);
            }
        }
    }

    /** Resets to the start of a new stream (the next frame is centred on the next sample). */
    public reset(): void {
        this._window.fill(0);
        this._filled = LipSyncFeatureConfig.bufferSize / 2;
        this._emitted = 0;
    }

    /**
     * Feeds 16 kHz samples (floats in [-1, 1]); calls `onFrame` for every completed frame.
     * @param samples input at {@link LipSyncFeatureConfig.sampleRate}
     * @param onFrame receives the features of one frame (a reused array: copy what you keep)
     */
    public process(samples: Float32Array, onFrame: (features: Float32Array) => void): void {
        const c = LipSyncFeatureConfig;
        const win = this._window;
        let i = 0;
        while (i < samples.length) {
            const n = Math.min(c.bufferSize - this._filled, samples.length - i);
            win.set(samples.subarray(i, i + n), this._filled);
            this._filled += n;
            i += n;
            if (this._filled === c.bufferSize) {
                this._emitted++;
                onFrame(this._computeFrame());
                win.copyWithin(0, c.hopSize);
                this._filled -= c.hopSize;
            }
        }
    }

    /**
     * Ends a stream: emits the remaining frames whose centre lies within the audio (zeros after the end).
     * @param totalSamples number of 16 kHz samples given since the start
     * @param onFrame receives each remaining frame
     */
    public flush(totalSamples: number, onFrame: (features: Float32Array) => void): void {
        const frames = LipSyncFeatureExtractor.FrameCount(totalSamples);
        while (this._emitted < frames) {
            this.process(this._zeros.subarray(0, LipSyncFeatureConfig.bufferSize - this._filled), onFrame);
        }
    }

    /**
     * Number of frames for a signal: one per 10 ms, the first centred on sample 0.
     * @param samples16k length of the signal at 16 kHz
     * @returns the frame count
     */
    public static FrameCount(samples16k: number): number {
        return samples16k <= 0 ? 0 : Math.floor((samples16k - 1) / LipSyncFeatureConfig.hopSize) + 1;
    }

    private _computeFrame(): Float32Array {
        const c = LipSyncFeatureConfig;
        const frame = this._frame;
        const win = this._window;
        for (let i = 0; i < c.bufferSize; i++) {
            frame[i] = win[i] * c.inputScale;
        }
        const m = Meyda.extract(_Features as unknown as ["rms"], frame) as unknown as IMeydaFrame;
        const amp = m.amplitudeSpectrum;
        const mel = this._mel;
        for (let b = 0; b < c.melBands; b++) {
            const row = this._bank[b];
            let sum = 0;
            for (let j = this._bankStart[b]; j < this._bankEnd[b]; j++) {
                // float32 rounding at each step, as meyda's Float32Array arithmetic
                sum = Math.fround(sum + Math.fround(row[j] * Math.fround(amp[j] * amp[j])));
            }
            mel[b] = Math.fround(Math.log(sum + 1));
        }
        const out = this._features;
        const n = c.melBands;
        for (let k = 0; k < c.mfccCount; k++) {
            let s = 0;
            for (let i = 0; i < n; i++) {
                s += mel[i] * this._dct[k * n + i];
            }
            out[k] = 2 * s;
        }
        out[c.mfccCount] = Math.log(m.rms + 1);
        out[c.mfccCount + 1] = m.zcr / c.bufferSize;
        out[c.mfccCount + 2] = Number.isFinite(m.spectralCentroid) ? m.spectralCentroid / (c.bufferSize / 2) : 0;
        out[c.mfccCount + 3] = Number.isFinite(m.spectralFlatness) ? m.spectralFlatness : 0;
        return out;
    }
}
