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


def sample_triplane(planes, u):
    """Sum over the three planes of the bilinear samples. planes [B, 3C, R, R], u [B, N, 3] → [B, N, C]."""
    b, c3, r, _ = planes.shape
    c = c3 // 3
    feat = 0
    for p, (i, j) in enumerate(PLANE_AXES):
        grid = torch.stack([u[..., i], u[..., j]], dim=-1)[:, :, None, :]        # [B, N, 1, 2]
        s = F.grid_sample(planes[:, p * c:(p + 1) * c], grid, mode="bilinear",
                          padding_mode="border", align_corners=False)             # [B, C, N, 1]
        feat = feat + s[..., 0].transpose(1, 2)
    return feat
