"""Exports the base model pack (docs/formats.md): pack.json, float16 weights.bin, generator.onnx,
parity fixtures and the licence notice.

    /usr/bin/python3 -m models.export --canonical models/runs/canonical --deformation models/runs/deformation \
        --out models/packs/ict-base
"""
import argparse
import datetime
import hashlib
import json
import math
import os

import numpy as np
import onnx
import torch

from .blend import WNet
from .decoder import Decoder
from .deformation import JUMP_SHARPNESS, DNet
from .distributed import command_line, explicit_command
from .encoding import CANONICAL_BOX, normalise, positional_encoding, sample_triplane
from .generator import Generator, HalfGenerator
from .ict import ict_dir, load_ict
from .packcheck import check

TOLERANCE = {  # |torch − other| ≤ abs + rel·|torch|, other = WGSL/TS in float32 or onnxruntime
    "decoder": {"abs": 2e-3, "rel": 1e-3},
    "deformation": {"abs": 1e-3, "rel": 1e-3},
    "blend": {"abs": 1e-3, "rel": 1e-3},
    "generator": {"abs": 1e-4, "rel": 1e-4},
}
README = """# ict-base: the NOFA++ base model pack

Networks shared by every avatar (format: docs/formats.md; how they were trained: docs/models.md).

- G (`generator.onnx`): identity α (first {alpha} ICT modes) → canonical tri-plane 3 × {c} × {r} × {r}.
- decoder: tri-plane feature → density (softplus, per cm) and sRGB colour (sigmoid).
- D-Net (`deformation`), W-Net (`blend`): the backward field x_c = x_d + w(x_d, α)·Δx(x_d, α, β).
- `stretchCarve` (pack.json, when present): density × smoothstep(from, to, det ∂x_c/∂x_d), so that the space
  an open mouth adds, which the backward map squeezes onto the closed canonical lips, is empty.
- `eyelids` (pack.json, when present): the eyelid rig, blinks as a closed-form backward map (each
  closing upper lid turned about its eye's lateral axis; models/eyelids.py, fixtures/eyelids.json).
- `fixtures/`: PyTorch inputs and outputs of each network for parity tests (tolerances inside).

ICT-FaceKit has no albedo: this pack paints a neutral skin tone with soft baked shading and
distinct lips, teeth, tongue, eyes and mouth interior.

Reproduce (seed {seed}):

    {command}

3DMM: ICT-FaceKit, MIT (notice below and in pack.json).

{license}"""


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--canonical", default="models/runs/canonical")
    p.add_argument("--deformation", default="models/runs/deformation")
    p.add_argument("--out", default="models/packs/ict-base")
    p.add_argument("--ict")
    p.add_argument("--id", default="ict-base")
    p.add_argument("--version", default="1.0.0")
    p.add_argument("--seed", type=int, default=0, help="seed of the fixture inputs")
    p.add_argument("--fixture-rows", type=int, default=64)
    p.add_argument("--stretch-carve", type=float, nargs=2, default=[0.5, 0.9], metavar=("FROM", "TO"),
                   help="the pack's stretchCarve (models/stretch_carve.py); measure it with models.eval_geometry")
    p.add_argument("--no-stretch-carve", action="store_true", help="a pack without stretchCarve")
    p.add_argument("--no-eyelids", action="store_true", help="a pack without the eyelid rig (models/eyelids.py)")
    return p.parse_args(argv)


def write_readme(folder, pack):
    """The pack's README.md: what it holds, the commands of its provenance, the 3DMM's licence notice."""
    t = pack["triplane"]
    with open(os.path.join(folder, "README.md"), "w") as fh:
        fh.write(README.format(alpha=pack["alphaDims"], c=t["channels"], r=t["resolution"], seed=pack["provenance"]["seed"],
                               command=" &&\n    ".join(pack["provenance"]["command"].split(" && ")),
                               license=pack["licenses"][0]["notice"]))


def bump_version(pack, version):
    """Sets the pack's version after a change that keeps G and the decoder (the backward field, the stretch
    carve): avatars made for the earlier versions still render, so they go into compatibleAvatarVersions."""
    if version != pack["version"]:
        earlier = pack.get("compatibleAvatarVersions", []) + [pack["version"]]
        pack["compatibleAvatarVersions"] = sorted(set(earlier) - {version}, key=earlier.index)
        pack["version"] = version


