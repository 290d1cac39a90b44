/**
 * The UMD bundle in a Playground-like page (test/browser/playground.html): Babylon's own UMD builds
 * give the global BABYLON (as the Babylon Playground does), `dist/umd/nofa-babylon.js` gives NOFA;
 * an avatar loads through `NOFA.AvatarVolume.LoadAsync` and through `BABYLON.SceneLoader`, and renders.
 */
import { PNG } from "pngjs";
import { StartBrowser, type IBrowserSession } from "../support/browser";

let session: IBrowserSession;

beforeAll(async () => {
    session = await StartBrowser();
}, 60_000);
afterAll(async () => {
    await session?.close();
});

test("with only the globals BABYLON and NOFA, an avatar loads (directly and through SceneLoader) and renders", async () => {
    const page = await session.browser.newPage({ viewport: { width: 200, height: 200 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
        if (m.type() === "error") {
            errors.push(m.text());
        }
    });
    await page.goto(`${session.baseUrl}test/browser/playground.html`);
    await page.waitForFunction(() => (window as unknown as { playground: { ready: boolean; error: string | null } }).playground.ready || (window as unknown as { playground: { error: string | null } }).playground.error !== null, null, { timeout: 120_000 });
    const state = await page.evaluate(() => (window as unknown as { playground: { ready: boolean; error: string | null; fromLoader: boolean; supported: boolean } }).playground);
    expect(state.error).toBeNull();
    expect(state.supported).toBe(true);
    expect(state.fromLoader).toBe(true);
    expect(errors).toEqual([]);
    const png = PNG.sync.read(await page.screenshot({ clip: { x: 0, y: 0, width: 200, height: 200 } }));
    // The head covers the middle of the black canvas.
    let lit = 0;
    for (let y = 60; y < 140; y++) {
        for (let x = 60; x < 140; x++) {
            const i = 4 * (y * 200 + x);
            lit += png.data[i] + png.data[i + 1] + png.data[i + 2] > 60 ? 1 : 0;
        }
    }
    expect(lit).toBeGreaterThan(0.5 * 80 * 80);
}, 180_000);
