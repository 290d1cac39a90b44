import Meyda from "meyda";
import { ComputeLipSyncFeatures } from "../../plugin/audio/computeFeatures.js";
import { LipSyncFeatureConfig as C, LipSyncFeatureExtractor } from "../../plugin/audio/lipSyncFeatures.js";
import { StreamingResampler } from "../../plugin/audio/streamingResampler.js";

const signal = (n: number, seed = 1): Float32Array => {
    let s = seed;
    const rnd = (): number => ((s = (s * 16807) % 2147483647) / 2147483647) - 0.5;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) {
        x[i] = 0.3 * Math.sin(i * 0.05) * Math.sin(i * 0.0007) + 0.2 * Math.sin(i * 0.31) * (i % 4000 < 2000 ? 1 : 0) + 0.02 * rnd();
    }
    return x;
};

describe("lip-sync features", () => {
    test("MFCC equals Meyda.extract('mfcc') on the same windows (meyda config set explicitly)", () => {
        const x = signal(16000);
        const ex = new LipSyncFeatureExtractor();
        let k = 0;
        let maxRel = 0;
        const frame = new Float32Array(C.bufferSize);
        ex.process(x, (f) => {
            for (let i = 0; i < C.bufferSize; i++) {
                const j = k * C.hopSize - C.bufferSize / 2 + i;
                frame[i] = (j >= 0 && j < x.length ? x[j] : 0) * C.inputScale;
            }
            const ref = Meyda.extract("mfcc", frame) as unknown as number[];
            for (let i = 0; i < C.mfccCount; i++) {
                maxRel = Math.max(maxRel, Math.abs(ref[i] - f[i]) / (1 + Math.abs(ref[i])));
            }
            const rms = Meyda.extract("rms", frame) as unknown as number;
            expect(f[C.mfccCount]).toBeCloseTo(Math.log(rms + 1), 5);
            k++;
        });
        expect(Meyda.bufferSize).toBe(512);
        expect(Meyda.sampleRate).toBe(16000);
        expect(k).toBeGreaterThan(90);
        expect(maxRel).toBeLessThan(1e-5);
    });

    test("reuses its output buffer (no per-frame allocation)", () => {
        const ex = new LipSyncFeatureExtractor();
        const seen = new Set<Float32Array>();
        ex.process(signal(8000), (f) => seen.add(f));
        expect(seen.size).toBe(1);
    });

    test("streaming in random blocks gives exactly the offline features (the dataset's), any rate", () => {
        for (const rate of [16000, 44100, 8000]) {
            const x = signal(Math.round(rate * 0.7), rate);
            const offline = ComputeLipSyncFeatures(x, rate);
            const resampler = new StreamingResampler(rate, C.sampleRate);
            const ex = new LipSyncFeatureExtractor();
            const frames: number[] = [];
            let o = 0;
            let size = 1;
            while (o < x.length) {
                const n = Math.min(size, x.length - o);
                resampler.process(x.subarray(o, o + n), (s) => ex.process(s, (f) => frames.push(...f)));
                o += n;
                size = (size * 7 + 13) % 700 + 1;
            }
            const live = Float32Array.from(frames);
            // live frames stop where the window needs samples not yet received; all of them must match
            expect(live.length).toBeGreaterThan(offline.features.length - 8 * C.featureCount);
            for (let i = 0; i < live.length; i++) {
                expect(live[i]).toBe(offline.features[i]);
            }
        }
    });

    test("frame count: one per 10 ms, first centred on sample 0", () => {
        expect(LipSyncFeatureExtractor.FrameCount(16000)).toBe(100);
        expect(LipSyncFeatureExtractor.FrameCount(1)).toBe(1);
        expect(ComputeLipSyncFeatures(signal(48000), 48000).frameCount).toBe(100);
    });

    test("resampler keeps a tone and removes what is above the new Nyquist", () => {
        const rate = 48000;
        const tone = (f: number): Float32Array => Float32Array.from({ length: rate / 2 }, (_, i) => Math.sin((2 * Math.PI * f * i) / rate));
        const power = (x: Float32Array): number => {
            const r = new StreamingResampler(rate, 16000);
            const out: number[] = [];
            r.process(x, (s) => out.push(...s));
            const y = out.slice(200, out.length - 200);
            return y.reduce((a, v) => a + v * v, 0) / y.length;
        };
        expect(power(tone(1000))).toBeCloseTo(0.5, 1);
        expect(power(tone(12000))).toBeLessThan(0.01);
    });
});
