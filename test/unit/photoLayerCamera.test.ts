/**
 * The photo layer's camera (plugin/reconstruction/photoLayerCamera.ts): the 3 × 4 projection that the
 * runtime's shader uses (canonical point → layer u·w, v·w, w) agrees with what the builder uses on the
 * CPU (`toLayer` on camera-space points), and layer pixels and photo positions map back and forth.
 */
import { type ILandmarkFitResult } from "../../plugin/reconstruction/landmarkFitter";
import { PhotoLayerCamera } from "../../plugin/reconstruction/photoLayerCamera";
import { CameraPositions } from "../../plugin/reconstruction/photoTexture";

/** A head turned 20° and tilted 10°, 60 cm in front of a 1200 px focal-length camera. */
function TurnedFit(): ILandmarkFitResult {
    const [a, b] = [(20 * Math.PI) / 180, (10 * Math.PI) / 180];
    const yaw = [Math.cos(a), 0, Math.sin(a), 0, 1, 0, -Math.sin(a), 0, Math.cos(a)];
    const pitch = [1, 0, 0, 0, Math.cos(b), -Math.sin(b), 0, Math.sin(b), Math.cos(b)];
    const rotation = new Float64Array(9);
    for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
            for (let k = 0; k < 3; k++) {
                rotation[3 * i + j] += pitch[3 * i + k] * yaw[3 * k + j];
            }
        }
    }
    // Only the camera's parts are read here.
    return { rotation, translation: Float64Array.from([1.5, -2, -60]), focal: 1200 } as unknown as ILandmarkFitResult;
}

test("the layer's projection matrix and toLayer put a canonical point at the same layer pixel and distance", () => {
    const fit = TurnedFit();
    const image = { width: 800, height: 1000, data: new Uint8Array(800 * 1000 * 4) };
    const box = { min: [-12, -14, -10], max: [12, 16, 14] };
    const camera = new PhotoLayerCamera(fit, image, box, 240, 300);
    expect(camera.cmPerPixel).toBeCloseTo(24 / 240, 6);
    const m = camera.projection;
    let checked = 0;
    for (let i = 0; i < 50; i++) {
        // Points spread through the box (a fixed low-discrepancy sequence).
        const p = box.min.map((lo, k) => lo + (box.max[k] - lo) * (((i + 1) * [0.618034, 0.754878, 0.56984][k]) % 1));
        const [x, y, w] = camera.toLayer(CameraPositions(Float32Array.from(p), fit))!;
        const h = [0, 1, 2].map((r) => m[4 * r] * p[0] + m[4 * r + 1] * p[1] + m[4 * r + 2] * p[2] + m[4 * r + 3]);
        expect(h[2]).toBeCloseTo(w, 3);
        expect((h[0] / h[2]) * camera.width).toBeCloseTo(x, 2);
        expect((h[1] / h[2]) * camera.height).toBeCloseTo(y, 2);
        checked++;
    }
    expect(checked).toBe(50);
    // The box's centre lands at the layer's centre.
    const centre = box.min.map((lo, k) => (lo + box.max[k]) / 2);
    const [cx, cy] = camera.toLayer(CameraPositions(Float32Array.from(centre), fit))!;
    expect(cx).toBeCloseTo(camera.width / 2, 3);
    expect(cy).toBeCloseTo(camera.height / 2, 3);
});

test("a layer pixel's photo position maps back to that pixel; positions off the layer give −1", () => {
    const fit = TurnedFit();
    const image = { width: 800, height: 1000, data: new Uint8Array(800 * 1000 * 4) };
    const camera = new PhotoLayerCamera(fit, image, { min: [-12, -14, -10], max: [12, 16, 14] }, 240, 300);
    for (const [x, y] of [[0, 0], [239, 299], [120, 7], [3, 150]]) {
        const [px, py] = camera.photoPosition(x, y);
        expect(camera.layerPixel(px, py)).toBe(y * camera.width + x);
        expect(camera.layerRow(py)).toBeCloseTo(y + 0.5, 6);
    }
    const [left, top] = camera.photoPosition(0, 0);
    expect(camera.layerPixel(left - 50, top)).toBe(-1);
    expect(camera.layerPixel(left, top - 50)).toBe(-1);
    // Behind the camera there is no layer position.
    expect(camera.toLayer([0, 0, 5])).toBeNull();
});
