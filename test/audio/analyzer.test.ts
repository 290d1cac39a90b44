import { readFileSync } from "node:fs";
import { GetExpressionIndex } from "../../plugin/expression/arkitNames.js";
import { DecodeWav } from "../../plugin/audio/decodeWav.js";
import { LipSyncAnalyzer } from "../../plugin/audio/lipSyncAnalyzer.js";
import type { IVisemeSegment } from "../../plugin/audio/visemeTargets.js";

const JAW = GetExpressionIndex("jawOpen");
let analyzer: LipSyncAnalyzer;

beforeAll(async () => {
    analyzer = await LipSyncAnalyzer.CreateAsync(readFileSync("models/packs/lipsync/lipsync.onnx"));
});
afterAll(() => analyzer.disposeAsync());

describe("LipSyncAnalyzer offline pass (Node)", () => {
    test("held-out voice: the mouth opens on vowels, closes on /p b m/ and in silence", async () => {
        const base = "test/fixtures/lipsync-stream/papa";
        const audio = DecodeWav(readFileSync(base + ".wav"));
        const segs = JSON.parse(readFileSync(base + ".json", "utf8")).visemes as IVisemeSegment[];
        const { track } = await analyzer.analyzeAsync(audio.samples, audio.sampleRate);
        const jaw = (s: IVisemeSegment, pad = 0): number[] => {
            const r: number[] = [];
            for (let f = Math.max(0, Math.floor((s.start - pad) * 100)); f < Math.min(track.frameCount, Math.ceil((s.end + pad) * 100)); f++) {
                r.push(track.weights[f * 53 + JAW]);
            }
            return r;
        };
        const vowels = segs.filter((s) => ["aa", "oh", "E"].includes(s.v) && s.end - s.start > 0.08).map((s) => Math.max(...jaw(s)));
        expect(vowels.filter((v) => v > 0.12).length / vowels.length).toBeGreaterThanOrEqual(0.8);
        const pp = segs.filter((s) => s.v === "PP" && s.end - s.start >= 0.04);
        const closed = pp.filter((s) => Math.min(...jaw(s, 0.02)) < 0.03);
        expect(closed.length / pp.length).toBeGreaterThanOrEqual(0.75);
        const sil = segs.filter((s) => s.v === "sil" && s.end - s.start > 0.3);
        for (const s of sil) {
            expect(Math.max(...jaw({ v: "sil", start: s.start + 0.12, end: s.end - 0.12 }))).toBeLessThan(0.05);
        }
    });

    test("a silent signal keeps the mouth closed", async () => {
        const { track } = await analyzer.analyzeAsync(new Float32Array(16000), 16000);
        expect(Math.max(...track.weights)).toBeLessThan(0.02);
    });
});
