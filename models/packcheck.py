"""The load-time checks of docs/formats.md, in Python: used after export and by the tests."""
import hashlib
import json
import os
import sys

import numpy as np

DTYPES = {"float16": np.float16, "float32": np.float32}


class PackError(ValueError):
    def __init__(self, field, message):
        super().__init__("%s: %s" % (field, message))
        self.field = field


def check(folder):
    """Validates folder/pack.json; returns the parsed pack or raises PackError naming the field."""
    with open(os.path.join(folder, "pack.json")) as f:
        pack = json.load(f)
    if pack.get("format") != "nofa-pack":
        raise PackError("format", "expected nofa-pack")
    if pack.get("formatVersion") != 1:
        raise PackError("formatVersion", "expected 1")
    if len(pack["expressionNames"]) != 53:
        raise PackError("expressionNames", "expected 53 names")
    for name, meta in pack["files"].items():
        with open(os.path.join(folder, name), "rb") as f:
            blob = f.read()
        if len(blob) != meta["byteLength"]:
            raise PackError('files["%s"].byteLength' % name, "file has %d bytes" % len(blob))
        if hashlib.sha256(blob).hexdigest() != meta["sha256"]:
            raise PackError('files["%s"].sha256' % name, "hash mismatch")
    arrays = {}
    for name, t in pack["tensors"].items():
        field = 'tensors["%s"]' % name
        if t["dtype"] not in DTYPES:
            raise PackError(field + ".dtype", t["dtype"])
        size = int(np.prod(t["shape"])) * np.dtype(DTYPES[t["dtype"]]).itemsize
        if t["byteLength"] != size:
            raise PackError(field + ".byteLength", "expected %d" % size)
        if t["file"] not in pack["files"] or t["byteOffset"] + size > pack["files"][t["file"]]["byteLength"]:
            raise PackError(field + ".byteOffset", "outside its file")
        with open(os.path.join(folder, t["file"]), "rb") as f:
            f.seek(t["byteOffset"])
            a = np.frombuffer(f.read(size), DTYPES[t["dtype"]]).reshape(t["shape"])
        if not np.isfinite(a).all():
            raise PackError(field, "NaN or infinity")
        arrays[name] = a
    versions = pack.get("compatibleAvatarVersions", [])
    if not (isinstance(versions, list) and all(isinstance(v, str) for v in versions)):
        raise PackError("compatibleAvatarVersions", "must be an array of version strings")
    carve = pack.get("stretchCarve")
    if carve is not None:
        ok = isinstance(carve, dict) and all(isinstance(carve.get(k), (int, float)) for k in ("from", "to"))
        if not (ok and 0 <= carve["from"] < carve["to"]):
            raise PackError("stretchCarve", "must be { from, to } with 0 ≤ from < to")
    eyelids = pack.get("eyelids")
    if eyelids is not None:
        eyes = eyelids.get("eyes") if isinstance(eyelids, dict) else None
        if not (isinstance(eyes, list) and len(eyes) == 2):
            raise PackError("eyelids.eyes", "must list 2 eyes")
        for i, eye in enumerate(eyes):
            for key in ("centre", "radius", "margin"):
                if len(eye[key]["identity"]) != pack["alphaDims"]:
                    raise PackError("eyelids.eyes[%d].%s.identity" % (i, key), "needs one entry per identity coefficient")
            if not len(eye["margin"]["mean"]) == len(eye["margin"]["closedOffset"]) == eyelids["marginPoints"]:
                raise PackError("eyelids.eyes[%d].margin" % i, "needs marginPoints points")
    pe = 3 + 6 * pack["positionalEncoding"]["frequencies"]
    jump = pack["networks"]["deformation"].get("jump")
    if jump is not None and not (isinstance(jump.get("sharpness"), (int, float)) and jump["sharpness"] > 0):
        raise PackError("networks.deformation.jump.sharpness", "must be a positive number")
    sizes = {"decoder": (pack["triplane"]["channels"], 4), "deformation": (pe + pack["alphaDims"] + 53, 3 if jump is None else 7),
             "blend": (pe + pack["alphaDims"], 1)}
    for net, (n_in, n_out) in sizes.items():
        width = n_in
        for i, layer in enumerate(pack["networks"][net]["layers"]):
            w, b = arrays[layer["weight"]], arrays[layer["bias"]]
            if w.shape[1] != width or b.shape != (w.shape[0],):
                raise PackError('networks.%s.layers[%d]' % (net, i), "shape %s after width %d" % (w.shape, width))
            if layer["activation"] not in ("relu", "none"):
                raise PackError('networks.%s.layers[%d].activation' % (net, i), layer["activation"])
            width = w.shape[0]
        if width != n_out:
            raise PackError("networks.%s.layers" % net, "ends with %d outputs, expected %d" % (width, n_out))
    return pack


if __name__ == "__main__":
    check(sys.argv[1])
    print("ok")
