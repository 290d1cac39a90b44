"""Generator G: α → canonical tri-plane [3C, R, R] = mean planes + bilinear upsampling of
Σ_k α_k B_k, with the identity basis B_k at a low resolution r."""
import torch
import torch.nn.functional as F
from torch import nn


class Generator(nn.Module):
    def __init__(self, alpha_dims=20, channels=32, resolution=128, basis_resolution=24):
        super().__init__()
        self.resolution = resolution
        self.mean = nn.Parameter(0.1 * torch.randn(3 * channels, resolution, resolution))
        self.basis = nn.Parameter(torch.zeros(alpha_dims, 3 * channels * basis_resolution ** 2))
        self.low_shape = (3 * channels, basis_resolution, basis_resolution)

    def forward(self, alpha):
        low = (alpha @ self.basis).view(alpha.shape[0], *self.low_shape)
        up = F.interpolate(low, size=(self.resolution, self.resolution), mode="bilinear", align_corners=False)
        return self.mean + up


class HalfGenerator(nn.Module):
    """The exported G: float16 weights (half the file), cast to float32 in the graph."""

    def __init__(self, g):
        super().__init__()
        self.resolution = g.resolution
        self.low_shape = g.low_shape
        self.register_buffer("mean", g.mean.detach().half())
        self.register_buffer("basis", g.basis.detach().half())

    def forward(self, alpha):
        low = (alpha @ self.basis.float()).view(1, *self.low_shape)
        up = F.interpolate(low, size=(self.resolution, self.resolution), mode="bilinear", align_corners=False)
        return self.mean.float()[None] + up
