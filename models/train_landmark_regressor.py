"""Trains the landmark regressor (models/landmark_regressor.py) on synthetic ICT landmarks
(models/landmark_synth.py, fresh samples every step) and exports it to ONNX (opset 17) with a JSON
sidecar (layout, normalisation, validation figures, the exact command) and a PyTorch parity fixture.

    nice -n 10 /usr/bin/python3 -m models.train_landmark_regressor --seed 0 --steps 24000 --threads 1
"""
import hashlib
import json
import math
import os
import time

import torch

from .distributed import explicit_command, trainer_parser
from .landmark_regressor import FEATURES, LANDMARK_WEIGHTS, OUTPUTS, LandmarkRegressor, features, project, rotation_from_6d, solve_translation
from .landmark_synth import FIT_EXPRESSIONS, IDENTITY, LandmarkBasis, synthesize


def parse(argv=None):
    p = trainer_parser(__doc__, "plugin/reconstruction/data")
    p.add_argument("--steps", type=int, default=24000)
    p.add_argument("--batch", type=int, default=512)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--validation", type=int, default=2000, help="held-out samples (fixed seed)")
    p.add_argument("--fixture", default="test/reconstruction/fixtures/landmark-regressor-parity.json")
    return p.parse_args(argv)


def loss_terms(net, batch):
    x = features(batch["landmarks"], batch["valid"], batch["width"], batch["height"])
    alpha, beta, r6, log_focal = net(x)
    big = torch.maximum(batch["width"], batch["height"])
    target6 = batch["rotation"][:, :2].reshape(-1, 6)
    return {
        "alpha": ((alpha - batch["alpha"]) ** 2).mean(),
        "beta": 4 * ((beta - batch["beta"]) ** 2).mean(),
        "rotation": 20 * ((r6 - target6) ** 2).mean(),
        "focal": ((log_focal[:, 0] - torch.log(batch["focal"] / big)) ** 2).mean(),
    }


def decode(net, basis, batch):
    """The runtime's decoding: α, β, R, f, then t in closed form; and the reprojection of the guess."""
    x = features(batch["landmarks"], batch["valid"], batch["width"], batch["height"])
    alpha, beta, r6, log_focal = net(x)
    rotation = rotation_from_6d(r6)
    focal = torch.exp(log_focal[:, 0]) * torch.maximum(batch["width"], batch["height"])
    full = torch.zeros(beta.shape[0], 53)
    full[:, basis.fit_indices] = beta
    points = basis.points(alpha, full)
    translation = solve_translation(points, batch["landmarks"], batch["valid"] * LANDMARK_WEIGHTS, rotation, focal, batch["width"], batch["height"])
    pixels = project(points, rotation, translation, focal, batch["width"], batch["height"])
    return {"x": x, "alpha": alpha, "beta": beta, "r6": r6, "logFocal": log_focal, "rotation": rotation, "focal": focal, "translation": translation, "pixels": pixels}


def evaluate(net, basis, val):
    with torch.no_grad():
        d = decode(net, basis, val)
    a, t = d["alpha"], val["alpha"]
    corr = ((a * t).sum(1) / (a.norm(dim=1) * t.norm(dim=1))).mean().item()
    rel = d["rotation"] @ val["rotation"].transpose(1, 2)
    angle = torch.acos(((rel.diagonal(dim1=1, dim2=2).sum(-1) - 1) / 2).clamp(-1, 1)) * 180 / math.pi
    reproj = ((d["pixels"] - val["clean"]).norm(dim=-1).mean(1) / val["iod"]).mean().item()
    return {
        "alphaCorrelation": round(corr, 4),
        "rotationErrorDeg": round(angle.mean().item(), 3),
        "betaMae": round((d["beta"] - val["beta"]).abs().mean().item(), 4),
        "logFocalMae": round((torch.log(d["focal"] / val["focal"])).abs().mean().item(), 4),
        "depthRelError": round((d["translation"][:, 2] / val["translation"][:, 2] - 1).abs().mean().item(), 4),
        "reprojectionIod": round(reproj, 4),
    }


