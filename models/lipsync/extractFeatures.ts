/**
 * Computes the training features and targets of a dataset split with the runtime's own
 * TypeScript code (plugin/audio), so that training sees exactly what the runtime computes.
 *
 * Usage: npx tsx models/lipsync/extractFeatures.ts DATASET_DIR OUT_PREFIX
 * Writes OUT_PREFIX.features.f32 (N×17), .targets.f32 (N×53), .labels.u8 (N), .index.json.
 */
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExpressionCount } from "../../plugin/expression/arkitNames.js";
import { ComputeLipSyncFeatures } from "../../plugin/audio/computeFeatures.js";
import { DecodeWav } from "../../plugin/audio/decodeWav.js";
import { LipSyncFeatureConfig } from "../../plugin/audio/lipSyncFeatures.js";
import { ComputeVisemeTargets } from "../../plugin/audio/visemeTargets.js";

const [dir, out] = process.argv.slice(2);
if (!dir || !out) {
    console.error("usage: extractFeatures.ts DATASET_DIR OUT_PREFIX");
    process.exit(2);
}
const names = readdirSync(dir).filter((f) => f.endsWith(".wav")).map((f) => f.slice(0, -4)).sort();
const feats: Float32Array[] = [];
const targets: Float32Array[] = [];
const labels: Uint8Array[] = [];
const frames: number[] = [];
let total = 0;
const t0 = performance.now();
let seconds = 0;
for (const name of names) {
    const audio = DecodeWav(readFileSync(join(dir, name + ".wav")));
    const meta = JSON.parse(readFileSync(join(dir, name + ".json"), "utf8"));
    const { features, frameCount } = ComputeLipSyncFeatures(audio.samples, audio.sampleRate);
    const t = ComputeVisemeTargets(meta.visemes, frameCount, LipSyncFeatureConfig.frameRate);
    feats.push(features);
    targets.push(t.weights);
    labels.push(t.labels);
    frames.push(frameCount);
    total += frameCount;
    seconds += audio.samples.length / audio.sampleRate;
}
const cat = <T extends Float32Array | Uint8Array>(parts: T[], make: (n: number) => T, width: number): T => {
    const r = make(total * width);
    let o = 0;
    for (const p of parts) {
        r.set(p, o);
        o += p.length;
    }
    return r;
};
writeFileSync(out + ".features.f32", cat(feats, (n) => new Float32Array(n), LipSyncFeatureConfig.featureCount));
writeFileSync(out + ".targets.f32", cat(targets, (n) => new Float32Array(n), ExpressionCount));
writeFileSync(out + ".labels.u8", cat(labels, (n) => new Uint8Array(n), 1));
writeFileSync(out + ".index.json", JSON.stringify({ names, frames, featureCount: LipSyncFeatureConfig.featureCount }));
const ms = performance.now() - t0;
console.log(`${names.length} utterances, ${total} frames, ${seconds.toFixed(1)} s of audio in ${(ms / 1000).toFixed(1)} s (${((seconds * 1000) / ms).toFixed(0)}x real time)`);
