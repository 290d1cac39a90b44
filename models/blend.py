"""W-Net: (PE(u_d), α) → w = sigmoid(o0), the weight of the displacement (0 where nothing moves)."""
from .mlp import MLP


class WNet(MLP):
    """(3 + 6L) + alphaDims → hidden → 1."""

    def __init__(self, frequencies=4, alpha_dims=20, hidden=(32,)):
        super().__init__([3 + 6 * frequencies + alpha_dims, *hidden, 1])
