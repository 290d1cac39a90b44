// Runs the two browser lip-sync baselines on wav files in an OfflineAudioContext (headless
// Chromium) and returns, per utterance, each system's output at 100 frames per second:
// 15 Oculus viseme weights per frame (our class order) and a viseme class per frame.
// How each library's output maps to visemes is documented in docs/lipsync.md.
import { createWLipSyncNode } from "wlipsync";
import { HeadAudio } from "headaudio";

const VISEMES = ["sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou"];
// uLipSync profile classes -> visemes (baselines README)
const WLIP = { A: "aa", I: "ih", U: "ou", E: "E", O: "oh", S: "SS", "-": "sil" };
// HeadAudio viseme order -> our class index
const HEAD = ["aa", "E", "ih", "oh", "ou", "PP", "SS", "TH", "DD", "FF", "kk", "nn", "RR", "CH", "sil"].map((v) => VISEMES.indexOf(v));
const FPS = 100;

const settle = async (count) => {
  // wait until the worklet's messages stop arriving
  let last = -1;
  while (count() !== last) { last = count(); await new Promise((r) => setTimeout(r, 150)); }
};

async function decode(url) {
  const bytes = await (await fetch(url)).arrayBuffer();
  const tmp = new OfflineAudioContext(1, 1, 16000);
  return tmp.decodeAudioData(bytes);
}

async function runWlipsync(buffer, profile, frames) {
  const ctx = new OfflineAudioContext(1, buffer.length + 4096, buffer.sampleRate);
  const node = await createWLipSyncNode(ctx, profile);
  const log = [];
  node.port.addEventListener("message", (e) => log.push({ t: e.data.timestamp, weights: { ...node.weights }, volume: node.volume, name: e.data.name }));
  const src = new AudioBufferSourceNode(ctx, { buffer });
  const mute = new GainNode(ctx, { gain: 0 });
  src.connect(node); node.connect(mute).connect(ctx.destination);
  src.start();
  const t0 = performance.now();
  await ctx.startRendering();
  await settle(() => log.length);
  const ms = performance.now() - t0;
  const half = profile.sampleCount / profile.targetSampleRate / 2; // window centre = timestamp - half window
  const weights = new Float32Array(frames * 15);
  const classes = new Uint8Array(frames);
  let j = -1;
  for (let k = 0; k < frames; k++) {
    const time = k / FPS;
    while (j + 1 < log.length && log[j + 1].t - half <= time) j++;
    if (j < 0) continue;
    const r = log[j];
    let best = "-", bestW = 0;
    for (const [name, w] of Object.entries(r.weights)) {
      const v = VISEMES.indexOf(WLIP[name] ?? "sil");
      weights[k * 15 + v] += w * r.volume; // uLipSync drives a blend shape with weight × volume
      if (w > bestW) { bestW = w; best = name; }
    }
    classes[k] = r.volume <= 0.05 ? 0 : VISEMES.indexOf(WLIP[best] ?? "sil");
  }
  return { weights, classes, ms, emitDelay: half + 512 / buffer.sampleRate / 2 };
}

async function runHeadaudio(input, frames) {
  // 0.25 s of silence first, so that the model (posted to the processor asynchronously) is in
  // place before speech; the processor's clock counts from the start of rendering (no reset)
  const PREFIX = 0.25;
  const pad = Math.round(PREFIX * input.sampleRate);
  const buffer = new AudioBuffer({ length: input.length + pad, sampleRate: input.sampleRate, numberOfChannels: 1 });
  buffer.copyToChannel(input.getChannelData(0), 0, pad);
  const ctx = new OfflineAudioContext(1, buffer.length + 4096, buffer.sampleRate);
  await ctx.audioWorklet.addModule("/node_modules/@met4citizen/headaudio/dist/headworklet.min.mjs");
  const node = new HeadAudio(ctx, { processorOptions: {}, parameterData: {} });
  const handler = node.port.onmessage;
  const log = [];
  node.port.onmessage = (e) => log.push(e.data);
  await node.loadModel("/node_modules/@met4citizen/headaudio/dist/model-en-mixed.bin", false);
  const src = new AudioBufferSourceNode(ctx, { buffer });
  src.connect(node); // HeadAudio has no output: it is processed while its input is active
  src.start();
  const t0 = performance.now();
  await ctx.startRendering();
  await settle(() => log.length);
  const ms = performance.now() - t0;
  // replay the processor's messages at their own time stamps (window centre for visemes) through
  // HeadAudio's own handler and its animation update, 10 ms per frame
  const values = new Float32Array(15);
  node.onvalue = (key, value) => { values[HEAD[node.visemeNames.indexOf(key)]] = value; };
  const events = log.filter((m) => typeof m.t === "number").map((m) => ({ ...m, t: m.t - PREFIX })).sort((a, b) => a.t - b.t);
  const weights = new Float32Array(frames * 15);
  const classes = new Uint8Array(frames);
  let j = 0;
  for (let k = 0; k < frames; k++) {
    const time = k / FPS;
    while (j < events.length && events[j].t <= time) handler({ data: events[j++] });
    node.update(1000 / FPS);
    weights.set(values, k * 15);
    classes[k] = node.visemeActive < 0 ? 0 : HEAD[node.visemeActive];
  }
  // a viseme event is stamped at the centre of its feature window and sent at its end
  const durations = events.filter((m) => m.event === "viseme" && typeof m.d === "number").map((m) => m.d);
  const emitDelay = durations.length ? durations.reduce((a, b) => a + b, 0) / durations.length / 2 : 0.016;
  return { weights, classes, ms, emitDelay };
}

window.runBaselines = async (items, profiles) => {
  const out = [];
  for (const { url, frames } of items) {
    const buffer = await decode(url);
    const r = { wlipsync: {}, headaudio: null, duration: buffer.duration };
    for (const [name, profile] of Object.entries(profiles)) {
      const w = await runWlipsync(buffer, profile, frames);
      r.wlipsync[name] = { weights: Array.from(w.weights), classes: Array.from(w.classes), ms: w.ms, emitDelay: w.emitDelay };
    }
    const h = await runHeadaudio(buffer, frames);
    r.headaudio = { weights: Array.from(h.weights), classes: Array.from(h.classes), ms: h.ms, emitDelay: h.emitDelay };
    out.push(r);
  }
  return out;
};
window.__ready = true;
