"""Loads an exported pack back into torch (weights.bin, and G's initializers from generator.onnx),
so evaluations run exactly what the runtime loads."""
import json
import math
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .decoder import density, rgb
from .deformation import backward_displacement
from .encoding import normalise, positional_encoding, sample_triplane
from .eyelids import EyelidRig
from .generator import Generator
from .mlp import MLP
from .packcheck import check


def _mlp(pack, folder, name):
    layers = pack["networks"][name]["layers"]
    arrays = {}
    with open(os.path.join(folder, "weights.bin"), "rb") as f:
        blob = f.read()
    for layer in layers:
        for key in (layer["weight"], layer["bias"]):
            t = pack["tensors"][key]
            a = np.frombuffer(blob, "<f2", count=int(np.prod(t["shape"])), offset=t["byteOffset"]).reshape(t["shape"])
            arrays[key] = torch.from_numpy(a.astype(np.float32))
    widths = [arrays[layers[0]["weight"]].shape[1]] + [arrays[l["weight"]].shape[0] for l in layers]
    net = MLP(widths)
    with torch.no_grad():
        for lin, layer in zip(net.layers, layers):
            lin.weight.copy_(arrays[layer["weight"]])
            lin.bias.copy_(arrays[layer["bias"]])
    return net.eval()


def _generator(pack, folder):
    model = onnx.load(os.path.join(folder, pack["networks"]["generator"]["onnx"]))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    c, r = pack["triplane"]["channels"], pack["triplane"]["resolution"]
    mean = next(a for a in inits.values() if a.shape == (3 * c, r, r))
    basis = next(a for a in inits.values() if a.ndim == 2 and a.shape[0] == pack["alphaDims"])
    g = Generator(pack["alphaDims"], c, r, int(math.isqrt(basis.shape[1] // (3 * c))))
    with torch.no_grad():
        planes = torch.from_numpy(mean.astype(np.float32)).view(3, c, r, r)
        g.mean.copy_(planes.permute(0, 2, 3, 1).reshape(3 * r * r, c))
        g.basis.copy_(torch.from_numpy(basis.astype(np.float32)))
    return g.eval()


class PackModel:
    """The networks of a pack and the backward-warped radiance field they define."""

    def __init__(self, folder):
        self.pack = check(folder)
        self.decoder = _mlp(self.pack, folder, "decoder")
        self.dnet = _mlp(self.pack, folder, "deformation")
        self.wnet = _mlp(self.pack, folder, "blend")
        self.jump_sharpness = self.pack["networks"]["deformation"].get("jump", {}).get("sharpness")
        carve = self.pack.get("stretchCarve")
        self.stretch_carve = (carve["from"], carve["to"]) if carve else None
        self.eyelids = self.pack.get("eyelids")
        self.generator = _generator(self.pack, folder)
        self.frequencies = self.pack["positionalEncoding"]["frequencies"]
        box = self.pack["canonicalBox"]
        self.box = (tuple(box["min"]), tuple(box["max"]))

    @property
    def deformed_box(self):
        m = self.pack["maxDisplacement"]
        return tuple(v - m for v in self.box[0]), tuple(v + m for v in self.box[1])

    def triplane(self, alpha):
        with torch.no_grad():
            return self.generator(alpha[None])

    def displacement(self, xd, alpha, beta):
        """w·Δx at deformed points xd [N, 3] (cm)."""
        pe = positional_encoding(normalise(xd, self.box), self.frequencies)
        a = alpha[None].expand(len(xd), -1)
        w = torch.sigmoid(self.wnet(torch.cat([pe, a], -1)))
        raw = self.dnet(torch.cat([pe, a, beta[None].expand(len(xd), -1)], -1))
        return backward_displacement(w, raw, self.jump_sharpness)

    def eyelid_rig(self, alpha):
        """The eyelid rig for identity α (models/eyelids.py), or None for a pack without one."""
        return EyelidRig(self.eyelids, alpha, self.pack["expressionNames"]) if self.eyelids else None

    def backward(self, xd, alpha, beta, rig=None):
        """Canonical points for deformed points xd [N, 3]: the eyelid rig `rig` (of α; none: no rig), plus w·Δx."""
        base = rig.backward(xd, beta) if rig is not None else xd
        return base + self.displacement(xd, alpha, beta)

    def radiance(self, planes, xc):
        """[density per cm, sRGB] [N, 4] at canonical points xc [N, 3]; empty outside the canonical box."""
        u = normalise(xc, self.box)
        o = self.decoder(sample_triplane(planes, u[None])[0])
        inside = (u.abs() <= 1).all(-1)
        return torch.cat([(density(o) * inside)[:, None], rgb(o)], 1)
