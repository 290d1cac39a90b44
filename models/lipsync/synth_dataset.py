#!/usr/bin/python3
"""Synthesises the lip-sync dataset with espeak-ng (phoneme timing from its event callback)
and augments it with sox (reverberation, band limits, level, sample rate) and additive noise.

Writes, per utterance, NAME.wav (mono 16-bit) and NAME.json in the evaluation's dataset format:
{"phonemes": [{p, start, end}], "visemes": [{v, start, end}], "voice", "lang", "text"}.
Targets (53 ARKit weights per frame) are computed from the visemes by the TypeScript code
(plugin/audio/visemeTargets.ts) in models/lipsync/extractFeatures.ts, so that the evaluation
and training share one definition.

Usage: /usr/bin/python3 models/lipsync/synth_dataset.py --out .cache/lipsync --train 800 --dev 24 --seed 1
       [--dev-fixture test/fixtures/lipsync-dev]
"""
import argparse
import ctypes
import json
import os
import random
import subprocess
import sys
import tempfile
import wave

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from phonemes import to_visemes  # noqa: E402
from sentences import DEV_SENTENCES, SENTENCES  # noqa: E402

# espeak-ng base voices per language; the second list of each entry is held out for dev.
VOICES = {
    "en": (["en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan"], ["en-us-nyc", "en-gb-x-gbcwmd"]),
    "de": (["de"], ["de"]),
    "fr": (["fr", "fr-ch"], ["fr-be"]),
    "es": (["es"], ["es-419"]),
    "it": (["it"], ["it"]),
    "pt": (["pt-br", "pt"], []),
    "nl": (["nl"], []),
}
TRAIN_VARIANTS = ["", "m1", "m2", "m3", "m5", "m6", "f1", "f2", "f3", "f5", "klatt", "klatt2", "Andy", "adam",
                  "Alex", "Alicia", "belinda", "benjamin", "david", "ed", "iven", "linda", "max", "paul", "rob",
                  "steph", "john", "quincy", "shelby", "travis", "victor", "norbert"]
DEV_VARIANTS = ["Annie", "m4", "f4", "klatt3", "Michael", "m7"]
LANG_WEIGHTS = {"en": 0.45, "de": 0.11, "fr": 0.11, "es": 0.11, "it": 0.1, "pt": 0.06, "nl": 0.06}


class _Id(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _Id)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))
ESPEAK_RATE, ESPEAK_PITCH, ESPEAK_RANGE = 1, 3, 4
EVENT_PHONEME = 7


class Espeak:
    """espeak-ng through ctypes: synchronous synthesis with phoneme events (TESTING.md §8)."""

    def __init__(self):
        self._lib = ctypes.CDLL("libespeak-ng.so.1")
        self.sample_rate = self._lib.espeak_Initialize(0x02, 0, None, 0x01)
        self._audio = []
        self._events = []
        self._cb = _CALLBACK(self._on_synth)
        self._lib.espeak_SetSynthCallback(self._cb)

    def _on_synth(self, wav, n, ev):
        if n > 0:
            self._audio.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while ev[i].type != 0:
            if ev[i].type == EVENT_PHONEME:
                self._events.append((ev[i].sample, ev[i].id.string.decode("latin1")))
            i += 1
        return 0

    def synth(self, voice, text, rate, pitch, prange):
        """Returns (int16 audio, [(phoneme, start s, end s)])."""
        self._audio, self._events = [], []
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise RuntimeError(f"espeak-ng voice {voice!r} not found")
        self._lib.espeak_SetParameter(ESPEAK_RATE, rate, 0)
        self._lib.espeak_SetParameter(ESPEAK_PITCH, pitch, 0)
        self._lib.espeak_SetParameter(ESPEAK_RANGE, prange, 0)
        data = text.encode("utf8")
        self._lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, 0, None, None)
        self._lib.espeak_Synchronize()
        audio = np.concatenate(self._audio) if self._audio else np.zeros(0, np.int16)
        sr = float(self.sample_rate)
        ev = [(s, n) for s, n in self._events if s <= len(audio)]
        phon = []
        for i, (s, n) in enumerate(ev):
            end = ev[i + 1][0] if i + 1 < len(ev) else len(audio)
            phon.append((n, s / sr, end / sr))
        return audio, phon


def _write_wav(path, audio, sr):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(np.clip(audio, -32768, 32767).astype("<i2").tobytes())


def _noise(rng, n, kind):
    white = rng.standard_normal(n)
    if kind == "white":
        return white
    if kind == "pink":
        f = np.fft.rfft(white)
        f /= np.sqrt(np.maximum(np.arange(len(f)), 1))
        return np.fft.irfft(f, n)
    # hum + low rumble (brown)
    brown = np.cumsum(white)
    brown -= np.convolve(brown, np.ones(400) / 400, mode="same")
    return brown + 3 * np.sin(2 * np.pi * 50 * np.arange(n) / 22050.0)


