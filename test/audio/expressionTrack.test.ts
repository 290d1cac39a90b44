import { ExpressionCount, GetExpressionIndex } from "../../plugin/expression/arkitNames.js";
import { ExpressionTrack } from "../../plugin/audio/expressionTrack.js";
import { LipSyncError } from "../../plugin/audio/lipSyncError.js";

describe("ExpressionTrack", () => {
    const frames = 50;
    const w = new Float32Array(frames * ExpressionCount);
    const jaw = GetExpressionIndex("jawOpen");
    for (let f = 0; f < frames; f++) {
        w[f * ExpressionCount + jaw] = Math.round((f / frames) * 1000) / 1000;
    }
    const track = new ExpressionTrack(100, w, new Uint8Array(frames).fill(10));

    test("samples with linear interpolation, closed outside", () => {
        const out = new Float32Array(ExpressionCount);
        expect(track.sample(0.105, out)[jaw]).toBeCloseTo(0.21, 3);
        expect(track.sample(-1, out)[jaw]).toBe(0);
        expect(track.sample(10, out)[jaw]).toBe(0);
        expect(track.duration).toBeCloseTo(0.5);
        expect(track.getClassName()).toBe("ExpressionTrack");
    });

    test("JSON round trip keeps the weights (3 decimals) and drops silent channels", () => {
        const json = JSON.stringify(track.serialize());
        const back = ExpressionTrack.Parse(json);
        expect(back.frameCount).toBe(frames);
        expect(back.serialize().names).toEqual(["jawOpen"]);
        for (let i = 0; i < w.length; i++) {
            expect(back.weights[i]).toBeCloseTo(w[i], 3);
        }
        expect(Array.from(back.visemes!)).toEqual(Array.from(track.visemes!));
    });

    test("Parse rejects bad data with a typed error naming the field", () => {
        const good = track.serialize();
        const bad: [unknown, RegExp][] = [
            [{ ...good, format: "x" }, /format/],
            [{ ...good, frameRate: 0 }, /frameRate/],
            [{ ...good, names: ["notAShape"] }, /notAShape/],
            [{ ...good, frames: [[Number.NaN]] }, /frames\[0\]\[0\]/],
        ];
        for (const [data, re] of bad) {
            expect(() => ExpressionTrack.Parse(data)).toThrow(LipSyncError);
            expect(() => ExpressionTrack.Parse(data)).toThrow(re);
        }
        expect(() => new ExpressionTrack(100, new Float32Array([Number.NaN, ...new Float32Array(52)]))).toThrow(LipSyncError);
    });
});
