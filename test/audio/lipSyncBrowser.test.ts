/**
 * LipSync in headless Chromium (TESTING.md §3): the streaming path end to end on a generated
 * espeak-ng utterance ("Papa. Bob may bump a map."): the mouth opens on vowels, closes on /p b m/
 * and on silence; the offline pass; typed errors; the microphone through Chromium's fake device.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createRequire } from "node:module";
import type { Browser } from "playwright-core";
import type webpackType from "webpack";
// @ts-expect-error plain JS module without types
import { StartServer } from "../../sample-scene/serve.js";

// playwright-core's ESM entry does not load under jest's VM modules: use its CommonJS entry
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core") as typeof import("playwright-core");
const webpack = require("webpack") as typeof webpackType;

const root = resolve(".");
const out = join(root, ".cache/lipsync-browser");
const ARGS = ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", "--disable-gpu"];

interface IVisemeSegment {
    v: string;
    start: number;
    end: number;
}

let server: { url: string; close: () => Promise<void> };
let browser: Browser;

beforeAll(async () => {
    await new Promise<void>((ok, fail) =>
        webpack(
            {
                mode: "development",
                devtool: false,
                target: "web",
                entry: { page: "./test/audio/browser/streamPage.ts" },
                output: { path: out, filename: "[name].js", publicPath: "/", clean: true },
                resolve: { extensions: [".ts", ".js"], extensionAlias: { ".js": [".ts", ".js"] } },
                module: { rules: [{ test: /\.ts$/, loader: "ts-loader", options: { transpileOnly: true } }] },
                performance: { hints: false },
            },
            (err, stats) => (err || stats?.hasErrors() ? fail(err ?? new Error(stats?.toString("errors-only"))) : ok())
        )
    );
    writeFileSync(join(out, "index.html"), '<!doctype html><link rel="icon" href="data:,"><script src="/page.js"></script>');
    server = await StartServer(0, [
        ["/ort/", join(root, "node_modules/onnxruntime-web/dist")],
        ["/fixtures/", join(root, "test/fixtures/lipsync-stream")],
        ["/", out],
    ]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ARGS });
});

afterAll(async () => {
    await browser?.close();
    await server?.close();
});

test("streaming lip-sync in Chromium: vowels open, /p b m/ and silence close; offline pass; typed errors; microphone", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    // the page fetches a missing file on purpose (FETCH_FAILED): its 404 is expected
    page.on("console", (m) => m.type() === "error" && !m.text().includes("status of 404") && problems.push(m.text()));
    await page.goto(server.url);
    await page.waitForFunction(() => (window as unknown as { __done: boolean }).__done === true, null, { timeout: 60_000 });
    const r = await page.evaluate(() => (window as unknown as { __result: any }).__result);
    expect(r.failure).toBeUndefined();
    expect(problems).toEqual([]);

    expect(r.offline.frames).toBeGreaterThan(330);
    expect(r.offline.maxJaw).toBeGreaterThan(0.2);
    expect(r.errors).toEqual({ empty: "EMPTY_AUDIO", notAudio: "DECODE_FAILED", missing: "FETCH_FAILED" });
    expect(r.microphone.poses).toBeGreaterThan(5);

    const { t, jaw, latency } = r.stream as { t: number[]; jaw: number[]; latency: number };
    console.log(`live sound-to-pose latency ${(latency * 1000).toFixed(1)} ms (algorithmic ${(r.stream.algorithmic * 1000).toFixed(0)} ms), ${t.length} poses`);
    expect(latency).toBeGreaterThan(0.03);
    expect(latency).toBeLessThan(0.2); // the ≤ 80 ms target is measured and reported, not asserted on a shared CPU
    const segs = JSON.parse(readFileSync(join(root, "test/fixtures/lipsync-stream/papa.json"), "utf8")).visemes as IVisemeSegment[];
    // pose shown at playback time t describes the audio at t - latency
    const during = (s: IVisemeSegment, pad = 0): number[] => jaw.filter((_, i) => t[i] - latency >= s.start - pad && t[i] - latency < s.end + pad);
    const vowels = segs.filter((s) => ["aa", "oh", "E"].includes(s.v) && s.end - s.start > 0.08);
    // ±50 ms: live poses jitter with the load of a shared CPU (worker scheduling)
    const vowelOpen = vowels.map((s) => Math.max(...during(s, 0.05)));
    // most vowels open clearly (this line puts every vowel between two bilabials: some stay small)
    expect(vowelOpen.filter((v) => v > 0.12).length / vowelOpen.length).toBeGreaterThanOrEqual(0.7);
    expect(vowelOpen.reduce((a, b) => a + b, 0) / vowelOpen.length).toBeGreaterThan(0.2);
    const closures = segs.filter((s) => s.v === "PP" && s.end - s.start >= 0.04);
    const closed = closures.filter((s) => Math.min(...during(s, 0.02)) < 0.03).length;
    expect(closed / closures.length).toBeGreaterThanOrEqual(0.75);
    const endOfSpeech = segs[segs.length - 1].start;
    const tail = jaw.filter((_, i) => t[i] - latency > endOfSpeech + 0.15);
    expect(tail.length).toBeGreaterThan(3);
    expect(Math.max(...tail)).toBeLessThan(0.05);
    const leadingSilence = jaw.filter((_, i) => t[i] - latency < segs[0].end - 0.1 && t[i] > 0.1);
    expect(Math.max(0, ...leadingSilence)).toBeLessThan(0.05);
});
