#!/usr/bin/python3
"""Plots predicted against target jawOpen over one utterance (docs/lipsync-jawopen.png) from the
JSON written by `npm run eval:lipsync -- DIR --plot-data jaw.json`.

Usage: /usr/bin/python3 models/lipsync/plot_jaw.py jaw.json docs/lipsync-jawopen.png
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

data = json.load(open(sys.argv[1]))
t = [i / 100 for i in range(len(data["target"]))]
fig, ax = plt.subplots(figsize=(10, 4), dpi=110)
for seg in data["visemes"]:
    if seg["v"] == "PP":
        ax.axvspan(seg["start"], seg["end"], color="#f4c7c3", lw=0)
    if seg["v"] != "sil":
        ax.text((seg["start"] + seg["end"]) / 2, 0.86, seg["v"], ha="center", fontsize=7, color="#555")
ax.plot(t, data["target"], color="black", lw=2, label="target (phonemes → visemes → coarticulation)")
ax.plot(t, data["ours"], color="#1f77b4", lw=1.6, label="ours (offline pass)")
if "wlipsync" in data:
    ax.plot(t, data["wlipsync"], color="#2ca02c", lw=1, alpha=0.8, label="wlipsync (best profile)")
if "headaudio" in data:
    ax.plot(t, data["headaudio"], color="#ff7f0e", lw=1, alpha=0.8, label="headaudio")
ax.set_xlabel("time (s)")
ax.set_ylabel("jawOpen")
ax.set_ylim(0, 0.92)
ax.set_xlim(0, t[-1])
ax.set_title(f"jawOpen, dev utterance {data['utterance']} (held-out voice and text); red: /p b m/")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8, ncol=4, frameon=False)
fig.tight_layout()
fig.savefig(sys.argv[2])
print("wrote", sys.argv[2])