def save_amended_pack(folder, pack, version, module):
    """Writes pack.json back after `module` (a command of this package) changed only what keeps G and the
    decoder: the new version (see bump_version), the command appended to the provenance, the README, checked."""
    bump_version(pack, version)
    pack["provenance"]["command"] += " && " + command_line(module)
    with open(os.path.join(folder, "pack.json"), "w") as fh:
        json.dump(pack, fh, indent=1)
    write_readme(folder, pack)
    check(folder)


def half_round(module):
    """The module with its parameters rounded to float16 (what the pack stores), in float32."""
    with torch.no_grad():
        for prm in module.parameters():
            prm.copy_(prm.half().float())
    return module.eval()


def write_weights(nets, path):
    """Concatenates float16 tensors; returns (tensors table, networks table)."""
    tensors, networks, offset, blobs = {}, {}, 0, []
    for name, net in nets.items():
        layers = []
        for i, (layer, act) in enumerate(zip(net.layers, net.activations())):
            entry = {"activation": act}
            for kind in ("weight", "bias"):
                key = "%s.%d.%s" % (name, i, kind)
                a = getattr(layer, kind).detach().numpy().astype("<f2")
                tensors[key] = {"file": "weights.bin", "dtype": "float16", "shape": list(a.shape),
                                "byteOffset": offset, "byteLength": a.nbytes}
                blobs.append(a.tobytes())
                offset += a.nbytes
                entry[kind] = key
            layers.append({"weight": entry["weight"], "bias": entry["bias"], "activation": act})
        networks[name] = {"layers": layers}
        if name == "deformation" and net.layers[-1].out_features == 7:
            networks[name]["jump"] = {"sharpness": JUMP_SHARPNESS}
    with open(path, "wb") as f:
        f.write(b"".join(blobs))
    return tensors, networks


def canonical_args(args):
    """A canonical run's options; runs from before --basis-decay and --extreme-modes used 0 and 6."""
    return {"basis_decay": 0.0, "extreme_modes": 6, **args}


def training_seconds(ck, dk):
    out = {"canonical": round(ck["seconds"]), "deformation": round(dk["seconds"])}
    if ck["args"].get("init"):
        out["canonicalWarmStart"] = round(torch.load(ck["args"]["init"])["seconds"])
    return out


def field_inputs(points, alpha, beta, frequencies, box=CANONICAL_BOX):
    """D-Net's and W-Net's inputs at points [N, 3] (cm) for α [1, A] and β [1, 53]: [PE(u), α, β] and [PE(u), α]."""
    pe = positional_encoding(normalise(points, box), frequencies)
    a = alpha.expand(len(points), -1)
    return torch.cat([pe, a, beta.expand(len(points), -1)], -1), torch.cat([pe, a], -1)


def fixture(network, inputs, outputs, **extra):
    return dict(network=network, inputs=inputs.tolist(), outputs=outputs.tolist(), tolerance=TOLERANCE[network], **extra)


