/**
 * The contact sheet: one row per face, square cells (photo crop, then the renders), with short
 * captions drawn in a 3 × 5 pixel font under each cell, written as PNG with pngjs.
 */
import { PNG } from "pngjs";

/** One cell: a square RGBA image and its caption lines. */
export interface ISheetCell {
    /** RGBA, `size × size`. */
    rgba: Uint8Array;
    /** Caption lines (upper case, digits, `. - + % : /` and space). */
    caption: string[];
}

/** 3 × 5 glyphs, five rows of three (top-down) joined by `|`, `#` = ink. */
const _Glyphs: Record<string, string> = {
    "0": "###|# #|# #|# #|###",
    "1": " # |## | # | # |###",
    "2": "###|  #|###|#  |###",
    "3": "###|  #| ##|  #|###",
    "4": "# #|# #|###|  #|  #",
    "5": "###|#  |###|  #|###",
    "6": "###|#  |###|# #|###",
    "7": "###|  #|  #| # | # ",
    "8": "###|# #|###|# #|###",
    "9": "###|# #|###|  #|###",
    ".": "   |   |   |   | # ",
    "-": "   |   |###|   |   ",
    "+": "   | # |###| # |   ",
    "%": "# #|  #| # |#  |# #",
    ":": "   | # |   | # |   ",
    "/": "  #|  #| # |#  |#  ",
    A: " # |# #|###|# #|# #",
    B: "## |# #|## |# #|## ",
    C: " ##|#  |#  |#  | ##",
    D: "## |# #|# #|# #|## ",
    E: "###|#  |## |#  |###",
    F: "###|#  |## |#  |#  ",
    G: " ##|#  |# #|# #| ##",
    H: "# #|# #|###|# #|# #",
    I: "###| # | # | # |###",
    J: "  #|  #|  #|# #| # ",
    K: "# #|# #|## |# #|# #",
    L: "#  |#  |#  |#  |###",
    M: "# #|###|###|# #|# #",
    N: "## |# #|# #|# #|# #",
    O: " # |# #|# #|# #| # ",
    P: "## |# #|## |#  |#  ",
    R: "## |# #|## |# #|# #",
    S: " ##|#  | # |  #|## ",
    T: "###| # | # | # | # ",
    U: "# #|# #|# #|# #|###",
    V: "# #|# #|# #|# #| # ",
    W: "# #|# #|###|###|# #",
    X: "# #|# #| # |# #|# #",
    Y: "# #|# #| # | # | # ",
};

/** Caption scale (pixels per font pixel) and line height. */
const _Scale = 2;
const _LineHeight = 7 * _Scale;
const _Gap = 4;

/**
 * Draws text into an RGBA buffer.
 * @param png target image
 * @param text the text
 * @param x left, px
 * @param y top, px
 */
function DrawText(png: PNG, text: string, x: number, y: number): void {
    let cx = x;
    for (const ch of text.toUpperCase()) {
        const glyph = (_Glyphs[ch] ?? "").replaceAll("|", "");
        for (let i = 0; i < 15; i++) {
            if (glyph[i] !== "#") {
                continue;
            }
            for (let dy = 0; dy < _Scale; dy++) {
                for (let dx = 0; dx < _Scale; dx++) {
                    const px = cx + (i % 3) * _Scale + dx;
                    const py = y + Math.floor(i / 3) * _Scale + dy;
                    if (px < png.width && py < png.height) {
                        png.data.set([20, 20, 20, 255], 4 * (py * png.width + px));
                    }
                }
            }
        }
        cx += 4 * _Scale;
    }
}

/**
 * Lays the rows out on a white sheet and encodes it.
 * @param rows cells per row (all the same size)
 * @param size cell side, px
 * @param header column titles
 * @returns PNG bytes
 */
export function WriteContactSheet(rows: ISheetCell[][], size: number, header: string[]): Buffer {
    const columns = Math.max(header.length, ...rows.map((r) => r.length));
    const captionLines = Math.max(1, ...rows.flat().map((c) => c.caption.length));
    const rowHeight = size + captionLines * _LineHeight + _Gap;
    const png = new PNG({ width: columns * (size + _Gap) + _Gap, height: _LineHeight + _Gap + rows.length * rowHeight });
    png.data.fill(255);
    header.forEach((title, c) => DrawText(png, title, _Gap + c * (size + _Gap), _Gap));
    rows.forEach((row, r) => {
        const top = _LineHeight + _Gap + r * rowHeight;
        row.forEach((cell, c) => {
            const left = _Gap + c * (size + _Gap);
            for (let y = 0; y < size; y++) {
                png.data.set(cell.rgba.subarray(4 * y * size, 4 * (y + 1) * size), 4 * ((top + y) * png.width + left));
            }
            cell.caption.forEach((line, i) => DrawText(png, line, left, top + size + 2 + i * _LineHeight));
        });
    });
    return PNG.sync.write(png);
}
