/**
 * Lip-sync evaluation: ours, wlipsync and @met4citizen/headaudio side by side on the same audio.
 *
 * Usage: npm run eval:lipsync -- DATASET_DIR [--no-baselines] [--out result.json] [--plot-data jaw.json]
 * DATASET_DIR holds NAME.wav (mono, any rate) + NAME.json ({ phonemes: [{p,start,end}], visemes: [{v,start,end}] }).
 * Ours runs in Node (the runtime's offline path: meyda features + onnxruntime-web wasm, one thread);
 * the baselines run in headless Chromium in an OfflineAudioContext (test/eval/lipsync-eval/baselines.js).
 * Prints one JSON object: per system, the metrics of test/eval/lipsync-eval/metrics.ts, plus latency
 * and, for ours, throughput. Definitions: docs/lipsync.md.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
// @ts-expect-error plain JS module without types
import { StartServer } from "../../sample-scene/serve.js";
import { ExpressionCount } from "../../plugin/expression/arkitNames.js";
import { DecodeWav } from "../../plugin/audio/decodeWav.js";
import { LipSyncAnalyzer } from "../../plugin/audio/lipSyncAnalyzer.js";
import { LipSyncFeatureConfig, LipSyncFeatureExtractor } from "../../plugin/audio/lipSyncFeatures.js";
import { ComputeVisemeTargets, VisemeBlendToExpression } from "../../plugin/audio/visemeTargets.js";
import { MetricAccumulator, type IReference } from "./lipsync-eval/metrics.js";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith("--"));
if (!dir) {
    console.error("usage: npm run eval:lipsync -- DATASET_DIR [--no-baselines] [--out result.json]");
    process.exit(2);
}
const withBaselines = !args.includes("--no-baselines");
const outIndex = args.indexOf("--out");
const outFile = outIndex >= 0 ? args[outIndex + 1] : null;
const plotIndex = args.indexOf("--plot-data");
const plotFile = plotIndex >= 0 ? args[plotIndex + 1] : null;
const datasetDir = resolve(dir);
const names = readdirSync(datasetDir).filter((f) => f.endsWith(".wav") && existsSync(join(datasetDir, f.slice(0, -4) + ".json"))).map((f) => f.slice(0, -4)).sort();
if (names.length === 0) {
    console.error(`no NAME.wav + NAME.json pairs in ${datasetDir}`);
    process.exit(2);
}

// --- references -------------------------------------------------------------------------------
const audio = names.map((n) => DecodeWav(readFileSync(join(datasetDir, n + ".wav"))));
const refs: IReference[] = names.map((n, i) => {
    const meta = JSON.parse(readFileSync(join(datasetDir, n + ".json"), "utf8"));
    const a = audio[i];
    const frames = LipSyncFeatureExtractor.FrameCount(Math.round((a.samples.length * LipSyncFeatureConfig.sampleRate) / a.sampleRate));
    const t = ComputeVisemeTargets(meta.visemes, frames, LipSyncFeatureConfig.frameRate);
    return { labels: t.labels, weights: t.weights, visemes: meta.visemes };
});
const totalSeconds = audio.reduce((s, a) => s + a.samples.length / a.sampleRate, 0);
const results: Record<string, Record<string, unknown>> = {};
// jawOpen over one utterance (the first English one) for the plot in docs/lipsync.md
const plotUtterance = Math.max(0, names.findIndex((n) => n.endsWith("_en")));
const jawOf = (w: Float32Array): number[] => Array.from({ length: w.length / ExpressionCount }, (_, f) => Math.round(w[f * ExpressionCount + 26] * 1000) / 1000);
const plot: Record<string, unknown> = { utterance: names[plotUtterance], target: jawOf(refs[plotUtterance].weights), visemes: JSON.parse(readFileSync(join(datasetDir, names[plotUtterance] + ".json"), "utf8")).visemes };

const reference = new MetricAccumulator();
refs.forEach((r) => reference.add(r, { classes: r.labels, weights: r.weights }));
results["reference (targets)"] = { ...reference.result(), note: "the targets scored against themselves: upper bounds" };

// --- ours -------------------------------------------------------------------------------------
const model = readFileSync(join(root, "models/packs/lipsync/lipsync.onnx"));
const analyzer = await LipSyncAnalyzer.CreateAsync(model);
await analyzer.analyzeAsync(audio[0].samples, audio[0].sampleRate); // warm-up (wasm start, JIT)
const ours = new MetricAccumulator();
let oursMs = 0;
const cpu0 = process.cpuUsage();
for (let i = 0; i < names.length; i++) {
    const t0 = performance.now();
    const { track } = await analyzer.analyzeAsync(audio[i].samples, audio[i].sampleRate);
    oursMs += performance.now() - t0;
    const n = refs[i].labels.length;
    ours.add(refs[i], { classes: track.visemes!.subarray(0, n), weights: track.weights.subarray(0, n * ExpressionCount) });
    if (i === plotUtterance) {
        plot.ours = jawOf(track.weights.subarray(0, n * ExpressionCount));
    }
}
const cpu = process.cpuUsage(cpu0);
const oursCpuMs = (cpu.user + cpu.system) / 1000;
// live path: 10 ms blocks through the streaming API, compute time per block
const live = audio[0];
const block = Math.round(live.sampleRate / 100);
analyzer.beginStream(live.sampleRate);
const blockTimes: number[] = [];
for (let o = 0; o + block <= live.samples.length; o += block) {
    const t0 = performance.now();
    await analyzer.pushAsync(live.samples.subarray(o, o + block), () => undefined);
    blockTimes.push(performance.now() - t0);
}
blockTimes.sort((a, b) => a - b);
const p95 = blockTimes[Math.floor(blockTimes.length * 0.95)];
const oursResult = ours.result();
results.ours = {
    ...oursResult,
    latencyMs: Math.round(analyzer.latency * 1000 + p95 + (oursResult.jawOpenLagMs as number)),
    latencyParts: { lookaheadAndWindowMs: analyzer.latency * 1000, computePerBlockP95Ms: Math.round(p95 * 100) / 100, smoothingLagMs: oursResult.jawOpenLagMs },
    realTimeFactor: Math.round(totalSeconds / (oursMs / 1000)),
    realTimeFactorCpuTime: Math.round(totalSeconds / (oursCpuMs / 1000)),
    throughputNote: "offline pass (resample + meyda features + network + smoothing) in Node, onnxruntime-web with one thread; realTimeFactor: audio seconds / wall-clock seconds; realTimeFactorCpuTime: / the process's CPU seconds (robust to other jobs on a shared machine)",
};
await analyzer.disposeAsync();

// --- baselines in headless Chromium ----------------------------------------------------------
interface IBaselineOut {
    weights: number[];
    classes: number[];
    ms: number;
    emitDelay: number;
}
if (withBaselines) {
    const server: { url: string; close: () => Promise<void> } = await StartServer(0, [["/dataset/", datasetDir]]);
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
    try {
        const page = await browser.newPage();
        page.on("pageerror", (e) => console.error("page error:", e.message));
        await page.goto(`${server.url}test/eval/lipsync-eval/baselines.html`);
        await page.waitForFunction(() => (window as unknown as { __ready: boolean }).__ready === true);
        const profileDir = join(root, "models/lipsync/baselines/wlipsync-profiles");
        const profiles = Object.fromEntries(["sample", "sample-female", "sample-male"].map((p) => [p, JSON.parse(readFileSync(join(profileDir, p + ".json"), "utf8"))]));
        const items = names.map((n, i) => ({ url: `/dataset/${n}.wav`, frames: refs[i].labels.length }));
        const out = (await page.evaluate(
            ([it, pr]) => (window as unknown as { runBaselines: (a: unknown, b: unknown) => Promise<unknown> }).runBaselines(it, pr),
            [items, profiles] as const
        )) as { wlipsync: Record<string, IBaselineOut>; headaudio: IBaselineOut; duration: number }[];
        const toSystem = (b: IBaselineOut, n: number): { classes: Uint8Array; weights: Float32Array } => {
            const weights = new Float32Array(n * ExpressionCount);
            const tmp = new Float32Array(ExpressionCount);
            for (let f = 0; f < n; f++) {
                weights.set(VisemeBlendToExpression(b.weights.slice(f * 15, f * 15 + 15), tmp), f * ExpressionCount);
            }
            return { classes: Uint8Array.from(b.classes), weights };
        };
        const summarize = (acc: MetricAccumulator, emit: number, ms: number): Record<string, unknown> => {
            const r = acc.result();
            return {
                ...r,
                latencyMs: Math.round(emit * 1000 + (r.jawOpenLagMs as number)),
                latencyParts: { windowAndBlockMs: Math.round(emit * 1000), smoothingLagMs: r.jawOpenLagMs },
                offlineAudioContextRealTimeFactor: Math.round(totalSeconds / (ms / 1000)),
            };
        };
        // wlipsync: each profile, and the best profile per utterance (by 15-class accuracy)
        const perProfile: Record<string, MetricAccumulator> = {};
        const best = new MetricAccumulator();
        let emit = 0;
        let msAll = 0;
        out.forEach((u, i) => {
            let bestAcc = -1;
            let bestSys: { classes: Uint8Array; weights: Float32Array } | null = null;
            for (const [p, b] of Object.entries(u.wlipsync)) {
                const sys = toSystem(b, refs[i].labels.length);
                (perProfile[p] ??= new MetricAccumulator()).add(refs[i], sys);
                const acc = sys.classes.reduce((s, c, f) => s + +(c === refs[i].labels[f]), 0);
                if (acc > bestAcc) {
                    bestAcc = acc;
                    bestSys = sys;
                }
                emit = b.emitDelay;
                msAll += b.ms / 3;
            }
            best.add(refs[i], bestSys!);
            if (i === plotUtterance) {
                plot.wlipsync = jawOf(bestSys!.weights);
            }
        });
        results.wlipsync = {
            ...summarize(best, emit, msAll),
            profile: "best of uLipSync's 3 sample profiles per utterance",
            perProfile: Object.fromEntries(Object.entries(perProfile).map(([p, a]) => [p, a.result()])),
        };
        const head = new MetricAccumulator();
        let hEmit = 0;
        let hMs = 0;
        out.forEach((u, i) => {
            const sys = toSystem(u.headaudio, refs[i].labels.length);
            head.add(refs[i], sys);
            if (i === plotUtterance) {
                plot.headaudio = jawOf(sys.weights);
            }
            hEmit += u.headaudio.emitDelay / out.length;
            hMs += u.headaudio.ms;
        });
        results.headaudio = { ...summarize(head, hEmit, hMs), model: "model-en-mixed.bin (shipped), default parameters" };
    } finally {
        await browser.close();
        await server.close();
    }
}

const report = { dataset: datasetDir, utterances: names.length, seconds: Math.round(totalSeconds * 10) / 10, systems: results };
console.log(JSON.stringify(report, null, 2));
if (outFile) {
    writeFileSync(outFile, JSON.stringify(report, null, 2));
}
if (plotFile) {
    writeFileSync(plotFile, JSON.stringify(plot));
}
