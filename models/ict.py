"""ICT-FaceKit loader: the 3DMM as torch tensors, with its regions and mesh parts."""
import json
import os
from dataclasses import dataclass, field

import numpy as np
import torch

DEFAULT_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "ict-facekit")

# Inclusive vertex ranges by region (ICT-FaceKit documentation).
REGIONS = {
    "face": (0, 9408),
    "head": (9409, 11247),
    "mouth_socket": (11248, 13293),
    "eye_socket": (13294, 14061),
    "gums_tongue": (14062, 17038),
    "teeth": (17039, 21450),
    "eyeballs": (21451, 24590),
    "eye_shells": (24591, 25350),
    "eyelashes": (25351, 26718),
}
NARROW_FACE = (0, 6705)


def ict_dir(path=None):
    """The ICT-FaceKit folder: `path`, else $NOFA_ICT_DIR, else ../shared/ict-facekit."""
    return os.path.abspath(path or os.environ.get("NOFA_ICT_DIR") or DEFAULT_DIR)


@dataclass
class ICT:
    """The 3DMM: vertices(α, β) = neutral + Σ α_i identity_i + Σ β_j expression_j (cm)."""

    neutral: torch.Tensor          # [V, 3]
    identity: torch.Tensor         # [A, V, 3] (first alpha_dims modes)
    expression: torch.Tensor       # [53, V, 3]
    triangles: torch.Tensor        # [T, 3] int64
    manifest: dict = field(repr=False)

    @property
    def alpha_dims(self):
        return self.identity.shape[0]

    @property
    def expression_names(self):
        return list(self.manifest["expressionNames"])

    def vertices(self, alpha, beta=None):
        """Vertices for α [B, A] (and β [B, 53]); returns [B, V, 3]."""
        v = self.neutral + torch.einsum("ba,avc->bvc", alpha, self.identity)
        if beta is not None:
            v = v + torch.einsum("be,evc->bvc", beta, self.expression)
        return v

    def region_of_vertex(self):
        """Index into REGIONS' order for every vertex."""
        reg = torch.zeros(self.neutral.shape[0], dtype=torch.long)
        for i, (a, b) in enumerate(REGIONS.values()):
            reg[a:b + 1] = i
        return reg

    def triangle_mask(self, names):
        """Triangles whose first vertex lies in one of the named regions."""
        first = self.triangles[:, 0]
        mask = torch.zeros(first.shape[0], dtype=torch.bool)
        for n in names:
            a, b = REGIONS[n]
            mask |= (first >= a) & (first <= b)
        return mask


def load_ict(path=None, alpha_dims=100):
    """Reads the compact ICT-FaceKit binaries (see ../shared/ict-facekit/README.md)."""
    d = ict_dir(path)
    with open(os.path.join(d, "manifest.json")) as f:
        manifest = json.load(f)
    nv = manifest["vertexCount"]
    neutral = np.fromfile(os.path.join(d, "neutral.f32"), "<f4").reshape(nv, 3)
    ident = np.memmap(os.path.join(d, "identity_modes.f16"), "<f2", mode="r", shape=(100, nv, 3))[:alpha_dims]
    expr = np.fromfile(os.path.join(d, "expression_modes.f16"), "<f2").reshape(53, nv, 3)
    tris = np.fromfile(os.path.join(d, "triangles.i32"), "<i4").reshape(-1, 3)
    return ICT(
        neutral=torch.from_numpy(neutral.copy()),
        identity=torch.from_numpy(np.asarray(ident, dtype=np.float32)),
        expression=torch.from_numpy(expr.astype(np.float32)),
        triangles=torch.from_numpy(tris.astype(np.int64)),
        manifest=manifest,
    )
