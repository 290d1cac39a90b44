#!/usr/bin/python3
"""Trains the causal audio-to-expression network and exports it to ONNX (opset 17).

Input: the feature/target files written by models/lipsync/extractFeatures.ts (the runtime's own
feature code). Network: per-frame MLP -> GRU -> two heads (53 ARKit weights through a sigmoid,
15 viseme logits). Causal: the output at step t is the pose of frame t - LOOKAHEAD, so the
network sees LOOKAHEAD frames (10 ms each) ahead of the pose it emits. Feature normalisation is
baked into the graph, so the runtime feeds raw features.

Usage:
  /usr/bin/python3 models/lipsync/train.py --data .cache/lipsync --out models/packs/lipsync --seed 7 [--steps 1500]
  (smoke run: --steps 20)
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

FEATURES = 17
EXPRESSIONS = 53
VISEMES = 15
LOOKAHEAD = 4
HIDDEN = 96


class LipSyncNet(nn.Module):
    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("inv_std", torch.tensor(1.0 / std, dtype=torch.float32))
        self.frame = nn.Sequential(nn.Linear(FEATURES, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.gru = nn.GRU(64, HIDDEN, batch_first=True)
        self.weights = nn.Linear(HIDDEN, EXPRESSIONS)
        self.visemes = nn.Linear(HIDDEN, VISEMES)

    def forward(self, features, state):
        x = self.frame((features - self.mean) * self.inv_std)
        y, state_out = self.gru(x, state)
        return torch.sigmoid(self.weights(y)), self.visemes(y), state_out


class Exported(nn.Module):
    """The ONNX graph: viseme probabilities (softmax) instead of logits."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, features, state):
        w, v, s = self.net(features, state)
        return w, torch.softmax(v, dim=-1), s


def load(prefix):
    idx = json.load(open(prefix + ".index.json"))
    f = np.fromfile(prefix + ".features.f32", "<f4").reshape(-1, FEATURES)
    t = np.fromfile(prefix + ".targets.f32", "<f4").reshape(-1, EXPRESSIONS)
    l = np.fromfile(prefix + ".labels.u8", np.uint8)
    return idx, f, t, l