def make_utterance(esp, rng, lang, voice, text, augment, out_rate):
    """Synthesises, pads with silence, augments; returns (audio int16 at out_rate via sox, phonemes)."""
    rate = int(rng.uniform(110, 230))
    pitch = int(rng.uniform(15, 85))
    prange = int(rng.uniform(20, 95))
    audio, phon = esp.synth(voice, text, rate, pitch, prange)
    sr = esp.sample_rate
    lead, tail = rng.uniform(0.08, 0.5), rng.uniform(0.1, 0.5)
    pad0, pad1 = int(lead * sr), int(tail * sr)
    x = np.concatenate([np.zeros(pad0), audio.astype(np.float64), np.zeros(pad1)])
    shift = pad0 / sr
    phon = [(n, s + shift, e + shift) for n, s, e in phon]
    if not phon or phon[0][1] > 0:
        phon.insert(0, ("_", 0.0, phon[0][1] if phon else len(x) / sr))
    last = phon[-1]
    phon[-1] = (last[0], last[1], len(x) / sr) if last[0].startswith("_") else last
    if not phon[-1][0].startswith("_"):
        phon.append(("_", phon[-1][2], len(x) / sr))
    effects = []
    if augment:
        if rng.random() < 0.6:
            kind = rng.choice(["white", "pink", "brown"])
            nz = _noise(rng, len(x), kind)
            snr = rng.uniform(8, 40)
            p_sig = np.mean(audio.astype(np.float64) ** 2) + 1e-9
            nz *= np.sqrt(p_sig / (np.mean(nz ** 2) + 1e-12) / 10 ** (snr / 10))
            x = x + nz
        if rng.random() < 0.4:
            effects += ["reverb", str(int(rng.uniform(15, 70))), "50", str(int(rng.uniform(20, 100)))]
        if rng.random() < 0.15:
            effects += ["highpass", str(int(rng.uniform(150, 400))), "lowpass", str(int(rng.uniform(3200, 4000)))]
        level = rng.uniform(-32, -1)
    else:
        level = -3.0
    effects += ["channels", "1", "norm", f"{level:.1f}"]
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.wav")
        dst = os.path.join(tmp, "out.wav")
        peak = np.max(np.abs(x)) + 1e-9
        _write_wav(src, x / peak * 30000, sr)
        subprocess.run(["sox", src, "-r", str(out_rate), "-b", "16", dst] + effects, check=True,
                       stderr=subprocess.DEVNULL)
        with open(dst, "rb") as f:
            wav_bytes = f.read()
    return wav_bytes, phon


def build(out_dir, count, dev, seed, unknown, rates, augment_p):
    rng = np.random.default_rng(seed)
    pyrng = random.Random(seed)
    esp = Espeak()
    os.makedirs(out_dir, exist_ok=True)
    langs = list(LANG_WEIGHTS)
    weights = np.array([LANG_WEIGHTS[l] for l in langs])
    index = []
    for i in range(count):
        lang = langs[rng.choice(len(langs), p=weights / weights.sum())]
        bases = VOICES[lang][1 if dev else 0]
        if not bases:
            lang, bases = "en", VOICES["en"][1 if dev else 0]
        sents = SENTENCES[lang][:DEV_SENTENCES] if dev else SENTENCES[lang][DEV_SENTENCES:]
        text = pyrng.choice(sents)
        if not dev and rng.random() < 0.3:  # longer utterances: two sentences
            text = text + " " + pyrng.choice(sents)
        variant = pyrng.choice(DEV_VARIANTS if dev else TRAIN_VARIANTS)
        voice = pyrng.choice(bases) + (f"+{variant}" if variant else "")
        out_rate = int(pyrng.choice(rates))
        wav_bytes, phon = make_utterance(esp, rng, lang, voice, text, rng.random() < augment_p, out_rate)
        phon_json, vis_json = to_visemes(lang, phon, unknown)
        name = f"{'dev' if dev else 'train'}{i:04d}_{lang}"
        with open(os.path.join(out_dir, name + ".wav"), "wb") as f:
            f.write(wav_bytes)
        with open(os.path.join(out_dir, name + ".json"), "w") as f:
            json.dump({"phonemes": phon_json, "visemes": vis_json, "voice": voice, "lang": lang, "text": text,
                       "sampleRate": out_rate}, f)
        index.append(name)
    return index


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=".cache/lipsync")
    ap.add_argument("--train", type=int, default=800)
    ap.add_argument("--dev", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dev-fixture", default=None, help="also write the dev set here (16 kHz)")
    args = ap.parse_args()
    unknown = {}
    build(os.path.join(args.out, "train"), args.train, False, args.seed, unknown,
          [16000, 16000, 22050, 24000, 44100, 48000], 0.85)
    dev_dir = args.dev_fixture or os.path.join(args.out, "dev")
    build(dev_dir, args.dev, True, args.seed + 1000, unknown, [16000], 0.35)
    if unknown:
        print("unmapped espeak-ng phonemes (mapped to E):", sorted(unknown.items(), key=lambda kv: -kv[1]))


if __name__ == "__main__":
    main()
