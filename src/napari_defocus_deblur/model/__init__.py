"""Networks: the head-to-tail multi-scale U-Net, the plain U-Net and the Nah baseline."""

from __future__ import annotations

from typing import Any

from torch import nn

from napari_defocus_deblur.model.config import ModelConfig
from napari_defocus_deblur.model.head_to_tail import HeadToTailNet
from napari_defocus_deblur.model.loss import multiscale_loss
from napari_defocus_deblur.model.nah import NahNet
from napari_defocus_deblur.model.ops import MIN_SIZE

__all__ = [
    "MIN_SIZE",
    "HeadToTailNet",
    "ModelConfig",
    "NahNet",
    "build_model",
    "count_parameters",
    "multiscale_loss",
]


def build_model(
    scales: int | ModelConfig = 4, fusion: str = "sum", **options: Any
) -> HeadToTailNet | NahNet:
    """Build a deblurring network.

    Parameters
    ----------
    scales
        Number of sub-networks K (``1`` is the plain U-Net), or a complete
        :class:`ModelConfig` (then ``fusion`` and ``options`` must be left out).
    fusion
        ``"sum"`` (Eq. 7) or ``"concat"`` (Eq. 8).
    **options
        Any other :class:`ModelConfig` field, e.g. ``architecture="nah"``,
        ``base_channels=16``, ``pairing="shifted"``.

    Returns
    -------
    torch.nn.Module
        Called on an (N, C, H, W) tensor with H, W >= 16 it returns the prediction with
        exactly the input's shape; ``forward_multiscale`` gives the per-scale outputs.

    Examples
    --------
    >>> net = build_model(scales=4, fusion="sum")
    >>> baseline = build_model(scales=3, architecture="nah")
    """
    if isinstance(scales, ModelConfig):
        if options:
            raise TypeError("pass either a ModelConfig or keyword options, not both")
        config = scales
    else:
        config = ModelConfig(scales=scales, fusion=fusion, **options)  # type: ignore[arg-type]
    if config.architecture == "nah":
        return NahNet(config)
    return HeadToTailNet(config)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