def evaluate(net, feats, targ, lab, frames):
    """Frame viseme accuracy and weight MSE, utterance by utterance, as the runtime runs it."""
    net.eval()
    correct = total = 0
    se = 0.0
    o = 0
    with torch.no_grad():
        for n in frames:
            x = torch.from_numpy(np.concatenate([feats[o:o + n], np.repeat(feats[o + n - 1:o + n] * 0, LOOKAHEAD, 0)]))
            w, v, _ = net(x[None], torch.zeros(1, 1, HIDDEN))
            w, v = w[0, LOOKAHEAD:].numpy(), v[0, LOOKAHEAD:].numpy()
            correct += int((v.argmax(1) == lab[o:o + n]).sum())
            total += n
            se += float(((w - targ[o:o + n]) ** 2).sum())
            o += n
    net.train()
    return correct / total, se / total / EXPRESSIONS


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=".cache/lipsync")
    ap.add_argument("--out", default="models/packs/lipsync")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--length", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--pp-weight", type=float, default=3.0, help="cross-entropy weight of the PP class (closures are short and matter)")
    ap.add_argument("--mse-weight", type=float, default=40.0)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    torch.set_num_threads(args.threads)

    _, f, t, l = load(os.path.join(args.data, "train"))
    didx, df, dt, dl = load(os.path.join(args.data, "dev"))
    mean = f.mean(0)
    std = f.std(0) + 1e-3
    net = LipSyncNet(mean, std).to(args.device)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=args.steps, pct_start=0.1)
    class_weight = torch.ones(VISEMES)
    class_weight[1] = args.pp_weight
    ce = nn.CrossEntropyLoss(weight=class_weight.to(args.device))
    L, D = args.length, LOOKAHEAD
    n = len(f)
    ft, tt, lt = torch.from_numpy(f), torch.from_numpy(t), torch.from_numpy(l.astype(np.int64))
    t0 = time.time()
    for step in range(1, args.steps + 1):
        starts = rng.integers(0, n - L - 1, args.batch)
        ix = torch.from_numpy(starts[:, None] + np.arange(L)[None])
        x, y, c = ft[ix].to(args.device), tt[ix].to(args.device), lt[ix].to(args.device)
        # light feature noise on top of the audio augmentation
        x = x + 0.02 * torch.randn_like(x) * torch.from_numpy(std).to(args.device)
        w, v, _ = net(x, torch.zeros(1, args.batch, HIDDEN, device=args.device))
        w, v = w[:, D:], v[:, D:]
        y, c = y[:, : L - D], c[:, : L - D]
        loss = args.mse_weight * ((w - y) ** 2).mean() + 0.3 * ce(v.reshape(-1, VISEMES), c.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 100 == 0 or step == args.steps:
            acc, mse = evaluate(net, df, dt, dl, didx["frames"])
            print(f"step {step} loss {loss.item():.4f} dev acc {acc:.3f} mse {mse:.5f} ({time.time() - t0:.0f} s)", flush=True)

    os.makedirs(args.out, exist_ok=True)
    os.makedirs("models/runs", exist_ok=True)
    torch.save(net.state_dict(), os.path.join("models/runs", f"lipsync-seed{args.seed}.pt"))
    onnx_path = os.path.join(args.out, "lipsync.onnx")
    net.eval().cpu()
    exp = Exported(net)
    torch.onnx.export(exp, (torch.zeros(1, 20, FEATURES), torch.zeros(1, 1, HIDDEN)), onnx_path, opset_version=17,
                      input_names=["features", "state"], output_names=["weights", "visemes", "state_out"],
                      dynamic_axes={"features": {1: "frames"}, "weights": {1: "frames"}, "visemes": {1: "frames"}})
    import onnx
    onnx.checker.check_model(onnx.load(onnx_path))
    acc, mse = evaluate(net, df, dt, dl, didx["frames"])
    # parity fixture: dev utterance 0 through PyTorch, for the ONNX-in-Node test
    n0 = didx["frames"][0]
    with torch.no_grad():
        x = torch.from_numpy(df[:n0][:60].copy())
        w, v, s = exp(x[None], torch.zeros(1, 1, HIDDEN))
    fixture = {"utterance": didx["names"][0], "frames": 60, "features": x.numpy().round(6).tolist(),
               "weights": w[0].numpy().round(6).tolist(), "visemes": v[0].numpy().round(6).tolist()}
    with open(os.path.join(args.out, "parity.json"), "w") as fh:
        json.dump(fixture, fh)
    data = open(onnx_path, "rb").read()
    pack = {
        "format": "nofa-lipsync-pack",
        "formatVersion": 1,
        "id": "lipsync-espeak",
        "version": "1.0.0",
        "network": {
            "onnx": "lipsync.onnx",
            "inputs": {"features": [1, "frames", FEATURES], "state": [1, 1, HIDDEN]},
            "outputs": {"weights": [1, "frames", EXPRESSIONS], "visemes": [1, "frames", VISEMES], "state_out": [1, 1, HIDDEN]},
            "frameRate": 100,
            "featureCount": FEATURES,
            "hiddenSize": HIDDEN,
            "lookaheadFrames": LOOKAHEAD,
            "expressionCount": EXPRESSIONS,
            "visemes": ["sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou"],
        },
        "files": {"lipsync.onnx": {"byteLength": len(data), "sha256": hashlib.sha256(data).hexdigest()}},
        "provenance": {
            "command": " ".join(["/usr/bin/python3"] + sys.argv),
            "seed": args.seed,
            "steps": args.steps,
            "data": "models/lipsync/synth_dataset.py --train 1500 --dev 20 --seed 1 (espeak-ng voices, sox augmentation); "
                    "features: models/lipsync/extractFeatures.ts",
            "devFrameAccuracy": round(acc, 4),
            "devWeightMse": round(mse, 6),
            "torch": torch.__version__,
        },
        "licences": {
            "network": "MIT (this project), trained here on speech synthesised with espeak-ng (GPL-3.0 program; "
                       "its audio output carries no licence restriction)",
            "targets": "viseme shapes on ICT-FaceKit blendshape names (ICT-FaceKit: MIT)",
        },
    }
    with open(os.path.join(args.out, "pack.json"), "w") as fh:
        json.dump(pack, fh, indent=2)
    print(f"exported {onnx_path} ({len(data)} bytes), dev acc {acc:.3f} mse {mse:.5f}")


if __name__ == "__main__":
    main()
