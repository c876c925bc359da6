"""Networks: the head-to-tail multi-scale U-Net, the plain U-Net and the Nah baseline."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from torch import nn

from napari_defocus_deblur.model.config import ModelConfig
from napari_defocus_deblur.model.loss import harm_loss, multiscale_loss
from napari_defocus_deblur.model.network import DEPTH_UNIT_UM, MIN_SIZE, HeadToTailNet, NahNet

__all__ = [
    "DEPTH_UNIT_UM",
    "MIN_SIZE",
    "HeadToTailNet",
    "ModelConfig",
    "NahNet",
    "build_model",
    "condition_on_depth",
    "count_parameters",
    "harm_loss",
    "multiscale_loss",
    "resize_upsampling",
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

    Raises
    ------
    UserInputError
        Unknown options, wrong types, unsupported choices, or sizes beyond
        :data:`~napari_defocus_deblur.model.schema.BOUNDS`.

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
    from napari_defocus_deblur.model.schema import validate_model_config

    if isinstance(scales, ModelConfig):
        if options:
            raise TypeError("pass either a ModelConfig or keyword options, not both")
        config = scales
    else:
        config = validate_model_config(
            {"scales": scales, "fusion": fusion, **options}, "build_model"
        )
    if config.architecture == "nah":
        return NahNet(config)
    return HeadToTailNet(config)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def condition_on_depth(model: nn.Module) -> nn.Module:
    """A depth-conditioned copy of an unconditioned network that computes the same thing.

    The first convolution of every scale gains an input plane for the defocus distance,
    with zero weights: the copy's output equals the original's until fine-tuning teaches
    it to use the depth. Conditioned networks are returned unchanged.
    """
    import torch

    cfg = model.config
    if cfg.conditioned:
        return model
    new = build_model(replace(cfg, condition="depth"))
    state = model.state_dict()
    for key, target in new.state_dict().items():
        old = state[key]
        if old.shape != target.shape:  # first convolution: add the depth plane's weights
            grown = torch.zeros_like(target)
            grown[:, : old.shape[1]] = old
            state[key] = grown
    new.load_state_dict(state)
    return new.train(model.training)


def resize_upsampling(model: nn.Module) -> nn.Module:
    """A lattice-free copy of a network that upsamples by transposed convolutions.

    Every ``ConvTranspose2d(kernel 2, stride 2)`` becomes a bilinear resize followed by a
    3x3 convolution whose centre tap is the mean of the four transposed-kernel positions
    (other taps zero) and whose bias is kept: a warm start that computes the block
    average of what the transposed convolution computed, without its period-2 grid.
    Fine-tuning then recovers the detail. Networks that already resize are returned
    unchanged.
    """
    import torch

    cfg = model.config
    if getattr(cfg, "upsample", "resize") != "transpose":
        return model
    new = build_model(replace(cfg, upsample="resize"))
    state = dict(model.state_dict())
    target = new.state_dict()
    for key in list(state):
        stem = key.rsplit(".", 1)[0]
        moved = f"{stem}.conv.{key.rsplit('.', 1)[1]}"
        if moved not in target or key in target:
            continue
        old = state.pop(key)
        if old.ndim == 4:  # (cin, cout, 2, 2) -> (cout, cin, 3, 3), centre tap only
            grown = torch.zeros_like(target[moved])
            grown[:, :, 1, 1] = old.mean(dim=(2, 3)).transpose(0, 1)
            old = grown
        state[moved] = old
    new.load_state_dict(state)
    return new.train(model.training)