def main(argv=None):
    args = parse(argv)
    if args.alpha_dims != IDENTITY:
        raise SystemExit(f"the regressor predicts the fit's {IDENTITY} identity modes (--alpha-dims {IDENTITY})")
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    basis = LandmarkBasis(args.ict)
    val = synthesize(basis, args.validation, torch.Generator().manual_seed(12345))
    net = LandmarkRegressor(args.hidden, args.layers).to(args.device)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=max(args.steps, 1), pct_start=0.05)
    t0 = time.time()
    for step in range(1, args.steps + 1):
        batch = {k: v.to(args.device) for k, v in synthesize(basis, args.batch, gen).items()}
        terms = loss_terms(net, batch)
        loss = sum(terms.values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 1000 == 0 or step == args.steps:
            print(f"step {step} loss {loss.item():.4f} " + " ".join(f"{k} {v.item():.4f}" for k, v in terms.items()) + f" ({time.time() - t0:.0f} s)", flush=True)
    seconds = time.time() - t0
    net = net.cpu().eval()
    metrics = evaluate(net, basis, val)
    print("validation", json.dumps(metrics), flush=True)

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "landmark-regressor.onnx")
    torch.onnx.export(net, (torch.zeros(1, FEATURES),), onnx_path, opset_version=17, input_names=["features"],
                      output_names=list(OUTPUTS), dynamic_axes={n: {0: "batch"} for n in ["features", *OUTPUTS]})
    import onnx
    model = onnx.load(onnx_path)
    onnx.checker.check_model(model)
    command = explicit_command("models.train_landmark_regressor", vars(args))
    for key, value in {"command": command, "format": "nofa-landmark-regressor/1"}.items():
        model.metadata_props.add(key=key, value=value)
    onnx.save(model, onnx_path)
    data = open(onnx_path, "rb").read()

    # Parity fixture: a few held-out samples through PyTorch, for the ONNX-in-Node test.
    n = 6
    sample = {k: v[:n] for k, v in val.items()}
    sample["landmarks"] = torch.round(sample["landmarks"] * 1000) / 1000
    with torch.no_grad():
        d = decode(net, basis, sample)
    fixture = {
        "samples": [{
            "landmarks": sample["landmarks"][i].reshape(-1).tolist(),
            "valid": sample["valid"][i].tolist(),
            "width": sample["width"][i].item(),
            "height": sample["height"][i].item(),
            "features": d["x"][i].tolist(),
            "alpha": d["alpha"][i].tolist(),
            "beta": d["beta"][i].tolist(),
            "rotation6d": d["r6"][i].tolist(),
            "logFocal": d["logFocal"][i, 0].item(),
            "rotation": d["rotation"][i].reshape(-1).tolist(),
            "translation": d["translation"][i].tolist(),
            "focal": d["focal"][i].item(),
        } for i in range(n)],
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.fixture)), exist_ok=True)
    with open(args.fixture, "w") as fh:
        json.dump(fixture, fh)
    sidecar = {
        "format": "nofa-landmark-regressor",
        "formatVersion": 1,
        "onnx": "landmark-regressor.onnx",
        "inputs": {"features": ["batch", FEATURES]},
        "outputs": {name: ["batch", size] for name, size in OUTPUTS.items()},
        "normalisation": "models/landmark_regressor.py (features): centroid c and RMS radius s of the valid points; "
                         "[v_i (p_i - c) / s with y up] (136), v_i (68), (c.x - W/2)/D, -(c.y - H/2)/D, log(s/D), W/D, H/D; D = max(W, H). "
                         "logFocal = log(f / D); rotation6d = rows 0 and 1 of R; beta in fitExpressions order.",
        "identityCount": IDENTITY,
        "fitExpressions": FIT_EXPRESSIONS,
        "network": {"hidden": args.hidden, "layers": args.layers, "parameters": sum(p.numel() for p in net.parameters())},
        "files": {"landmark-regressor.onnx": {"byteLength": len(data), "sha256": hashlib.sha256(data).hexdigest()}},
        "validation": {"samples": args.validation, "seed": 12345, **metrics},
        "provenance": {"command": command, "seed": args.seed, "steps": args.steps, "trainSeconds": round(seconds),
                       "data": "models/landmark_synth.py (ICT-FaceKit, MIT)", "torch": torch.__version__},
    }
    with open(os.path.join(args.out, "landmark-regressor.json"), "w") as fh:
        json.dump(sidecar, fh, indent=2)
    print(f"exported {onnx_path} ({len(data)} bytes) in {seconds:.0f} s training")


if __name__ == "__main__":
    main()
