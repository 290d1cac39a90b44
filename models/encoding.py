"""Shared maths of the pack contract (docs/formats.md): box normalisation, PE, tri-plane sampling."""
import math

import torch
import torch.nn.functional as F

CANONICAL_BOX = ((-15.0, -22.0, -12.0), (15.0, 17.0, 16.0))
PLANE_AXES = ((0, 1), (0, 2), (1, 2))   # xy, xz, yz: (column coordinate, row coordinate)


def normalise(x, box=CANONICAL_BOX):
    """u = 2 (x − min) / (max − min) − 1."""
    lo = torch.tensor(box[0], dtype=x.dtype, device=x.device)
    hi = torch.tensor(box[1], dtype=x.dtype, device=x.device)
    return 2 * (x - lo) / (hi - lo) - 1


def positional_encoding(u, frequencies):
    """[u, sin(2^k π u), cos(2^k π u) for k < L], length 3 + 6L."""
    out = [u]
    for k in range(frequencies):
        a = (2.0 ** k) * math.pi * u
        out += [torch.sin(a), torch.cos(a)]
    return torch.cat(out, dim=-1)


def bilinear_taps(gx, gy, r):
    """The 4 texels (row-major index into an R×R plane) and weights that grid_sample(align_corners=False,
    padding_mode="border") blends at grid coords gx, gy [...]: ([..., 4] long, [..., 4])."""
    x = (((gx + 1) * r - 1) / 2).clamp(0, r - 1)
    y = (((gy + 1) * r - 1) / 2).clamp(0, r - 1)
    x0, y0 = x.floor().clamp(max=r - 2), y.floor().clamp(max=r - 2)
    wx, wy = x - x0, y - y0
    base = y0.long() * r + x0.long()
    idx = torch.stack([base, base + 1, base + r, base + r + 1], -1)
    w = torch.stack([(1 - wx) * (1 - wy), wx * (1 - wy), (1 - wx) * wy, wx * wy], -1)
    return idx, w


def triplane_taps(u, r):
    """Taps of the three planes at u [B, N, 3]: indices into a [3·R·R] channel-last table, [B, N, 12]."""
    idx, w = zip(*(bilinear_taps(u[..., i], u[..., j], r) for i, j in PLANE_AXES))
    offsets = torch.arange(3, device=u.device).repeat_interleave(4) * r * r
    return torch.cat(idx, -1) + offsets, torch.cat(w, -1)


def gather(table, idx, w):
    """Σ_k w[..., k] · table[idx[..., k]]: one gather for all taps (its backward is one scatter-add)."""
    rows = table.index_select(0, idx.reshape(-1)).view(*idx.shape, table.shape[1])
    return (rows * w[..., None]).sum(-2)


def sample_triplane(planes, u):
    """Sum over the three planes of the bilinear samples. planes [B, 3C, R, R], u [B, N, 3] → [B, N, C]."""
    b, c3, r, _ = planes.shape
    table = planes.view(b, 3, c3 // 3, r, r).permute(0, 1, 3, 4, 2).reshape(b * 3 * r * r, c3 // 3)
    idx, w = triplane_taps(u, r)
    idx = idx + (torch.arange(b, device=u.device) * 3 * r * r)[:, None, None]
    return gather(table, idx, w)


def sample_triplane_reference(planes, u):
    """The same with torch's grid_sample (the contract's definition), for checks."""
    b, c3, r, _ = planes.shape
    c = c3 // 3
    feat = 0
    for p, (i, j) in enumerate(PLANE_AXES):
        grid = torch.stack([u[..., i], u[..., j]], dim=-1)[:, :, None, :]
        s = F.grid_sample(planes[:, p * c:(p + 1) * c], grid, mode="bilinear", padding_mode="border", align_corners=False)
        feat = feat + s[..., 0].transpose(1, 2)
    return feat
