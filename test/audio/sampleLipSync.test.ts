/**
 * The sample scene's lip-sync panel end to end (headless Chromium, WebGPU on SwiftShader): a click
 * on a voice line plays it and the AvatarVolume's mouth follows (offline pass, then playback in
 * sync); it closes at the end. Needs `npm run build` (the sample bundle and its avatars).
 */
import { existsSync } from "node:fs";
import { OpenSample, StartBrowser, type IBrowserSession } from "../support/browser.js";

const built = existsSync("dist/sample/main.js") && existsSync("dist/sample-assets/analytic/analytic-head.glb");
let session: IBrowserSession;

beforeAll(async () => {
    if (built) {
        session = await StartBrowser();
    }
});
afterAll(async () => {
    await session?.close();
});

(built ? test : test.skip)("sample scene: a voice line drives the avatar's jawOpen in sync, mouth closed at the end", async () => {
    const { page, errors } = await OpenSample(session, "size=256&avatar=../dist/sample-assets/analytic/analytic-head.glb");
    await page.waitForSelector("#lipsync button");
    const jaw: number[] = [];
    await page.getByText('Say "greeting"').click();
    for (let i = 0; i < 60; i++) {
        await page.waitForTimeout(100);
        jaw.push(await page.evaluate(() => window.nofaSample.avatar!.expression[26]));
    }
    expect(Math.max(...jaw)).toBeGreaterThan(0.1);
    expect(jaw[jaw.length - 1]).toBeLessThan(0.05); // the 4.4 s line has ended
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
});
