import type { ArkitName } from "../expression/arkitNames.js";

/** The 15 Oculus (Meta) visemes, in class-index order. */
export const Visemes = ["sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou"] as const;

/** One of the 15 visemes. */
export type Viseme = (typeof Visemes)[number];

/** The 5 merged viseme classes used by the evaluation. */
export const MergedVisemeClasses = ["silence", "closed", "open", "rounded", "other"] as const;

/** Merged class of each viseme (index into {@link MergedVisemeClasses}). */
export const MergedVisemeOf: Readonly<Record<Viseme, number>> = {
    sil: 0,
    PP: 1,
    FF: 4,
    TH: 4,
    DD: 4,
    kk: 4,
    CH: 3,
    SS: 4,
    nn: 4,
    RR: 3,
    aa: 2,
    E: 2,
    ih: 2,
    oh: 3,
    ou: 3,
};

/**
 * ARKit/ICT weights of each viseme's target shape (weights not named are 0). Documented in
 * docs/lipsync.md; the training targets and the evaluation's reference poses come from it.
 */
export const VisemeShapes: Readonly<Record<Viseme, Partial<Record<ArkitName, number>>>> = {
    sil: {},
    PP: { mouthPress_L: 0.45, mouthPress_R: 0.45, mouthRollLower: 0.25, mouthRollUpper: 0.15, mouthClose: 0.05 },
    FF: { jawOpen: 0.08, mouthRollLower: 0.55, mouthUpperUp_L: 0.25, mouthUpperUp_R: 0.25, mouthShrugUpper: 0.2 },
    TH: { jawOpen: 0.18, mouthLowerDown_L: 0.2, mouthLowerDown_R: 0.2, mouthStretch_L: 0.1, mouthStretch_R: 0.1 },
    DD: { jawOpen: 0.22, mouthLowerDown_L: 0.2, mouthLowerDown_R: 0.2, mouthSmile_L: 0.1, mouthSmile_R: 0.1 },
    kk: { jawOpen: 0.28, mouthStretch_L: 0.25, mouthStretch_R: 0.25, mouthLowerDown_L: 0.15, mouthLowerDown_R: 0.15 },
    CH: { jawOpen: 0.15, mouthFunnel: 0.5, mouthPucker: 0.2, mouthUpperUp_L: 0.3, mouthUpperUp_R: 0.3, mouthLowerDown_L: 0.3, mouthLowerDown_R: 0.3 },
    SS: { jawOpen: 0.08, mouthStretch_L: 0.35, mouthStretch_R: 0.35, mouthSmile_L: 0.25, mouthSmile_R: 0.25, mouthUpperUp_L: 0.2, mouthUpperUp_R: 0.2 },
    nn: { jawOpen: 0.15, mouthStretch_L: 0.15, mouthStretch_R: 0.15, mouthLowerDown_L: 0.1, mouthLowerDown_R: 0.1 },
    RR: { jawOpen: 0.15, mouthFunnel: 0.35, mouthPucker: 0.3 },
    aa: { jawOpen: 0.65, mouthLowerDown_L: 0.3, mouthLowerDown_R: 0.3, mouthUpperUp_L: 0.15, mouthUpperUp_R: 0.15, mouthStretch_L: 0.1, mouthStretch_R: 0.1 },
    E: { jawOpen: 0.4, mouthStretch_L: 0.35, mouthStretch_R: 0.35, mouthSmile_L: 0.2, mouthSmile_R: 0.2, mouthLowerDown_L: 0.2, mouthLowerDown_R: 0.2 },
    ih: { jawOpen: 0.2, mouthSmile_L: 0.4, mouthSmile_R: 0.4, mouthStretch_L: 0.35, mouthStretch_R: 0.35, mouthUpperUp_L: 0.15, mouthUpperUp_R: 0.15 },
    oh: { jawOpen: 0.45, mouthFunnel: 0.55, mouthPucker: 0.25 },
    ou: { jawOpen: 0.15, mouthPucker: 0.75, mouthFunnel: 0.35 },
};

/**
 * Coarticulation of each viseme (Cohen–Massaro dominance): `strength` is its dominance inside
 * its own segment, `decay` (seconds) how fast the dominance falls off outside it. Bilabials and
 * labiodentals dominate sharply (the lips must close); velars, alveolars and nasals are weak, so
 * neighbouring vowels show through; rounding (ou, oh) spreads early (anticipatory rounding).
 */
export const VisemeDominance: Readonly<Record<Viseme, { strength: number; decay: number }>> = {
    sil: { strength: 1.0, decay: 0.06 },
    PP: { strength: 8.0, decay: 0.02 },
    FF: { strength: 4.0, decay: 0.025 },
    TH: { strength: 1.2, decay: 0.03 },
    DD: { strength: 0.5, decay: 0.03 },
    kk: { strength: 0.35, decay: 0.03 },
    CH: { strength: 2.0, decay: 0.04 },
    SS: { strength: 1.2, decay: 0.035 },
    nn: { strength: 0.45, decay: 0.03 },
    RR: { strength: 1.0, decay: 0.04 },
    aa: { strength: 1.0, decay: 0.05 },
    E: { strength: 1.0, decay: 0.05 },
    ih: { strength: 1.0, decay: 0.05 },
    oh: { strength: 1.3, decay: 0.06 },
    ou: { strength: 1.6, decay: 0.08 },
};

/**
 * Index of a viseme name in {@link Visemes}, or -1.
 * @param name a viseme name
 * @returns its class index, or -1 when unknown
 */
export function GetVisemeIndex(name: string): number {
    return (Visemes as readonly string[]).indexOf(name);
}
