/**
 * `FarSideOutline`: on a turned face, photo points beyond the jaw line's far side (and past its
 * temple) count as hidden behind the cheek; inside the outline, on the near side, below the chin
 * and on a frontal face nothing is.
 */
import { FarSideOutline } from "../../plugin/reconstruction/farSideOutline";

/** 68 landmarks of a face centred at (200, 200): the jaw line on a half ellipse whose +x half is squeezed by `farScale`, as when that side turns away from the camera. */
function landmarks(farScale: number): Float32Array {
    const l = new Float32Array(136);
    const set = (i: number, x: number, y: number): void => {
        l[2 * i] = x;
        l[2 * i + 1] = y;
    };
    for (let i = 0; i <= 16; i++) {
        const a = Math.PI * (i / 16);
        const c = -Math.cos(a);
        set(i, 200 + 80 * c * (c > 0 ? farScale : 1), 180 + 90 * Math.sin(a));
    }
    set(30, 200, 200); // nose tip
    set(36, 160 + (farScale - 1) * 10, 160); // eyes' outer corners
    set(45, 240 * farScale + 200 * (1 - farScale), 160);
    set(17, 150, 140); // brows' outer ends
    set(26, 200 + 50 * farScale, 140);
    return l;
}

test("a frontal face has no far side", () => {
    expect(FarSideOutline.FromLandmarks(landmarks(1))).toBeNull();
    expect(FarSideOutline.FromLandmarks(landmarks(0.9))).toBeNull();
});

test("a turned face hides what lies beyond its far jaw line, not what lies inside it, on the near side or below the chin", () => {
    const outline = FarSideOutline.FromLandmarks(landmarks(0.4))!;
    expect(outline).not.toBeNull();
    // The far side is +x: its jaw line's point at landmark 12 lies at about (200 + 80·0.4·cos(π/4), 180 + 90·sin(π/4)).
    const edgeX = 200 + 32 * Math.cos(Math.PI / 4);
    const edgeY = 180 + 90 * Math.sin(Math.PI / 4);
    expect(outline.hides(edgeX + 15, edgeY)).toBe(true);
    expect(outline.hides(edgeX - 10, edgeY)).toBe(false);
    // Near the line, within the margin (5 % of the eye distance), the cheek's edge keeps its colour.
    expect(outline.hides(edgeX + 1, edgeY)).toBe(false);
    // Past the temple the outline rises straight up.
    expect(outline.hides(200 + 32 + 15, 60)).toBe(true);
    expect(outline.hides(200 + 32 - 15, 60)).toBe(false);
    // The near side (−x) and below the chin: never.
    expect(outline.hides(80, edgeY)).toBe(false);
    expect(outline.hides(20, 100)).toBe(false);
    expect(outline.hides(edgeX + 40, 300)).toBe(false);
});

test("the far side follows the turn: mirrored landmarks hide the mirrored points", () => {
    const l = landmarks(0.4);
    const mirrored = new Float32Array(136);
    // Mirror x about 200 and swap the Multi-PIE indices of the jaw line, the eyes' corners and the brows' ends.
    const swap = (i: number): number => (i <= 16 ? 16 - i : i === 36 ? 45 : i === 45 ? 36 : i === 17 ? 26 : i === 26 ? 17 : i);
    for (let i = 0; i < 68; i++) {
        mirrored[2 * swap(i)] = 400 - l[2 * i];
        mirrored[2 * swap(i) + 1] = l[2 * i + 1];
    }
    const outline = FarSideOutline.FromLandmarks(mirrored)!;
    const edgeX = 200 - 32 * Math.cos(Math.PI / 4);
    const edgeY = 180 + 90 * Math.sin(Math.PI / 4);
    expect(outline.hides(edgeX - 15, edgeY)).toBe(true);
    expect(outline.hides(edgeX + 10, edgeY)).toBe(false);
    expect(outline.hides(320, edgeY)).toBe(false);
});
