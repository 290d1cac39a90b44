import { readFileSync } from "node:fs";
import { ComputeLipSyncFeatures } from "../../plugin/audio/computeFeatures.js";
import { DecodeWav } from "../../plugin/audio/decodeWav.js";
import { LipSyncError } from "../../plugin/audio/lipSyncError.js";
import { StreamingResampler } from "../../plugin/audio/streamingResampler.js";
import { MakeWav } from "./makeWav.js";

const code = (f: () => unknown): string => {
    try {
        f();
    } catch (e) {
        expect(e).toBeInstanceOf(LipSyncError);
        return (e as LipSyncError).code;
    }
    throw new Error("no error thrown");
};

const tone = (rate: number, seconds: number): Float32Array => Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 220 * i) / rate));

describe("lip-sync bad input → typed errors", () => {
    test("empty file and a WAV with no samples", () => {
        expect(code(() => DecodeWav(new Uint8Array(0)))).toBe("EMPTY_AUDIO");
        expect(code(() => DecodeWav(MakeWav([new Float32Array(0)], 16000)))).toBe("EMPTY_AUDIO");
        expect(code(() => ComputeLipSyncFeatures(new Float32Array(0), 16000))).toBe("EMPTY_AUDIO");
    });

    test("corrupt and non-audio files", () => {
        const wav = MakeWav([tone(16000, 0.1)], 16000);
        expect(code(() => DecodeWav(wav.slice(0, 30)))).toBe("DECODE_FAILED"); // truncated header
        const garbage = Uint8Array.from({ length: 4000 }, (_, i) => (i * 7919) & 255);
        expect(code(() => DecodeWav(garbage))).toBe("DECODE_FAILED");
        expect(code(() => DecodeWav(readFileSync("package.json")))).toBe("DECODE_FAILED");
        const badFormat = wav.slice();
        new DataView(badFormat.buffer).setUint16(20, 2, true); // ADPCM
        expect(code(() => DecodeWav(badFormat))).toBe("UNSUPPORTED_FORMAT");
    });

    test("sample rates outside 8–192 kHz and non-finite samples", () => {
        expect(code(() => DecodeWav(MakeWav([tone(4000, 0.1)], 4000)))).toBe("INVALID_ARGUMENT");
        expect(code(() => new StreamingResampler(4000, 16000))).toBe("INVALID_ARGUMENT");
    });

    test("stereo is mixed down; 8–48 kHz all give 100 frames per second", () => {
        const l = tone(22050, 0.5);
        const stereo = DecodeWav(MakeWav([l, new Float32Array(l.length)], 22050));
        expect(stereo.sampleRate).toBe(22050);
        expect(stereo.samples[100]).toBeCloseTo(l[100] / 2, 3);
        for (const rate of [8000, 11025, 16000, 22050, 32000, 44100, 48000]) {
            const a = DecodeWav(MakeWav([tone(rate, 1)], rate));
            const f = ComputeLipSyncFeatures(a.samples, a.sampleRate);
            expect(f.frameCount).toBe(100);
            expect(f.features.every(Number.isFinite)).toBe(true);
        }
    });

    test("a silent signal gives finite all-zero features", () => {
        const f = ComputeLipSyncFeatures(new Float32Array(16000), 16000);
        expect(f.features.every((v) => v === 0)).toBe(true);
    });
});
