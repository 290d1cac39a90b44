"""Synthetic 68-point landmark problems from ICT-FaceKit, for the landmark regressor.

Each sample: a random ICT face (α on the first 20 identity modes ~ N(0, 1), a few at ±2–3, plus a
residual on modes 20–59 the fit cannot represent), realistic expression weights (the nine the fit
solves for, plus small amounts of the others), a head pose (yaw ±45°, pitch ±25°, roll ±20°), a
distance of 30–150 cm, a focal length of 20–85 mm full-frame equivalent (f = f_mm / 36 mm × the
image's long side; log-normal around 36 mm with σ 0.3, the landmark fit's prior), an image of 320–2048 px on its long side with a common aspect ratio, the face
centre anywhere in the middle of the frame; projected with the fit's camera (pinhole at the origin
looking along −z, principal point at the image centre, `u = cx + f·x/(−z)`, `v = cy − f·y/(−z)`),
then per-point noise of 0.5–4 % of the inter-ocular distance (jaw contour twice that), sometimes
a few outliers, sometimes a few points dropped (validity 0). Samples with points outside the image
or an inter-ocular distance under 24 px are drawn again.
"""
import math

import torch

from .ict import load_ict

FIT_EXPRESSIONS = ["jawOpen", "mouthSmile_L", "mouthSmile_R", "eyeBlink_L", "eyeBlink_R",
                   "browInnerUp_L", "browInnerUp_R", "browDown_L", "browDown_R"]
IDENTITY = 20          # α modes the fit (and the regressor) solve for
RESIDUAL_IDENTITY = 40  # further modes drawn into the face but not predicted
LANDMARKS = 68
JAW = slice(0, 17)
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 36, 45


class LandmarkBasis:
    """The 68 landmark vertices' rows of ICT-FaceKit (cm), the same numbers as IctLandmarkBasis in TS."""

    def __init__(self, path=None):
        ict = load_ict(path, alpha_dims=IDENTITY + RESIDUAL_IDENTITY)
        idx = torch.tensor(ict.manifest["idx_to_landmark_verts"], dtype=torch.long)
        assert idx.numel() == LANDMARKS
        self.mean = ict.neutral[idx].clone()                       # [68, 3]
        self.identity = ict.identity[:, idx].clone()               # [60, 68, 3]
        self.expression = ict.expression[:, idx].clone()           # [53, 68, 3]
        names = ict.expression_names
        self.fit_indices = torch.tensor([names.index(n) for n in FIT_EXPRESSIONS], dtype=torch.long)
        self.expression_names = names

    def points(self, alpha, beta):
        """Landmarks [B, 68, 3] for α [B, ≤60] and β [B, 53]."""
        a = alpha.shape[1]
        return self.mean + torch.einsum("ba,avc->bvc", alpha, self.identity[:a]) + torch.einsum("be,evc->bvc", beta, self.expression)


def rotation_from_euler(yaw, pitch, roll):
    """R = Rz(roll) · Rx(pitch) · Ry(yaw), [B, 3, 3] (radians)."""
    def rot(axis, angle):
        c, s = torch.cos(angle), torch.sin(angle)
        o, z = torch.ones_like(angle), torch.zeros_like(angle)
        if axis == "x":
            m = [o, z, z, z, c, -s, z, s, c]
        elif axis == "y":
            m = [c, z, s, z, o, z, -s, z, c]
        else:
            m = [c, -s, z, s, c, z, z, z, o]
        return torch.stack(m, -1).reshape(-1, 3, 3)
    return rot("z", roll) @ rot("x", pitch) @ rot("y", yaw)


def _expressions(n, fit_indices, g):
    beta = torch.zeros(n, 53)
    u = lambda *s: torch.rand(*s, generator=g)  # noqa: E731
    # Small amounts of every other expression (the detector's faces are never exactly the nine).
    other = (u(n, 53) < 0.15).float() * u(n, 53) * 0.3
    beta += other
    beta[:, fit_indices] = 0
    jaw, sl, sr, bl, br, iul, iur, bdl, bdr = fit_indices.tolist()
    beta[:, jaw] = (u(n) < 0.5).float() * u(n) ** 1.5
    smile = (u(n) < 0.4).float() * u(n)
    beta[:, sl] = (smile + 0.2 * (u(n) - 0.5)).clamp(0, 1) * (smile > 0)
    beta[:, sr] = (smile + 0.2 * (u(n) - 0.5)).clamp(0, 1) * (smile > 0)
    blink = (u(n) < 0.3).float() * u(n)
    wink = u(n) < 0.15
    beta[:, bl] = torch.where(wink, blink, (blink + 0.1 * (u(n) - 0.5)).clamp(0, 1) * (blink > 0))
    beta[:, br] = torch.where(wink, torch.zeros_like(blink), (blink + 0.1 * (u(n) - 0.5)).clamp(0, 1) * (blink > 0))
    brow = u(n)
    up = (brow < 0.25).float() * u(n)
    down = ((brow >= 0.25) & (brow < 0.5)).float() * u(n)
    beta[:, iul], beta[:, iur] = up, (up + 0.1 * (u(n) - 0.5)).clamp(0, 1) * (up > 0)
    beta[:, bdl], beta[:, bdr] = down, (down + 0.1 * (u(n) - 0.5)).clamp(0, 1) * (down > 0)
    return beta


