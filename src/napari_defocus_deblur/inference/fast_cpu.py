"""A faster CPU copy of a network: oneDNN convolutions with fused ReLU, channels-last.

:func:`fuse_for_cpu` deep-copies a network and swaps its leaf layers only: every
``Conv2d`` followed by a ``ReLU`` (``Identity`` normalisation layers in between are
dropped) becomes one oneDNN convolution with the ReLU as a post-op, other ``Conv2d``
and ``ConvTranspose2d`` layers become oneDNN calls with pre-packed weights. The
network's own ``forward`` runs unchanged on channels-last tensors, so the result equals
the eager model up to float rounding. Layers it does not know (batch/group norm, GELU)
stay as they are. When PyTorch has no oneDNN (``torch.backends.mkldnn``) the eager
model is used instead.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

_CL = torch.channels_last


def available() -> bool:
    """Whether the fused oneDNN operators exist in this PyTorch build."""
    try:
        ops = torch.ops.mkldnn
        return bool(
            torch.backends.mkldnn.is_available()
            and hasattr(ops, "_convolution_pointwise")
            and hasattr(ops, "_convolution_transpose_pointwise")
            and hasattr(ops, "_reorder_convolution_weight")
        )
    except (AttributeError, RuntimeError):
        return False


class FusedConv2d(nn.Module):
    """``Conv2d`` (+ optional ReLU) as one oneDNN call with a pre-packed weight."""

    def __init__(self, conv: nn.Conv2d, relu: bool) -> None:
        super().__init__()
        w = conv.weight.detach().float().contiguous()
        self.args = (list(conv.padding), list(conv.stride), list(conv.dilation), conv.groups)
        self.weight = torch.ops.mkldnn._reorder_convolution_weight(w, *self.args)
        self.bias = None if conv.bias is None else conv.bias.detach().float().contiguous()
        self.attr = "relu" if relu else "none"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous(memory_format=_CL)
        return torch.ops.mkldnn._convolution_pointwise(
            x, self.weight, self.bias, *self.args, self.attr, [], ""
        )


class FusedConvTranspose2d(nn.Module):
    """``ConvTranspose2d`` as a oneDNN call on channels-last tensors."""

    def __init__(self, conv: nn.ConvTranspose2d) -> None:
        super().__init__()
        self.weight = conv.weight.detach().float().contiguous()
        self.bias = None if conv.bias is None else conv.bias.detach().float().contiguous()
        self.args = (
            list(conv.padding),
            list(conv.output_padding),
            list(conv.stride),
            list(conv.dilation),
            conv.groups,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous(memory_format=_CL)
        return torch.ops.mkldnn._convolution_transpose_pointwise(
            x, self.weight, self.bias, *self.args, "none", [], ""
        )


class SingleChannelConv2d(nn.Module):
    """A convolution reading one input channel (oneDNN's fused path is slow there)."""

    def __init__(self, conv: nn.Conv2d, relu: bool) -> None:
        super().__init__()
        self.conv = conv
        self.relu = relu

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x.contiguous(memory_format=_CL))
        return F.relu(y, inplace=True) if self.relu else y


def _convert(conv: nn.Module, relu: bool) -> nn.Module:
    if isinstance(conv, nn.ConvTranspose2d):
        return FusedConvTranspose2d(conv)
    if conv.in_channels // conv.groups == 1 or conv.padding_mode != "zeros":
        return SingleChannelConv2d(conv, relu)
    return FusedConv2d(conv, relu)


def _fuse_sequence(seq: nn.Sequential) -> nn.Sequential:
    items = list(seq)
    out: list[nn.Module] = []
    i = 0
    while i < len(items):
        item = items[i]
        if type(item) is nn.Conv2d:
            j = i + 1
            while j < len(items) and isinstance(items[j], nn.Identity):
                j += 1
            if j < len(items) and type(items[j]) is nn.ReLU:
                out.append(_convert(item, relu=True))
                i = j + 1
                continue
        out.append(_swap(item))
        i += 1
    return nn.Sequential(*out)


def _swap(module: nn.Module) -> nn.Module:
    """``module`` with its convolutions replaced (recursively)."""
    if type(module) in (nn.Conv2d, nn.ConvTranspose2d):
        return _convert(module, relu=False)
    if isinstance(module, nn.Sequential) and type(module).forward is nn.Sequential.forward:
        return _fuse_sequence(module)
    for name, child in list(module.named_children()):
        replacement = _swap(child)
        if replacement is not child:
            setattr(module, name, replacement)
    return module


def fuse_for_cpu(model: nn.Module) -> nn.Module:
    """A CPU inference copy of ``model`` with fused oneDNN convolutions.

    The input model is not modified. Returns a plain deep copy (float32, channels-last,
    eval mode) when the oneDNN operators are missing.
    """
    clone = copy.deepcopy(model).cpu().float().eval().to(memory_format=_CL)
    if not available():
        return clone
    with torch.no_grad():
        return _swap(clone)
