#!/usr/bin/python3
"""Synthesises short voice lines with espeak-ng (clean, 16 kHz mono) with their phoneme and
viseme timing (the evaluation's dataset format): the sample scene's lines and the browser
test's utterance.

Usage: /usr/bin/python3 models/lipsync/make_voice_lines.py
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from phonemes import to_visemes  # noqa: E402
from synth_dataset import Espeak, _write_wav  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
LINES = [
    ("sample-scene/assets/lines/greeting", "en-us+f3", "en", 160, "Hello there, traveller! Welcome to the Babylon market."),
    ("sample-scene/assets/lines/warning", "en-gb-x-rp+m3", "en", 150, "Be careful. The bridge up ahead is broken."),
    ("sample-scene/assets/lines/farewell", "fr+f2", "fr", 150, "Bonjour, et bonne chance pour la route!"),
    ("test/fixtures/lipsync-stream/papa", "en-us", "en", 130, "Papa. Bob may bump a map."),
]


def main():
    esp = Espeak()
    for path, voice, lang, rate, text in LINES:
        audio, phon = esp.synth(voice, text, rate, 50, 50)
        sr = esp.sample_rate
        lead = int(0.3 * sr)
        x = np.concatenate([np.zeros(lead), audio.astype(np.float64), np.zeros(int(0.4 * sr))])
        shift = lead / sr
        phon = [(n, s + shift, e + shift) for n, s, e in phon]
        phon.insert(0, ("_", 0.0, phon[0][1]))
        phon[-1] = (phon[-1][0], phon[-1][1], len(x) / sr)
        out = os.path.join(ROOT, path)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "in.wav")
            _write_wav(src, x / (np.max(np.abs(x)) + 1e-9) * 30000, sr)
            subprocess.run(["sox", src, "-r", "16000", "-b", "16", out + ".wav", "norm", "-3"], check=True)
        unknown = {}
        p, v = to_visemes(lang, phon, unknown)
        with open(out + ".json", "w") as f:
            json.dump({"phonemes": p, "visemes": v, "voice": voice, "lang": lang, "text": text, "sampleRate": 16000}, f)
        print(out, len(x) / sr, "s")


if __name__ == "__main__":
    main()
