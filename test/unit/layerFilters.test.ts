/**
 * The photo layer's image filters (plugin/reconstruction/layerFilters.ts) on small grids whose
 * answers are known: chamfer distances and the values they carry, the weighted mean, the max.
 */
import { ChamferPass, MaxFilter, MeanFilter } from "../../plugin/reconstruction/layerFilters";

test("the chamfer transform gives each pixel its distance to the nearest source and carries that source's value", () => {
    const [width, height] = [7, 5];
    const distance = new Float32Array(width * height).fill(Infinity);
    const value = new Float32Array(width * height);
    // Two sources: the top left corner (value 1) and the bottom right corner (value 2).
    distance[0] = 0;
    value[0] = 1;
    distance[width * height - 1] = 0;
    value[width * height - 1] = 2;
    ChamferPass(distance, value, width, height, 1);
    ChamferPass(distance, value, width, height, -1);
    const at = (x: number, y: number): number => y * width + x;
    expect(distance[at(3, 0)]).toBe(3);
    expect(distance[at(2, 2)]).toBeCloseTo(2 * Math.SQRT2, 5);
    expect(distance[at(6, 1)]).toBe(3);
    expect(value[at(1, 1)]).toBe(1);
    expect(value[at(5, 4)]).toBe(2);
    expect(value[at(6, 2)]).toBe(2);
    expect(distance.every(Number.isFinite)).toBe(true);
});

test("the mean filter averages by weight, so unweighted pixels take their neighbours' values", () => {
    const [width, height] = [9, 9];
    const values = new Float32Array(width * height);
    const weights = new Float32Array(width * height);
    // Left half 10, right half 20, the middle column unweighted (a value of 1000 there must not count).
    for (let p = 0; p < values.length; p++) {
        const x = p % width;
        values[p] = x < 4 ? 10 : x > 4 ? 20 : 1000;
        weights[p] = x === 4 ? 0 : 1;
    }
    MeanFilter(values, weights, width, height, 1);
    const at = (x: number, y: number): number => y * width + x;
    // Far from the step the values stay; across it they change smoothly, and the middle is halfway.
    expect(values[at(0, 4)]).toBeCloseTo(10, 5);
    expect(values[at(8, 4)]).toBeCloseTo(20, 5);
    expect(values[at(4, 4)]).toBeCloseTo(15, 5);
    for (let x = 1; x < width; x++) {
        expect(values[at(x, 4)]).toBeGreaterThanOrEqual(values[at(x - 1, 4)] - 1e-5);
        expect(values[at(x, 4)] - values[at(x - 1, 4)]).toBeLessThan(5);
    }
    // Rows are alike: the filter only mixed along x here.
    expect(values[at(3, 0)]).toBeCloseTo(values[at(3, 8)], 5);
});

test("the max filter spreads each value over a square of the radius", () => {
    const [width, height] = [6, 5];
    const values = new Float32Array(width * height);
    values[2 * width + 2] = 5;
    MaxFilter(values, width, height, 1);
    for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
            expect(values[y * width + x]).toBe(Math.abs(x - 2) <= 1 && Math.abs(y - 2) <= 1 ? 5 : 0);
        }
    }
});
