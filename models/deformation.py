"""D-Net: (PE(u_d), α, β) → Δx in cm of canonical space, optionally with a jump.

A continuous field cannot close an eye (docs/models.md, "Blinks"): above the closure line the
backward map must reach the canonical upper lid, below it the lower lid, and every continuous map
between them passes over the open eye. A D-Net with a jump has 7 outputs (a, j, s) and gives
Δx = a + sigmoid(k·s)·j: two smooth fields (a and a + j) and a smooth selector s whose zero
crossing is the jump, sharp over 1/(k·|∇s|) whatever the blur of the rest. The runtime bakes w·a,
w·j and s and applies the sigmoid after filtering, so its bake keeps the jump too.
"""
import torch

from .mlp import MLP

JUMP_SHARPNESS = 10.0


class DNet(MLP):
    """(3 + 6L) + alphaDims + 53 → hidden → … → 3 (7 with a jump)."""

    def __init__(self, frequencies=4, alpha_dims=20, expressions=53, hidden=(64, 64), jump=False):
        super().__init__([3 + 6 * frequencies + alpha_dims + expressions, *hidden, 7 if jump else 3])


def backward_displacement(w, raw, sharpness=JUMP_SHARPNESS):
    """w·Δx from W-Net's weight w [..., 1] and D-Net's output raw [..., 3 or 7] (a, j, s above)."""
    if raw.shape[-1] == 3:
        return w * raw
    return w * (raw[..., :3] + torch.sigmoid(sharpness * raw[..., 6:7]) * raw[..., 3:6])
