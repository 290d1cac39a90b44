import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { PNG } from "pngjs";
import { DevPhotoDir, IdentityLeakage, type IReconstructionEvalReport, RunReconstructionEvalAsync, ViewNames } from "./reconstructionEval";

/**
 * The evaluation end to end on one dev photo at a small size (128 px, 0.5 cm steps): it runs, its
 * figures are finite and consistent, and the avatar rendered at the fitted camera is a face to the
 * recogniser. The figures themselves are the evaluation's business, not the test's. Beside it, two
 * photos of the same folder where the reconstruction finds no face: a diagram (not a face to human
 * either) and a UI screenshot of thumbnails (faces to human); and human's collage of thumbnails,
 * where the detector's one "face" is a full-body thumbnail that the reconstruction refuses.
 */
describe("npm run eval:reconstruction (one face, small)", () => {
    const out = "test-output/eval-reconstruction-test";
    let report: IReconstructionEvalReport;
    beforeAll(async () => {
        if (!existsSync("dist/sample/main.js")) {
            execFileSync("npx", ["webpack", "--env", "only=sample"], { stdio: "pipe" });
        }
        const photoDir = `${out}-photos`;
        rmSync(photoDir, { recursive: true, force: true });
        mkdirSync(photoDir, { recursive: true });
        for (const photo of ["sample2.jpg", "facemesh.png", "screenshot-images.png"]) {
            copyFileSync(join(DevPhotoDir, photo), join(photoDir, photo));
        }
        copyFileSync(join("node_modules", "@vladmandic", "human", "assets", "samples.jpg"), join(photoDir, "samples.jpg"));
        // Two jobs: sample2's face, then the collage's detection (refused before any render).
        report = await RunReconstructionEvalAsync({ photoDir, out, size: 128, stepCm: 0.5, maxFaces: 2, log: () => undefined });
    });

    it("writes the JSON it returns and a contact sheet of one row", () => {
        expect(JSON.parse(readFileSync(`${out}/eval-reconstruction.json`, "utf8"))).toEqual(JSON.parse(JSON.stringify(report)));
        const sheet = PNG.sync.read(readFileSync(report.contactSheet));
        expect(sheet.width).toBe((1 + ViewNames.length) * (128 + 4) + 4);
        expect(sheet.height).toBeGreaterThan(128);
        expect(report.consoleErrors).toEqual([]);
    });

    it("counts a photo with a face it misses as a failure, and a photo or a refused detection without a face to human in no fraction", () => {
        expect(report.failures).toEqual([{ face: "screenshot-images-0", code: "NO_FACE", message: expect.stringContaining("human finds one") }]);
        expect(report.photosWithoutFace).toEqual(["facemesh.png"]);
        expect(report.detectionsWithoutFace).toEqual(["samples-0"]);
        expect(report.summary.failures).toBe(1);
    });

    it("places the avatar exactly, and the source-view render is a face to human", () => {
        const [face] = report.faces;
        expect(report.faces).toHaveLength(1);
        expect(face.source.placementError).toBeLessThan(1e-5);
        expect(face.views.source.detectedHuman).toBe(true);
        expect(face.views.source.humanCosine).not.toBeNull();
        expect(face.views.source.humanCosine!).toBeGreaterThan(-1);
        expect(face.views.source.humanCosine!).toBeLessThanOrEqual(1);
    });

    it("gives finite figures for every view, the mask and the stages", () => {
        const [face] = report.faces;
        for (const name of ViewNames) {
            const v = face.views[name];
            expect(v.renderMs).toBeGreaterThan(0);
            for (const x of [v.humanCosine, v.faceApiDistance]) {
                expect(x === null || Number.isFinite(x)).toBe(true);
            }
        }
        expect(Number.isFinite(face.source.psnrDb)).toBe(true);
        expect(face.source.ssim).toBeGreaterThan(-1);
        expect(face.source.ssim).toBeLessThanOrEqual(1);
        expect(face.source.maskPixels).toBeGreaterThan(0.1 * 128 * 128);
        expect(face.expression.jaw.expectedIodPct).toBeGreaterThan(5); // the fitted model's lips part with jawOpen 0.6
        expect(face.expression.smile.expectedIodPct).toBeGreaterThan(0); // and its mouth widens with a smile
        expect(face.expression.blink.expectedIodPct).toBeLessThan(0); // and its eyes close with a blink
        expect(face.timings.photoToAvatar).toBeGreaterThan(0);
        expect(Object.values(face.timings).every(Number.isFinite)).toBe(true);
        expect(Object.keys(report.targets).length).toBeGreaterThan(0);
    });
});

describe("IdentityLeakage", () => {
    const unit = (...v: number[]): Float32Array => Float32Array.from(v, (x) => x / Math.hypot(...v));
    it("gives the render's cosine to each other photo, the largest, and the excess over the own photo's", () => {
        const render = unit(1, 1, 0);
        const own = unit(1, 0, 0);
        const leakage = IdentityLeakage(render, own, [
            { id: "b", photo: unit(0, 1, 0) }, // render 0.707, own photo 0: excess 0.707
            { id: "c", photo: unit(1, 0.2, 0) }, // render ≈ 0.832, own photo ≈ 0.981: excess ≈ −0.149
            { id: "d", photo: null }, // not detected in its photo
        ]);
        expect(leakage.others).toEqual({ b: 0.707, c: 0.832, d: null });
        expect(leakage.max).toBe(0.832);
        expect(leakage.excessMax).toBe(0.707);
    });

    it("has no figures when the render or every other photo went undetected", () => {
        expect(IdentityLeakage(null, unit(1, 0), [{ id: "b", photo: unit(0, 1) }])).toEqual({ max: null, others: { b: null }, excessMax: null });
        expect(IdentityLeakage(unit(1, 0), null, [{ id: "b", photo: unit(0, 1) }])).toEqual({ max: 0, others: { b: 0 }, excessMax: null });
    });
});
