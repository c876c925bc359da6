"""Convolution blocks shared by the U-Net sub-networks and the Nah baseline."""

from __future__ import annotations

from torch import nn


def activation(name: str) -> nn.Module:
    """The nonlinearity called ``name`` in :class:`ModelConfig`."""
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "leaky_relu":
        return nn.LeakyReLU(0.2, inplace=True)
    return nn.GELU()


def normalisation(name: str, channels: int) -> nn.Module:
    """The normalisation layer called ``name`` in :class:`ModelConfig`."""
    if name == "batch":
        return nn.BatchNorm2d(channels)
    if name == "group":
        return nn.GroupNorm(min(8, channels), channels)
    return nn.Identity()


def init_weights(module: nn.Module) -> None:
    """He (Kaiming) normal initialisation for convolutions, zero biases.

    Keeps activation variance roughly constant through the ReLU stacks (no
    normalisation layers by default), so deep sub-networks and the cross-scale
    fusion start with a usable signal.
    """
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class DoubleConv(nn.Sequential):
    """Two 3x3 convolutions, each followed by normalisation and activation."""

    def __init__(self, cin: int, cout: int, norm: str = "none", act: str = "relu") -> None:
        bias = norm == "none"
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1, bias=bias),
            normalisation(norm, cout),
            activation(act),
            nn.Conv2d(cout, cout, 3, padding=1, bias=bias),
            normalisation(norm, cout),
            activation(act),
        )


class ResBlock(nn.Module):
    """conv-act-conv with an identity shortcut (no normalisation, as in Nah et al.)."""

    def __init__(self, channels: int, act: str = "relu") -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, channels, 3, padding=1),
            activation(act),
            nn.Conv2d(channels, channels, 3, padding=1),
        )

    def forward(self, x):
        return x + self.body(x)
