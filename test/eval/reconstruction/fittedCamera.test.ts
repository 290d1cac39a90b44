import { CropProjection, FaceCrop, IctToWorldMatrix, ProjectIct, RecentredCrop, YawedPose } from "./fittedCamera";

/** A pose turned a little about each axis, 60 cm in front of the camera. */
const Pose = (() => {
    const [a, b, c] = [0.2, -0.3, 0.1];
    const rx = [1, 0, 0, 0, Math.cos(a), -Math.sin(a), 0, Math.sin(a), Math.cos(a)];
    const ry = [Math.cos(b), 0, Math.sin(b), 0, 1, 0, -Math.sin(b), 0, Math.cos(b)];
    const rz = [Math.cos(c), -Math.sin(c), 0, Math.sin(c), Math.cos(c), 0, 0, 0, 1];
    const mul = (p: number[], q: number[]): number[] => Array.from({ length: 9 }, (_, k) => [0, 1, 2].reduce((s, j) => s + p[3 * Math.floor(k / 3) + j] * q[3 * j + (k % 3)], 0));
    return { rotation: mul(rz, mul(ry, rx)), translation: [2, -3, -60] };
})();

describe("the fitted camera in Babylon's terms", () => {
    it("world matrix then crop projection (Babylon's row-vector, left-handed convention) land where the fit's pinhole projects", () => {
        const points = [0, 0, 0, 5, 3, 2, -4, -6, 8, 7, 9, -5];
        const [width, height, focal] = [1920, 1280, 1500];
        const uv = ProjectIct(points, Pose, focal, width, height);
        const crop = FaceCrop(uv);
        const size = 200;
        const m = IctToWorldMatrix(Pose);
        const p = CropProjection(focal, width, height, crop);
        for (let k = 0; k < points.length / 3; k++) {
            const X = [points[3 * k], points[3 * k + 1], points[3 * k + 2], 1];
            const w = [0, 1, 2].map((j) => X.reduce((s, v, i) => s + v * m[4 * i + j], 0));
            expect(w[2]).toBeGreaterThan(0); // in front of a camera looking along +z
            const ndcX = (p.m0 * w[0] + p.m8 * w[2]) / w[2];
            const ndcY = (p.m5 * w[1] + p.m9 * w[2]) / w[2];
            expect(((ndcX + 1) / 2) * size).toBeCloseTo(((uv[2 * k] - crop.x) * size) / crop.side, 3);
            expect(((1 - ndcY) / 2) * size).toBeCloseTo(((uv[2 * k + 1] - crop.y) * size) / crop.side, 3);
        }
    });

    it("turning the head keeps its centre fixed and turns the face towards ICT +x for positive yaw", () => {
        const centre = [0, 2, -8];
        const frontal = { rotation: [1, 0, 0, 0, 1, 0, 0, 0, 1], translation: [0, 0, -60] };
        const turned = YawedPose(frontal, 30, centre);
        const c0 = ProjectIct(centre, frontal, 1000, 1000, 1000);
        const c1 = ProjectIct(centre, turned, 1000, 1000, 1000);
        expect(c1[0]).toBeCloseTo(c0[0], 3);
        expect(c1[1]).toBeCloseTo(c0[1], 3);
        // the face's normal (ICT +z) in camera space
        expect(turned.rotation[2]).toBeCloseTo(Math.sin(Math.PI / 6), 3);
        expect(turned.rotation[8]).toBeCloseTo(Math.cos(Math.PI / 6), 3);
    });

    it("a turned view's crop keeps the source crop's side and centres on the turned head's points", () => {
        const points = [0, 0, 0, 5, 3, 2, -4, -6, 8, 7, 9, -5];
        const [width, height, focal] = [1920, 1280, 1500];
        const source = FaceCrop(ProjectIct(points, Pose, focal, width, height));
        const turned = ProjectIct(points, YawedPose(Pose, 30, [0, 0, -8]), focal, width, height);
        const crop = RecentredCrop(source, turned);
        expect(crop.side).toBe(source.side);
        const us = [0, 2, 4, 6].map((i) => turned[i]);
        const vs = [1, 3, 5, 7].map((i) => turned[i]);
        expect(crop.x + crop.side / 2).toBeCloseTo((Math.min(...us) + Math.max(...us)) / 2, 6);
        expect(crop.y + crop.side / 2).toBeCloseTo((Math.min(...vs) + Math.max(...vs)) / 2, 6);
        expect(Math.hypot(crop.x - source.x, crop.y - source.y)).toBeGreaterThan(1); // the face moved: so did the crop
    });
});
