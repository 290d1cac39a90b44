"""The one network shape of the pack: a chain of Linear layers, each followed by relu or nothing."""
import torch
from torch import nn


class MLP(nn.Module):
    """Linear layers of the given widths, relu between them, none after the last."""

    def __init__(self, widths):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x

    def activations(self):
        return ["relu"] * (len(self.layers) - 1) + ["none"]
