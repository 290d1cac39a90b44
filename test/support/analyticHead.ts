/**
 * A hand-built model pack and avatar for tests and the sample scene until trained packs exist:
 * a head-like union of ellipsoids (head, nose, lips, neck) written into a small tri-plane
 * (each ellipsoid's quadratic form split across the planes), a decoder that turns those forms
 * into a crisp density with painted, softly shaded colour, and a hand-set jaw: W-Net selects the
 * front of the lower face, D-Net moves it down with `jawOpen`. Real files through the real
 * loader: `WriteAnalyticAssets(dir)` writes pack.json, weights.bin and analytic-head.glb.
 */
import { join } from "node:path";
import { ArkitNames, GetExpressionIndex } from "../../plugin/expression/arkitNames";
import { FloatToHalf } from "../../plugin/io/float16";
import { WriteAvatarGlb } from "../../plugin/loader/avatarGlb";
import { type ITestLayer, WriteBytes, WriteTestPack } from "./packWriter";

export const AnalyticPackId = "analytic-head";
export const AnalyticPackVersion = "1.0.0";
const C = 8;
const R = 64;
const Frequencies = 2;
const AlphaDims = 4;
const BoxMin = [-12, -18, -11];
const BoxMax = [12, 14, 14];
const PE = 3 + 6 * Frequencies;

const logit = (p: number): number => Math.log(p / (1 - p));
const sq = (v: number): number => v * v;

/** Colour logits painted on the xy plane (front view). */
function _paint(x: number, y: number): [number, number, number] {
    const skin: [number, number, number] = [logit(0.86), logit(0.66), logit(0.56)];
    if (Math.abs(x) < 2.7 && y > -5.4 && y < -3.6) {
        return [logit(0.72), logit(0.28), logit(0.3)];
    }
    for (const ex of [-3.2, 3.2]) {
        const d = Math.hypot(x - ex, y - 3.5);
        if (d < 0.6) {
            return [logit(0.08), logit(0.07), logit(0.1)];
        }
        if (d < 1.2) {
            return [logit(0.95), logit(0.95), logit(0.93)];
        }
    }
    if (Math.abs(x - 3.2) < 1.8 && Math.abs(y - 5.7) < 0.35 || Math.abs(x + 3.2) < 1.8 && Math.abs(y - 5.7) < 0.35) {
        return [logit(0.3), logit(0.2), logit(0.15)];
    }
    return skin;
}

/** Tri-plane as float32, layout [plane][channel][row][column]. */
function _triplane(): Float32Array {
    const data = new Float32Array(3 * C * R * R);
    const coord = (axis: number, i: number): number => BoxMin[axis] + ((i + 0.5) / R) * (BoxMax[axis] - BoxMin[axis]);
    const set = (plane: number, ch: number, row: number, col: number, v: number): void => {
        data[((plane * C + ch) * R + row) * R + col] = v;
    };
    for (let row = 0; row < R; row++) {
        for (let col = 0; col < R; col++) {
            // xy plane: column from x, row from y.
            const x = coord(0, col);
            const y = coord(1, row);
            set(0, 0, row, col, sq(x / 8) + sq((y - 1) / 11));
            set(0, 1, row, col, sq(x / 1.4) + sq(y / 2.6));
            const paint = _paint(x, y);
            set(0, 2, row, col, paint[0]);
            set(0, 3, row, col, paint[1]);
            set(0, 4, row, col, paint[2]);
            set(0, 5, row, col, sq(x / 2.6) + sq((y + 4.5) / 0.8));
            set(0, 6, row, col, sq(x / 5));
            // xz plane: column from x, row from z.
            const z = coord(2, row);
            set(1, 0, row, col, sq((z - 1) / 9.5));
            set(1, 1, row, col, sq((z - 10.3) / 2));
            const shade = 0.9 * (z / 10) - 0.5 - 0.4 * sq(x / 8);
            set(1, 2, row, col, shade);
            set(1, 3, row, col, shade);
            set(1, 4, row, col, shade);
            set(1, 5, row, col, sq((z - 9.4) / 1.6));
            set(1, 6, row, col, sq(z / 5));
            // yz plane: column from y, row from z: the neck only exists below the head.
            const yy = coord(1, col);
            set(2, 6, row, col, sq(Math.max(0, (yy + 6) / 2)));
        }
    }
    return data;
}

function _zeros(rows: number, cols: number): number[][] {
    return Array.from({ length: rows }, () => new Array<number>(cols).fill(0));
}

function _decoder(): ITestLayer[] {
    const w0 = _zeros(8, C);
    const b0 = new Array<number>(8).fill(0);
    for (const ch of [0, 1, 5, 6]) {
        w0[ch][ch] = -1;
        b0[ch] = 1;
    }
    for (const ch of [2, 3, 4]) {
        w0[ch][ch] = 1;
        b0[ch] = 10;
    }
    const w1 = _zeros(4, 8);
    w1[0][0] = 300;
    w1[0][1] = 300;
    w1[0][5] = 300;
    w1[0][6] = 300;
    w1[1][2] = 1;
    w1[2][3] = 1;
    w1[3][4] = 1;
    return [
        { weight: w0, bias: b0, activation: "relu" },
        { weight: w1, bias: [-9, -10, -10, -10], activation: "none" },
    ];
}

