import { AvatarExpressionError } from "../errors";
import { type ArkitName, ArkitNames, ExpressionCount, GetExpressionIndex } from "./arkitNames";

/** Expression weights: 53 values in β order, or some of them by ARKit/ICT name (the rest 0). */
export type ExpressionWeights = Float32Array | ArrayLike<number> | Partial<Record<ArkitName, number>>;

/**
 * Checks one weight and clamps it to [0, 1].
 * @param key the weight's name (for the error)
 * @param value the weight
 * @returns the clamped weight
 * @throws AvatarExpressionError when the value is not a finite number
 */
export function CheckExpressionWeight(key: string, value: unknown): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new AvatarExpressionError(key, `must be a finite number, got ${String(value)}`);
    }
    return Math.min(1, Math.max(0, value));
}

/**
 * Checks expression weights and writes them, clamped to [0, 1], into `out` (53 values).
 * Nothing is written when any weight is wrong.
 * @param weights 53 values in β order, or a record by name
 * @param out receives 53 values
 * @throws AvatarExpressionError for an unknown name, a wrong length or a non-finite value
 */
export function ResolveExpressionWeights(weights: ExpressionWeights, out: Float32Array): void {
    if (weights === null || typeof weights !== "object") {
        throw new AvatarExpressionError("(weights)", "must be an array of 53 numbers or a record of ARKit names");
    }
    if (ArrayBuffer.isView(weights) || Array.isArray(weights)) {
        const list = weights as ArrayLike<number>;
        if (list.length !== ExpressionCount) {
            throw new AvatarExpressionError("(length)", `expected ${ExpressionCount} weights in ICT/ARKit order, got ${list.length}`);
        }
        for (let i = 0; i < ExpressionCount; i++) {
            CheckExpressionWeight(ArkitNames[i], list[i]);
        }
        for (let i = 0; i < ExpressionCount; i++) {
            out[i] = CheckExpressionWeight(ArkitNames[i], list[i]);
        }
        return;
    }
    const record = weights as Record<string, unknown>;
    for (const key of Object.keys(record)) {
        if (GetExpressionIndex(key) < 0) {
            throw new AvatarExpressionError(key, "is not one of the 53 ICT/ARKit expression names");
        }
        CheckExpressionWeight(key, record[key]);
    }
    out.fill(0);
    for (const key of Object.keys(record)) {
        out[GetExpressionIndex(key)] = CheckExpressionWeight(key, record[key]);
    }
}
