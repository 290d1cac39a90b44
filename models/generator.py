"""Generator G: α → canonical tri-plane [3C, R, R] = mean planes + bilinear upsampling of
Σ_k α_k B_k, with the identity basis B_k at a low resolution r. The mean planes are stored
channel-last ([plane, row, column, channel]) so that training gathers feature rows directly."""
import torch
import torch.nn.functional as F
from torch import nn

from .encoding import gather, triplane_taps


class Generator(nn.Module):
    def __init__(self, alpha_dims=20, channels=32, resolution=128, basis_resolution=24):
        super().__init__()
        self.c, self.r, self.rb = channels, resolution, basis_resolution
        self.mean = nn.Parameter(0.1 * torch.randn(3 * resolution * resolution, channels))
        self.basis = nn.Parameter(torch.zeros(alpha_dims, 3 * channels * basis_resolution ** 2))

    def _upsampled(self, alpha):
        low = (alpha @ self.basis).view(alpha.shape[0], 3 * self.c, self.rb, self.rb)
        return F.interpolate(low, size=(self.r, self.r), mode="bilinear", align_corners=False)

    def mean_planes(self):
        """The mean tri-plane, channels first: [3C, R, R]."""
        return self.mean.view(3, self.r, self.r, self.c).permute(0, 3, 1, 2).reshape(3 * self.c, self.r, self.r)

    def forward(self, alpha, u=None):
        """The tri-plane [B, 3C, R, R]; or, given u [B, N, 3], its features [B, N, C] (gathered channel-last)."""
        up = self._upsampled(alpha)
        if u is None:
            return self.mean_planes() + up
        b, r = alpha.shape[0], self.r
        up = up.view(b, 3, self.c, r, r).permute(0, 1, 3, 4, 2).reshape(b, 3 * r * r, self.c)
        table = (self.mean + up).reshape(-1, self.c)
        idx, w = triplane_taps(u, r)
        return gather(table, idx + (torch.arange(b, device=u.device) * 3 * r * r)[:, None, None], w)


class HalfGenerator(nn.Module):
    """The exported G: float16 weights (half the file), cast to float32 in the graph."""

    def __init__(self, g):
        super().__init__()
        self.c, self.r, self.rb = g.c, g.r, g.rb
        self.register_buffer("mean", g.mean_planes().detach().half())
        self.register_buffer("basis", g.basis.detach().half())

    def forward(self, alpha):
        low = (alpha @ self.basis.float()).view(1, 3 * self.c, self.rb, self.rb)
        up = F.interpolate(low, size=(self.r, self.r), mode="bilinear", align_corners=False)
        return self.mean.float()[None] + up