def main(argv=None):
    from . import eyelids  # it uses this module's helpers
    args = parse(argv)
    ck = torch.load(os.path.join(args.canonical, "checkpoint.pt"))
    dk = torch.load(os.path.join(args.deformation, "checkpoint.pt"))
    ca, da = ck["args"], dk["args"]
    if ca["alpha_dims"] != da["alpha_dims"]:
        raise SystemExit("alpha_dims differ between the canonical and deformation runs")
    A, C, R, L = ca["alpha_dims"], ca["channels"], ca["resolution"], da["frequencies"]
    g = Generator(A, C, R, ca["basis_resolution"])
    g.load_state_dict(ck["generator"])
    dec = Decoder(C, ca["hidden"])
    dec.load_state_dict(ck["decoder"])
    dnet = DNet(L, A, 53, da["d_hidden"], da.get("jump", False))
    dnet.load_state_dict(dk["deformation"])
    wnet = WNet(L, A, da["w_hidden"])
    wnet.load_state_dict(dk["blend"])
    dec, dnet, wnet = half_round(dec), half_round(dnet), half_round(wnet)
    hg = HalfGenerator(g).eval()
    os.makedirs(os.path.join(args.out, "fixtures"), exist_ok=True)

    tensors, networks = write_weights({"decoder": dec, "deformation": dnet, "blend": wnet},
                                      os.path.join(args.out, "weights.bin"))
    onnx_path = os.path.join(args.out, "generator.onnx")
    torch.onnx.export(hg, torch.zeros(1, A), onnx_path, input_names=["alpha"], output_names=["triplane"],
                      opset_version=17, do_constant_folding=False)
    onnx.checker.check_model(onnx.load(onnx_path))
    networks["generator"] = {"onnx": "generator.onnx", "input": "alpha", "output": "triplane"}

    # Fixtures: points near the face of a random identity and expression.
    ict = load_ict(args.ict, A)
    gen = torch.Generator().manual_seed(args.seed)
    n = args.fixture_rows
    alpha = torch.randn(1, A, generator=gen)
    beta = torch.zeros(1, 53)
    beta[0, torch.randint(53, (4,), generator=gen)] = torch.rand(4, generator=gen)
    verts = ict.vertices(alpha)[0]
    pts = verts[torch.randint(14062, (n,), generator=gen)] + 0.3 * torch.randn(n, 3, generator=gen)
    with torch.no_grad():
        planes = hg(alpha)
        feat = sample_triplane(planes, normalise(pts)[None])[0]
        d_in, w_in = field_inputs(pts, alpha, beta, L)
        fix = {
            "decoder": fixture("decoder", feat, dec(feat), points=pts.tolist(),
                               note="inputs: tri-plane features of G(alpha) at points (cm); outputs: raw o0..3"),
            "deformation": fixture("deformation", d_in, dnet(d_in), points=pts.tolist(), alpha=alpha[0].tolist(),
                                   beta=beta[0].tolist(), note="inputs: [PE(u_d), alpha, beta]; outputs: dx (cm), or a, j, s with a jump"),
            "blend": fixture("blend", w_in, wnet(w_in), points=pts.tolist(), alpha=alpha[0].tolist(),
                             note="inputs: [PE(u_d), alpha]; outputs: raw o0 (w = sigmoid(o0))"),
        }
        flat = planes.reshape(-1)
        idx = torch.randint(flat.numel(), (512,), generator=gen)
        fix["generator"] = {"network": "generator", "inputs": alpha.tolist(), "indices": idx.tolist(),
                            "outputs": flat[idx].tolist(), "shape": list(planes.shape),
                            "sums": planes.reshape(3 * C, -1).sum(1).tolist(), "tolerance": TOLERANCE["generator"],
                            "note": "triplane[indices] of G(inputs[0]) (flat, row-major [1,3C,R,R]); sums: per channel"}
    for name, f in fix.items():
        with open(os.path.join(args.out, "fixtures", name + ".json"), "w") as fh:
            json.dump(f, fh)

    files = {}
    for name in ("weights.bin", "generator.onnx"):
        with open(os.path.join(args.out, name), "rb") as fh:
            blob = fh.read()
        files[name] = {"byteLength": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}
    with open(os.path.join(ict_dir(args.ict), "LICENSE")) as fh:
        license_text = fh.read()
    commands = [explicit_command("models.train_canonical", canonical_args(ca)),
                explicit_command("models.train_deformation", da), command_line("models.export")]
    if ca.get("init"):  # a warm start: the run it started from comes first
        commands.insert(0, explicit_command("models.train_canonical", canonical_args(torch.load(ca["init"])["args"])))
    pack = {
        "format": "nofa-pack", "formatVersion": 1, "id": args.id, "version": args.version, "units": "cm",
        "canonicalBox": {"min": list(CANONICAL_BOX[0]), "max": list(CANONICAL_BOX[1])},
        "maxDisplacement": math.ceil(dk["max_displacement"] * 2) / 2,
        "alphaDims": A, "expressionNames": ict.expression_names,
        "triplane": {"channels": C, "resolution": R},
        "positionalEncoding": {"frequencies": L},
        "networks": networks, "tensors": tensors, "files": files,
        **({} if args.no_stretch_carve else {"stretchCarve": {"from": args.stretch_carve[0], "to": args.stretch_carve[1]}}),
        **({} if args.no_eyelids else {"eyelids": eyelids.basis(ict)}),
        "provenance": {"command": " && ".join(commands), "seed": ca["seed"],
                       "createdAt": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "data": "3DMM: ICT-FaceKit, MIT",
                       "trainingSeconds": training_seconds(ck, dk)},
        "licenses": [{"component": "ICT-FaceKit 3DMM", "license": "MIT", "notice": license_text}],
    }
    with open(os.path.join(args.out, "pack.json"), "w") as fh:
        json.dump(pack, fh, indent=1)
    write_readme(args.out, pack)
    check(args.out)
    if not args.no_eyelids:
        eyelids.write_fixture(args.out, pack, ict)
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(args.out) for f in fs)
    print("pack %s: %.2f MB" % (args.out, total / 1e6))


if __name__ == "__main__":
    main()
