/**
 * The 53 expression blendshape names of ICT-FaceKit, in β order. They are Apple ARKit names,
 * except that ICT splits `browInnerUp` and `cheekPuff` into `_L`/`_R` and has no `tongueOut`.
 * `_L` is the subject's left.
 */
export const ArkitNames = [
    "browDown_L",
    "browDown_R",
    "browInnerUp_L",
    "browInnerUp_R",
    "browOuterUp_L",
    "browOuterUp_R",
    "cheekPuff_L",
    "cheekPuff_R",
    "cheekSquint_L",
    "cheekSquint_R",
    "eyeBlink_L",
    "eyeBlink_R",
    "eyeLookDown_L",
    "eyeLookDown_R",
    "eyeLookIn_L",
    "eyeLookIn_R",
    "eyeLookOut_L",
    "eyeLookOut_R",
    "eyeLookUp_L",
    "eyeLookUp_R",
    "eyeSquint_L",
    "eyeSquint_R",
    "eyeWide_L",
    "eyeWide_R",
    "jawForward",
    "jawLeft",
    "jawOpen",
    "jawRight",
    "mouthClose",
    "mouthDimple_L",
    "mouthDimple_R",
    "mouthFrown_L",
    "mouthFrown_R",
    "mouthFunnel",
    "mouthLeft",
    "mouthLowerDown_L",
    "mouthLowerDown_R",
    "mouthPress_L",
    "mouthPress_R",
    "mouthPucker",
    "mouthRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthSmile_L",
    "mouthSmile_R",
    "mouthStretch_L",
    "mouthStretch_R",
    "mouthUpperUp_L",
    "mouthUpperUp_R",
    "noseSneer_L",
    "noseSneer_R",
] as const;

/** One of the 53 expression names (see {@link ArkitNames}). */
export type ArkitName = (typeof ArkitNames)[number];

/** Number of expression weights (β). */
export const ExpressionCount = ArkitNames.length;

const _indexByName: ReadonlyMap<string, number> = new Map(ArkitNames.map((name, i) => [name, i]));

/**
 * Index of an expression name in β, or -1 when the name is unknown.
 * @param name an ARKit/ICT expression name
 * @returns its index in the 53-vector, or -1
 */
export function GetExpressionIndex(name: string): number {
    return _indexByName.get(name) ?? -1;
}
