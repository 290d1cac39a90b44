"""The landmark regressor: 68 image landmarks → a first guess of the 3DMM fit (α, β, rotation, focal).

Input features (computed the same way by plugin/reconstruction/landmarkRegressor.ts), from the
landmarks p_i (px, y down), their validity v_i ∈ {0, 1} and the image size W × H, D = max(W, H):
  c = Σ v_i p_i / Σ v_i (centroid), s = sqrt(Σ v_i |p_i − c|² / Σ v_i) (RMS radius),
  [ v_i (p_i.x − c.x) / s, −v_i (p_i.y − c.y) / s ]  for i = 0…67   (136, interleaved, y up)
  v_i                                                  for i = 0…67   (68)
  (c.x − W/2) / D, −(c.y − H/2) / D, log(s / D), W / D, H / D        (5)
Outputs: alpha [20] (first identity modes), beta [9] (FIT_EXPRESSIONS, through a sigmoid),
rotation6d [6] (the first two rows of R, p_camera = R · X + t; orthonormalised by the runtime),
logFocal [1] = log(f / D). The translation is not predicted: given R, α, β and f, the runtime
solves it in closed form (linear least squares on the algebraic reprojection error).
"""
import torch
from torch import nn

from .landmark_synth import IDENTITY, LANDMARKS, FIT_EXPRESSIONS

FEATURES = 3 * LANDMARKS + 5
OUTPUTS = {"alpha": IDENTITY, "beta": len(FIT_EXPRESSIONS), "rotation6d": 6, "logFocal": 1}
# The fit's landmark weights: the jaw contour at half (plugin/reconstruction/multiPie68.ts).
LANDMARK_WEIGHTS = torch.tensor([0.5] * 17 + [1.0] * (LANDMARKS - 17))


def features(landmarks, valid, width, height):
    """Network input [B, 209] from landmarks [B, 68, 2] px, valid [B, 68] (0/1), width [B], height [B]."""
    v = valid[..., None]
    n = valid.sum(1)
    c = (landmarks * v).sum(1) / n[:, None]
    d = landmarks - c[:, None]
    s = torch.sqrt(((d * d).sum(-1) * valid).sum(1) / n)
    q = d / s[:, None, None] * v
    q = torch.stack([q[..., 0], -q[..., 1]], -1).reshape(-1, 2 * LANDMARKS)
    big = torch.maximum(width, height)
    tail = torch.stack([(c[:, 0] - width / 2) / big, -(c[:, 1] - height / 2) / big, torch.log(s / big), width / big, height / big], -1)
    return torch.cat([q, valid, tail], -1)


class LandmarkRegressor(nn.Module):
    """An MLP: features → hidden (ReLU) × layers → the four outputs."""

    def __init__(self, hidden=256, layers=3):
        super().__init__()
        widths = [FEATURES] + [hidden] * layers
        body = []
        for a, b in zip(widths[:-1], widths[1:]):
            body += [nn.Linear(a, b), nn.ReLU()]
        self.body = nn.Sequential(*body)
        self.head = nn.Linear(hidden, sum(OUTPUTS.values()))

    def forward(self, x):
        y = self.head(self.body(x))
        alpha, beta, r6, log_focal = torch.split(y, list(OUTPUTS.values()), -1)
        return alpha, torch.sigmoid(beta), r6, log_focal


def rotation_from_6d(r6):
    """Rows 0 and 1 (Gram–Schmidt) and their cross product: [B, 3, 3]."""
    a, b = r6[:, :3], r6[:, 3:]
    r0 = a / a.norm(dim=-1, keepdim=True)
    b = b - (r0 * b).sum(-1, keepdim=True) * r0
    r1 = b / b.norm(dim=-1, keepdim=True)
    return torch.stack([r0, r1, torch.cross(r0, r1, dim=-1)], 1)


def solve_translation(points, landmarks, weights, rotation, focal, width, height):
    """t minimising Σ w_i |algebraic reprojection error|² for known R, model points [B, 68, 3], focal [B]:
    with a = (u − cx)/f, b = (cy − v)/f and q = R X: t_x + a t_z = −a q_z − q_x, t_y + b t_z = −b q_z − q_y."""
    q = torch.einsum("bij,bvj->bvi", rotation, points)
    a = (landmarks[..., 0] - width[:, None] / 2) / focal[:, None]
    b = (height[:, None] / 2 - landmarks[..., 1]) / focal[:, None]
    w = weights
    zero, one = torch.zeros_like(a), torch.ones_like(a)
    rows = torch.cat([torch.stack([one, zero, a], -1), torch.stack([zero, one, b], -1)], 1)     # [B, 136, 3]
    rhs = torch.cat([-a * q[..., 2] - q[..., 0], -b * q[..., 2] - q[..., 1]], 1)                 # [B, 136]
    ww = torch.cat([w, w], 1)
    ata = torch.einsum("bni,bn,bnj->bij", rows, ww, rows)
    atb = torch.einsum("bni,bn,bn->bi", rows, ww, rhs)
    return torch.linalg.solve(ata, atb)


def project(points, rotation, translation, focal, width, height):
    """Pixels [B, 68, 2] of model points under the fit's camera."""
    p = torch.einsum("bij,bvj->bvi", rotation, points) + translation[:, None]
    z = -p[..., 2]
    return torch.stack([width[:, None] / 2 + focal[:, None] * p[..., 0] / z, height[:, None] / 2 - focal[:, None] * p[..., 1] / z], -1)
