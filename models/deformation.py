"""D-Net: (PE(u_d), α, β) → Δx in cm of canonical space."""
from .mlp import MLP


class DNet(MLP):
    """(3 + 6L) + alphaDims + 53 → hidden → … → 3."""

    def __init__(self, frequencies=4, alpha_dims=20, expressions=53, hidden=(64, 64)):
        super().__init__([3 + 6 * frequencies + alpha_dims + expressions, *hidden, 3])
