"""Replaces only the backward field (D-Net, W-Net) of an exported pack: weights.bin is rewritten with
the pack's own decoder tensors (same float16 bytes) and the new D-Net/W-Net, generator.onnx and the
decoder/generator fixtures are left untouched, the deformation/blend fixtures are recomputed on the
same points, α and β (with the new positional encoding when the field was trained with other
frequencies: only D-Net and W-Net read it), and pack.json gets the new tensors, hashes, version and
provenance.

    /usr/bin/python3 -m models.export_deformation --deformation models/runs/deformation2 \
        --pack models/packs/ict-base --version 1.1.0
"""
import argparse
import hashlib
import json
import math
import os

import torch

from .blend import WNet
from .deformation import DNet
from .distributed import command_line, explicit_command
from .export import bump_version, field_inputs, fixture, half_round, write_readme, write_weights
from .pack import PackModel
from .packcheck import check


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--deformation", default="models/runs/deformation2")
    p.add_argument("--pack", default="models/packs/ict-base")
    p.add_argument("--version", default="1.1.0")
    return p.parse_args(argv)


def main(argv=None):
    args = parse(argv)
    old = PackModel(args.pack)
    pack = old.pack
    dk = torch.load(os.path.join(args.deformation, "checkpoint.pt"))
    da = dk["args"]
    A, L = pack["alphaDims"], da["frequencies"]
    if da["alpha_dims"] != A:
        raise SystemExit("alpha_dims differs from the pack's")
    dnet = DNet(L, A, 53, da["d_hidden"], da.get("jump", False))
    dnet.load_state_dict(dk["deformation"])
    wnet = WNet(L, A, da["w_hidden"])
    wnet.load_state_dict(dk["blend"])
    dnet, wnet = half_round(dnet), half_round(wnet)
    weights = os.path.join(args.pack, "weights.bin")
    tensors, networks = write_weights({"decoder": old.decoder, "deformation": dnet, "blend": wnet}, weights)
    networks["generator"] = pack["networks"]["generator"]

    # The deformation and blend fixtures, on the points, α and β of the old ones.
    fx = os.path.join(args.pack, "fixtures")
    for name, net in (("deformation", dnet), ("blend", wnet)):
        with open(os.path.join(fx, name + ".json")) as fh:
            f = json.load(fh)
        beta = torch.tensor(f.get("beta", [0.0] * 53))[None]
        d_in, w_in = field_inputs(torch.tensor(f["points"]), torch.tensor(f["alpha"])[None], beta, L, old.box)
        inputs = d_in if name == "deformation" else w_in
        with torch.no_grad():
            out = net(inputs)
        extra = {k: v for k, v in f.items() if k not in ("network", "inputs", "outputs", "tolerance")}
        with open(os.path.join(fx, name + ".json"), "w") as fh:
            json.dump(fixture(name, inputs, out, **extra), fh)

    with open(weights, "rb") as fh:
        blob = fh.read()
    pack["files"]["weights.bin"] = {"byteLength": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}
    pack["tensors"], pack["networks"] = tensors, networks
    pack["positionalEncoding"]["frequencies"] = L
    pack["maxDisplacement"] = max(pack["maxDisplacement"], math.ceil(dk["max_displacement"] * 2) / 2)
    prov = pack["provenance"]
    commands = prov["command"].split(" && ") + [explicit_command("models.train_deformation", da),
                                                command_line("models.export_deformation")]
    prov["command"] = " && ".join(commands)
    if da.get("init_pack") or da.get("canonical_pack"):
        prov["deformationFineTune"] = (
            "the last train_deformation starts from (--init-pack) and renders through (--canonical-pack) the pack "
            "as the earlier commands export it, version %s; this export then replaces only D-Net and W-Net"
            % pack["version"])
    bump_version(pack, args.version)
    prov["trainingSeconds"]["deformationFineTune"] = round(dk["seconds"])
    with open(os.path.join(args.pack, "pack.json"), "w") as fh:
        json.dump(pack, fh, indent=1)
    write_readme(args.pack, pack)
    check(args.pack)
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(args.pack) for f in fs)
    print("pack %s %s: %.2f MB" % (args.pack, args.version, total / 1e6))


if __name__ == "__main__":
    main()
