import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { DecodeImageAsync } from "../../plugin/reconstruction/imagePixels";
import { FaceLandmarkDetector } from "../../plugin/reconstruction/faceLandmarkDetector";
import { PersonSegmenter } from "../../plugin/reconstruction/personSegmenter";
import { type IBrowserSession, StartBrowser } from "../support/browser";
import { DiskReader } from "../support/nodeFiles";
import { FaceApiModelFolder, SamplePhotoPath, SegmentationModelFolder } from "./reconstructionFixtures";

interface IBrowserResult {
    error?: string;
    faceCount: number;
    landmarks: number[];
    meanErrorPx: number;
    converged: boolean;
    pngSize: number[];
    matte: number[];
}

/** Headless Chromium: the same detection and fit run in a page, on face-api's ES build, with nothing fetched from outside the repository. */
describe("photo → landmarks → fit in the browser", () => {
    let session: IBrowserSession;
    let nodeLandmarks: Float32Array;
    let nodeMatte: Float32Array;
    beforeAll(async () => {
        execFileSync("npx", ["webpack", "--config", "test/reconstruction/browser/webpack.config.mjs"], { stdio: "pipe" });
        session = await StartBrowser();
        const detector = await FaceLandmarkDetector.CreateAsync({ models: DiskReader(FaceApiModelFolder) });
        const image = await DecodeImageAsync(readFileSync(SamplePhotoPath));
        nodeLandmarks = (await detector.detectAsync(image)).landmarks;
        const segmenter = await PersonSegmenter.CreateAsync({ model: DiskReader(SegmentationModelFolder) });
        nodeMatte = (await segmenter.segmentAsync(image, { x: 1130, y: -160, size: 820 })).values;
        segmenter.dispose();
    });
    afterAll(async () => {
        await session?.close();
    });

    it.each(["cpu", "wasm"])("gives Node's landmarks and person matte on the %s backend, the fit converges, PNG decodes", async (backend) => {
        const page = await session.browser.newPage();
        const outside: string[] = [];
        page.on("request", (request) => {
            if (!request.url().startsWith(session.baseUrl)) {
                outside.push(request.url());
            }
        });
        await page.goto(`${session.baseUrl}test/reconstruction/browser/index.html?backend=${backend}`);
        await page.waitForFunction(() => (window as unknown as { reconstructionResult?: unknown }).reconstructionResult !== undefined, null, { timeout: 60000 });
        const result = (await page.evaluate(() => (window as unknown as { reconstructionResult: unknown }).reconstructionResult)) as IBrowserResult;
        await page.close();
        expect(result.error).toBeUndefined();
        expect(result.faceCount).toBe(1);
        expect(outside).toEqual([]);
        let worst = 0;
        result.landmarks.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - nodeLandmarks[i]))));
        expect(worst).toBeLessThan(0.5);
        expect(result.converged).toBe(true);
        expect(result.meanErrorPx).toBeLessThan(6);
        expect(result.pngSize).toEqual([414, 394]);
        // The same segmentation as in Node, and not a blank one.
        let matteDiff = 0;
        result.matte.forEach((v, i) => (matteDiff = Math.max(matteDiff, Math.abs(v - nodeMatte[i]))));
        expect(result.matte).toHaveLength(256 * 256);
        expect(matteDiff).toBeLessThan(0.02);
        const person = nodeMatte.reduce((n, v) => n + (v > 0.5 ? 1 : 0), 0) / nodeMatte.length;
        expect(person).toBeGreaterThan(0.2);
        expect(person).toBeLessThan(0.9);
    });
});
