"""Decoder: tri-plane feature (C) → raw o0..3; density = softplus(o0) per cm, rgb = sigmoid(o1..3)."""
import torch
import torch.nn.functional as F

from .mlp import MLP

# Occupancy logit z = (o0 − DENSITY_OFFSET) / DENSITY_SCALE is what training fits (BCE), so
# density = softplus(o0) rises from ~0 to tens per cm across a fraction of a millimetre.
DENSITY_SCALE = 8.0
DENSITY_OFFSET = 6.0


class Decoder(MLP):
    """C → hidden → … → 4 (relu between layers)."""

    def __init__(self, channels=32, hidden=(32, 32)):
        super().__init__([channels, *hidden, 4])


def occupancy_logit(o):
    return (o[..., 0] - DENSITY_OFFSET) / DENSITY_SCALE


def density(o):
    return F.softplus(o[..., 0])


def rgb(o):
    return torch.sigmoid(o[..., 1:4])