/** Normalised coordinate of a canonical position along one axis. */
const unit = (axis: number, v: number): number => (2 * (v - BoxMin[axis])) / (BoxMax[axis] - BoxMin[axis]) - 1;

function _blend(): ITestLayer[] {
    const w0 = _zeros(4, PE + AlphaDims);
    const b0 = [unit(1, -4.5), unit(1, -13), unit(2, 3), 0];
    w0[0][1] = -1;
    w0[1][1] = -1;
    w0[2][2] = -1;
    const w1 = [[200, -800, -300, 0]];
    return [
        { weight: w0, bias: b0, activation: "relu" },
        { weight: w1, bias: [-6], activation: "none" },
    ];
}

/** Jaw drop (cm) of the backward field at jawOpen = 1: deformed points read canonical points above. */
export const AnalyticJawDisplacement = [0, 2.4, 0.4];

function _deformation(): ITestLayer[] {
    const w0 = _zeros(4, PE + AlphaDims + ArkitNames.length);
    w0[0][PE + AlphaDims + GetExpressionIndex("jawOpen")] = 1;
    const w1 = _zeros(3, 4);
    AnalyticJawDisplacement.forEach((d, k) => (w1[k][0] = d));
    return [
        { weight: w0, bias: [0, 0, 0, 0], activation: "relu" },
        { weight: w1, bias: [0, 0, 0], activation: "none" },
    ];
}

/** Sharpness k of the analytic pack's variant with a jump (its selector is 0: sigmoid(k·0) = ½ everywhere). */
const JumpSharpness = 10;

/**
 * The same jaw as a D-Net with a jump (models/deformation.py): a = ½·jaw, j = jaw, s = 0, so
 * a + sigmoid(k·s)·j is the analytic jaw only when the runtime reads and joins both parts.
 */
function _deformationWithJump(): ITestLayer[] {
    const [first, last] = _deformation();
    const rows = [...last.weight.map((r) => r.map((v) => v / 2)), ...last.weight, last.weight[0].map(() => 0)];
    return [first, { weight: rows, bias: [0, 0, 0, 0, 0, 0, 0], activation: "none" }];
}

/** The analytic pack's variants (same head, same jaw): its D-Net plain, with a jump, or the plain one with a stretch carve. */
export type AnalyticVariant = "plain" | "jump" | "stretch";

/**
 * The stretch variant's carve (docs/formats.md): the W-Net's weight falls from 1 to 0 within ~0.5 cm above the
 * mouth line (y = −4.5), so the lowered jaw's backward map squeezes a band there into a sheet (det J ≈ 1 − 5·jawOpen)
 * and the carve empties it: the mouth opens.
 */
const StretchCarve = { from: 0.5, to: 0.9 };

/**
 * Writes the analytic pack into `dir/pack/` and the avatar into `dir/analytic-head.glb`
 * (whose pack uri points at `pack/`); and the same head on a pack whose D-Net has a jump
 * (`dir/pack-jump/`, `dir/analytic-head-jump.glb`) or with a stretch carve (`dir/pack-stretch/`, `dir/analytic-head-stretch.glb`).
 * @param dir output folder
 */
export async function WriteAnalyticAssets(dir: string): Promise<void> {
    for (const variant of ["plain", "jump", "stretch"] as const) {
        await _WriteAnalyticAvatar(dir, variant);
    }
}

async function _WriteAnalyticAvatar(dir: string, variant: AnalyticVariant): Promise<void> {
    const id = variant === "plain" ? AnalyticPackId : `${AnalyticPackId}-${variant}`;
    const suffix = variant === "plain" ? "" : `-${variant}`;
    await WriteTestPack(join(dir, `pack${suffix}`), {
        id,
        version: AnalyticPackVersion,
        boxMin: BoxMin,
        boxMax: BoxMax,
        maxDisplacement: 2.5,
        alphaDims: AlphaDims,
        channels: C,
        resolution: R,
        frequencies: Frequencies,
        decoder: _decoder(),
        deformation: variant === "jump" ? _deformationWithJump() : _deformation(),
        deformationJump: variant === "jump" ? JumpSharpness : undefined,
        stretchCarve: variant === "stretch" ? StretchCarve : undefined,
        blend: _blend(),
        provenance: "hand-set (test/support/analyticHead.ts)",
    });
    const glb = await WriteAvatarGlb(
        {
            packId: id,
            packVersion: AnalyticPackVersion,
            packUri: `pack${suffix}/`,
            alpha: new Float32Array(AlphaDims),
            triplane: Uint16Array.from(_triplane(), FloatToHalf),
            channels: C,
            resolution: R,
        },
        `analytic-head${suffix}`
    );
    WriteBytes(join(dir, `analytic-head${suffix}.glb`), glb);
}