def _draw(basis, n, g):
    u = lambda *s: torch.rand(*s, generator=g)  # noqa: E731
    alpha = torch.randn(n, IDENTITY + RESIDUAL_IDENTITY, generator=g)
    alpha[:, IDENTITY:] *= 0.5
    # A fifth of the faces have one to three modes at ±2–3.
    extreme = (u(n, IDENTITY) < 0.1) & (u(n, 1) < 0.2)
    alpha[:, :IDENTITY] = torch.where(extreme, torch.sign(torch.randn(n, IDENTITY, generator=g)) * (2 + u(n, IDENTITY)), alpha[:, :IDENTITY])
    beta = _expressions(n, basis.fit_indices, g)
    deg = math.pi / 180
    rotation = rotation_from_euler((u(n) * 2 - 1) * 45 * deg, (u(n) * 2 - 1) * 25 * deg, (u(n) * 2 - 1) * 20 * deg)
    long_side = 320 * (2048 / 320) ** u(n)
    aspect = torch.tensor([1.0, 4 / 3, 3 / 2, 16 / 9])[torch.randint(0, 4, (n,), generator=g)]
    portrait = u(n) < 0.4
    short_side = long_side / aspect
    width = torch.where(portrait, short_side, long_side).round()
    height = torch.where(portrait, long_side, short_side).round()
    # Focal length: the fit's own prior (log-normal around max(W, H), i.e. 36 mm, σ 0.3), kept to 20–85 mm;
    # landmarks tell the focal length apart from the distance only weakly, so the guess should fall back on that prior.
    focal_mm = (36 * torch.exp(0.3 * torch.randn(n, generator=g))).clamp(20, 85)
    focal = focal_mm / 36 * torch.maximum(width, height)
    distance = 30 + 120 * u(n)
    # The face's landmark centroid lands anywhere in the middle 40 % of the frame.
    u0 = (0.3 + 0.4 * u(n)) * width
    v0 = (0.3 + 0.4 * u(n)) * height
    centre = torch.stack([(u0 - width / 2) * distance / focal, (height / 2 - v0) * distance / focal, -distance], -1)
    x = basis.points(alpha, beta)
    q = torch.einsum("bij,bvj->bvi", rotation, x)
    translation = centre - q.mean(1)
    p = q + translation[:, None]
    z = -p[..., 2]
    clean = torch.stack([width[:, None] / 2 + focal[:, None] * p[..., 0] / z, height[:, None] / 2 - focal[:, None] * p[..., 1] / z], -1)
    iod = (clean[:, LEFT_EYE_OUTER] - clean[:, RIGHT_EYE_OUTER]).norm(dim=-1)
    # Noise: 0.5–4 % of the inter-ocular distance per coordinate, twice that on the jaw contour.
    sigma = (0.005 + 0.035 * u(n)) * iod
    scale = torch.ones(LANDMARKS)
    scale[JAW] = 2
    observed = clean + torch.randn(n, LANDMARKS, 2, generator=g) * sigma[:, None, None] * scale[None, :, None]
    # Outliers: in 30 % of the samples one to three points 15–60 % of the IOD off.
    outlier = (u(n, LANDMARKS) < (1 + 2 * u(n, 1)) / LANDMARKS) & (u(n, 1) < 0.3)
    angle = u(n, LANDMARKS) * 2 * math.pi
    reach = (0.15 + 0.45 * u(n, LANDMARKS)) * iod[:, None]
    observed = observed + outlier[..., None] * torch.stack([torch.cos(angle), torch.sin(angle)], -1) * reach[..., None]
    # Dropped: in 20 % of the samples one to eight points (validity 0); both eye corners 36 and 45 stay.
    valid = ~((u(n, LANDMARKS) < (1 + 7 * u(n, 1)) / LANDMARKS) & (u(n, 1) < 0.2))
    valid[:, RIGHT_EYE_OUTER] = True
    valid[:, LEFT_EYE_OUTER] = True
    inside = ((clean[..., 0] > -0.02 * width[:, None]) & (clean[..., 0] < 1.02 * width[:, None]) &
              (clean[..., 1] > -0.02 * height[:, None]) & (clean[..., 1] < 1.02 * height[:, None])).all(1)
    keep = inside & (iod > 24) & (z > 5).all(1)
    sample = {
        "landmarks": observed, "valid": valid.float(), "width": width, "height": height,
        "alpha": alpha[:, :IDENTITY], "beta": beta[:, basis.fit_indices], "rotation": rotation,
        "translation": translation, "focal": focal, "iod": iod, "clean": clean,
    }
    return {k: v[keep] for k, v in sample.items()}


def synthesize(basis, n, g):
    """n samples (dict of tensors: landmarks [n, 68, 2] px, valid [n, 68], width, height, alpha [n, 20],
    beta [n, 9] in FIT_EXPRESSIONS order, rotation [n, 3, 3], translation [n, 3] cm, focal [n] px,
    iod [n] px, clean [n, 68, 2] px)."""
    parts, have = [], 0
    while have < n:
        s = _draw(basis, max(64, int((n - have) * 1.4)), g)
        parts.append(s)
        have += s["width"].shape[0]
    return {k: torch.cat([p[k] for p in parts])[:n] for k in parts[0]}

