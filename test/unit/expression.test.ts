import { AvatarExpressionError } from "../../plugin/errors";
import { ArkitNames, ExpressionCount, GetExpressionIndex } from "../../plugin/expression/arkitNames";
import { CheckExpressionWeight, ResolveExpressionWeights } from "../../plugin/expression/expressionWeights";

describe("expression weights", () => {
    const out = new Float32Array(ExpressionCount);

    test("53 ICT/ARKit names with jawOpen at 26", () => {
        expect(ArkitNames.length).toBe(53);
        expect(GetExpressionIndex("jawOpen")).toBe(26);
        expect(GetExpressionIndex("tongueOut")).toBe(-1);
    });

    test("a record sets the named weights, clamps to [0, 1], zeroes the rest", () => {
        out.fill(0.5);
        ResolveExpressionWeights({ jawOpen: 1.7, eyeBlink_L: -2, mouthSmile_R: 0.25 }, out);
        expect(out[GetExpressionIndex("jawOpen")]).toBe(1);
        expect(out[GetExpressionIndex("eyeBlink_L")]).toBe(0);
        expect(out[GetExpressionIndex("mouthSmile_R")]).toBe(0.25);
        expect(out.reduce((a, b) => a + b, 0)).toBeCloseTo(1.25);
    });

    test("one weight is clamped, or rejected when not finite", () => {
        expect(CheckExpressionWeight("jawOpen", 1.5)).toBe(1);
        expect(CheckExpressionWeight("jawOpen", 0.25)).toBe(0.25);
        expect(() => CheckExpressionWeight("jawOpen", NaN)).toThrow(AvatarExpressionError);
    });

    test("an array of 53 values is taken in β order", () => {
        const w = Float32Array.from({ length: 53 }, (_, i) => i / 100);
        ResolveExpressionWeights(w, out);
        expect(out[52]).toBeCloseTo(0.52);
    });

    test.each([
        [{ jawOpened: 1 }, "jawOpened", /not one of the 53/],
        [{ jawOpen: NaN }, "jawOpen", /finite/],
        [{ jawOpen: Infinity }, "jawOpen", /finite/],
        [{ jawOpen: "1" }, "jawOpen", /finite/],
        [new Float32Array(52), "(length)", /expected 53/],
        [Object.assign(new Array(53).fill(0), { 7: NaN }), "cheekPuff_R", /finite/],
    ])("rejects %p and changes nothing", (weights, key, message) => {
        out.fill(0.3);
        let error: unknown = null;
        try {
            ResolveExpressionWeights(weights as never, out);
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(AvatarExpressionError);
        expect((error as AvatarExpressionError).key).toBe(key);
        expect((error as Error).message).toMatch(message);
        expect(out.every((v) => Math.abs(v - 0.3) < 1e-6)).toBe(true);
    });
});
