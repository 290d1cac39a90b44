"""Ground truth for G and the decoder: occupancy and colour of canonical (β = 0) heads around
their surfaces and through the box, one set of points per identity, cached as .npz."""
import os

import numpy as np
import torch

from .colors import albedo, shaded
from .encoding import CANONICAL_BOX
from .mesh import Parts, face_normals, interpolate, sample_surface, vertex_normals
from .occupancy import Grid, occupancy

SURFACE_SOFTNESS = 0.02     # cm: label = sigmoid(−d / softness) for |d| < NEAR
NEAR = 0.1                  # cm
REGION_BOOST = {"face": 1.0, "head": 0.4, "mouth_socket": 1.5, "eye_socket": 1.0,
                "gums_tongue": 1.5, "teeth": 2.0, "eyeballs": 2.0}


def identity_set(alpha_dims, n_random, seed, extremes=6):
    """The mean head, ±3 on each of the first `extremes` modes, then n_random α ~ N(0, 1)."""
    g = torch.Generator().manual_seed(seed)
    rows = [torch.zeros(alpha_dims)]
    for k in range(min(extremes, alpha_dims)):
        for s in (3.0, -3.0):
            a = torch.zeros(alpha_dims)
            a[k] = s
            rows.append(a)
    rows += list(torch.randn(n_random, alpha_dims, generator=g))
    return torch.stack(rows)


def triangle_weights(ict, verts):
    """Sampling weight of each rendered triangle: area × region boost (0 for shells and lashes)."""
    area = face_normals(verts, ict.triangles).norm(dim=-1) / 2
    w = torch.zeros_like(area)
    for name, boost in REGION_BOOST.items():
        w[ict.triangle_mask([name])] = boost
    w[ict.triangles[:, 0] <= 6705] *= 2.0          # the narrow face area
    return area * w


def canonical_samples(ict, parts, grid, alpha, n_surface, n_uniform, gen):
    """Points, occupancy labels (0-1), shaded sRGB and colour weights for one identity."""
    v = ict.vertices(alpha[None])[0]
    occ = occupancy(parts, v.numpy(), grid).astype(np.float32)
    colors = shaded(ict, v, albedo(ict))
    normals = vertex_normals(v[None], ict.triangles)[0]
    idx, bary = sample_surface(n_surface, triangle_weights(ict, v), gen)
    s = interpolate(v, ict.triangles, idx, bary)
    n = torch.nn.functional.normalize(interpolate(normals, ict.triangles, idx, bary), dim=-1)
    wide = torch.rand(n_surface, generator=gen) < 0.35
    d = torch.randn(n_surface, generator=gen) * torch.where(wide, 0.4, 0.06)
    p_s = s + d[:, None] * n
    lo, hi = torch.tensor(CANONICAL_BOX[0]), torch.tensor(CANONICAL_BOX[1])
    p_u = lo + (hi - lo) * torch.rand(n_uniform, 3, generator=gen)
    pts = torch.cat([p_s, p_u])
    label = torch.from_numpy(grid.sample(occ, pts.double().numpy()).astype(np.float32))
    near = d.abs() < NEAR
    label[:n_surface][near] = torch.sigmoid(-d[near] / SURFACE_SOFTNESS)
    rgb = torch.cat([interpolate(colors, ict.triangles, idx, bary), torch.zeros(n_uniform, 3)])
    w_rgb = torch.cat([torch.exp(-(d / 0.2) ** 2), torch.zeros(n_uniform)])
    return {"points": pts.numpy(), "occupancy": label.numpy().astype(np.float16),
            "rgb": (rgb.numpy() * 255).round().astype(np.uint8), "rgb_weight": w_rgb.numpy().astype(np.float16)}


def build(ict, alphas, n_surface, n_uniform, seed, cache=None, voxel=0.15, log=print):
    """Samples for every identity (stacked [I, N, …]); reused from `cache` when it matches."""
    key = dict(n=len(alphas), dims=alphas.shape[1], ns=n_surface, nu=n_uniform, seed=seed, voxel=voxel,
               asum=float(alphas.abs().sum()))
    if cache and os.path.exists(cache):
        z = np.load(cache, allow_pickle=True)
        if z["key"].item() == key:
            return {k: z[k] for k in ("points", "occupancy", "rgb", "rgb_weight")}
    parts, grid = Parts(ict), Grid(*CANONICAL_BOX, voxel)
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for i, a in enumerate(alphas):
        s = canonical_samples(ict, parts, grid, a, n_surface, n_uniform, gen)
        for k, v in s.items():
            out.setdefault(k, []).append(v)
        log("ground truth: identity %d/%d" % (i + 1, len(alphas)))
    out = {k: np.stack(v) for k, v in out.items()}
    if cache:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        np.savez(cache, key=np.array(key, dtype=object), **out)
    return out
