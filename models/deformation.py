"""D-Net: (PE(u_d), α, β) → Δx in cm of canonical space, optionally with a jump and a carve.

A continuous field cannot close an eye (docs/models.md, "Blinks"): above the closure line the
backward map must reach the canonical upper lid, below it the lower lid, and every continuous map
between them passes over the open eye. A D-Net with a jump has 7 outputs (a, j, s) and gives
Δx = a + sigmoid(k·s)·j: two smooth fields (a and a + j) and a smooth selector s whose zero
crossing is the jump, sharp over 1/(k·|∇s|) whatever the blur of the rest. The runtime bakes w·a,
w·j and s and applies the sigmoid after filtering, so its bake keeps the jump too.

Nor can a backward map open the mouth when the canonical mouth is closed: the air between the
lips of an open mouth has no canonical air to map to (docs/models.md, "What limits the lip gap").
A D-Net with a carve has one more output c, last: the density found at x_c is multiplied by
1 − sigmoid(k·c), so where c > 0 the deformed volume is empty whatever the canonical one holds.
"""
import torch

from .mlp import MLP

JUMP_SHARPNESS = 10.0
CARVE_SHARPNESS = 30.0
CARVE_START = -1.0    # the carve output's bias when a carve is added to a trained D-Net (keeps 1 − 5e-5)


def output_width(jump=False, carve=False):
    """D-Net outputs: Δx (3), or a, j, s (7) with a jump; one more (c, last) with a carve."""
    return (7 if jump else 3) + (1 if carve else 0)


def has_jump(raw):
    return raw.shape[-1] >= 7


def has_carve(raw):
    return raw.shape[-1] in (4, 8)


class DNet(MLP):
    """(3 + 6L) + alphaDims + 53 → hidden → … → `output_width(jump, carve)`."""

    def __init__(self, frequencies=4, alpha_dims=20, expressions=53, hidden=(64, 64), jump=False, carve=False):
        super().__init__([3 + 6 * frequencies + alpha_dims + expressions, *hidden, output_width(jump, carve)])


def backward_displacement(w, raw, sharpness=JUMP_SHARPNESS):
    """w·Δx from W-Net's weight w [..., 1] and D-Net's output raw [..., 3, 4, 7 or 8] (a, j, s, c above)."""
    if not has_jump(raw):
        return w * raw[..., :3]
    return w * (raw[..., :3] + torch.sigmoid(sharpness * raw[..., 6:7]) * raw[..., 3:6])


def carve_log_kept(raw, sharpness=CARVE_SHARPNESS):
    """log of the share of density kept at x_d, log(1 − sigmoid(k·c)) [..., 1]; 0 without a carve."""
    if not has_carve(raw):
        return torch.zeros_like(raw[..., :1])
    return torch.nn.functional.logsigmoid(-sharpness * raw[..., -1:])
