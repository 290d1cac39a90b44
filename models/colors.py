"""Per-vertex look for the base pack (ICT has no albedo): region colours plus baked soft shading."""
import numpy as np
import torch

from .ict import REGIONS
from .mesh import vertex_normals

SKIN = (0.80, 0.60, 0.50)
LIPS = (0.70, 0.33, 0.33)
SOCKET = (0.32, 0.07, 0.08)
EYE_SOCKET = (0.62, 0.38, 0.34)
TEETH = (0.93, 0.91, 0.84)
GUMS_TONGUE = (0.86, 0.45, 0.48)
SCLERA = (0.95, 0.94, 0.92)
IRIS = (0.30, 0.20, 0.12)
PUPIL = (0.04, 0.03, 0.03)
LASH_LINE = (0.18, 0.12, 0.10)
BROW = (0.36, 0.24, 0.17)
LIGHT = np.array([0.35, 0.55, 0.75]) / np.linalg.norm([0.35, 0.55, 0.75])


def _inside_polygon(pts, poly):
    """Even-odd test of 2D points [N, 2] against a polygon [M, 2]."""
    inside = np.zeros(len(pts), bool)
    for i in range(len(poly)):
        (x0, y0), (x1, y1) = poly[i], poly[i - 1]
        crosses = (y0 > pts[:, 1]) != (y1 > pts[:, 1])
        xi = x0 + (pts[:, 1] - y0) * (x1 - x0) / np.where(y1 == y0, 1e-12, y1 - y0)
        inside ^= crosses & (pts[:, 0] < xi)
    return inside


def _near(pts, targets, radius):
    """Whether each point lies within `radius` of any target point."""
    d = torch.cdist(torch.from_numpy(pts).float(), torch.from_numpy(targets).float())
    return (d.min(1).values < radius).numpy()


def albedo(ict):
    """Per-vertex sRGB albedo [V, 3] from the neutral mesh's regions and landmarks."""
    v = ict.neutral.numpy()
    col = np.zeros_like(v)
    for name, c in [("face", SKIN), ("head", SKIN), ("mouth_socket", SOCKET), ("eye_socket", EYE_SOCKET),
                    ("gums_tongue", GUMS_TONGUE), ("teeth", TEETH), ("eyeballs", SCLERA),
                    ("eye_shells", SCLERA), ("eyelashes", LASH_LINE)]:
        a, b = REGIONS[name]
        col[a:b + 1] = c
    lm = v[np.array(ict.manifest["idx_to_landmark_verts"])]
    face = np.arange(REGIONS["face"][1] + 1)
    # Lips: face vertices inside the outer lip contour (landmarks 48-59) seen from the front.
    lips = _inside_polygon(v[face, :2], lm[48:60, :2]) & (v[face, 2] > lm[48:60, 2].min() - 1.0)
    col[face[lips]] = LIPS
    a, b = REGIONS["mouth_socket"]
    sock = np.arange(a, b + 1)
    col[sock[_near(v[sock], lm[60:68], 0.35)]] = LIPS
    # Brows (landmarks 17-26) and a dark lash line along the eyelids.
    brow_pts = np.concatenate([np.linspace(lm[i], lm[i + 1], 6) for i in list(range(17, 21)) + list(range(22, 26))])
    col[face[_near(v[face], brow_pts, 0.45)]] = BROW
    a, b = REGIONS["eyelashes"]
    col[face[_near(v[face], v[a:b + 1], 0.12)]] = LASH_LINE
    # Iris and pupil: eyeball vertices facing forward from each eyeball's centre.
    a, b = REGIONS["eyeballs"]
    for side in (v[a:b + 1, 0] > 0, v[a:b + 1, 0] <= 0):
        idx = np.arange(a, b + 1)[side]
        d = v[idx] - v[idx].mean(0)
        cos = d[:, 2] / np.linalg.norm(d, axis=1)
        col[idx[cos > 0.88]] = IRIS
        col[idx[cos > 0.975]] = PUPIL
    return torch.from_numpy(col.astype(np.float32))


def shaded(ict, verts, base):
    """Albedo × soft shading (ambient + Lambert from a fixed upper-front light) for verts [V, 3]."""
    n = vertex_normals(verts[None], ict.triangles)[0]
    lam = (n @ torch.from_numpy(LIGHT).float()).clamp(min=0)
    return (base * (0.55 + 0.45 * lam)[:, None]).clamp(0, 1)
