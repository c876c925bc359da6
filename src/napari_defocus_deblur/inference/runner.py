"""How a chosen network runs: per-device copies and tile batches (the choice: :mod:`.plan`)."""

from __future__ import annotations

import copy
import os
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.inference.device import compute_context, uses_channels_last
from napari_defocus_deblur.inference.fast_cpu import fuse_for_cpu

#: Set to "0" to run the plain eager network on the CPU instead of the fused copy.
FUSED_ENV = "DEFOCUS_DEBLUR_FUSED_CPU"

_PREPARED: weakref.WeakKeyDictionary[nn.Module, tuple[Any, nn.Module]] = (
    weakref.WeakKeyDictionary()
)


def _versions(model: nn.Module) -> tuple:
    """Changes whenever a parameter or buffer is modified in place (e.g. by training)."""
    tensors = [*model.parameters(), *model.buffers()]
    return tuple((t.data_ptr(), t._version) for t in tensors)


def prepare(model: nn.Module, device: torch.device, dtype: torch.dtype) -> nn.Module:
    """An inference copy of ``model`` for ``device`` (cached; the input is not touched).

    CPU float32: oneDNN-fused channels-last copy (:mod:`.fast_cpu`) unless the
    environment variable ``DEFOCUS_DEBLUR_FUSED_CPU=0``; CUDA: channels-last copy on the
    GPU; other devices: a plain copy.
    """
    fused = device.type == "cpu" and dtype == torch.float32
    fused = fused and os.environ.get(FUSED_ENV, "1") != "0"
    key = (str(device), dtype, fused, _versions(model))
    hit = _PREPARED.get(model)
    if hit is not None and hit[0] == key:
        return hit[1]
    if fused:
        copy_ = fuse_for_cpu(model)
    else:
        copy_ = copy.deepcopy(model).float().eval().to(device)
        if uses_channels_last(device):
            copy_ = copy_.to(memory_format=torch.channels_last)
    for p in copy_.parameters():
        p.requires_grad_(False)
    _PREPARED[model] = (key, copy_)
    return copy_


def run_batches(
    module: nn.Module,
    batches: Iterator[tuple[Any, np.ndarray]],
    device: torch.device,
    dtype: torch.dtype,
    depth_of: Callable[[Any], np.ndarray] | None = None,
) -> Iterator[tuple[Any, np.ndarray]]:
    """Run ``(tag, (B, C, h, w) float32 array)`` batches; yield ``(tag, float32 output)``.

    ``depth_of(tag)`` gives the defocus distance (µm) of every image of a batch for
    depth-conditioned networks (called as ``module(x, depth)``); None calls ``module(x)``.
    On a GPU the next batch is prepared and copied while the current one computes
    (outputs are fetched one batch late), so the GPU does not wait for the CPU.
    """
    pending: tuple[Any, torch.Tensor] | None = None
    for tag, array in batches:
        x = torch.from_numpy(np.ascontiguousarray(array))
        cuda = device.type == "cuda"
        x = x.pin_memory().to(device, non_blocking=True) if cuda else x.to(device)
        if uses_channels_last(device):
            x = x.contiguous(memory_format=torch.channels_last)
        with compute_context(device, dtype):
            if depth_of is None:
                y = module(x)
            else:
                depth = torch.from_numpy(np.asarray(depth_of(tag), dtype=np.float32))
                y = module(x, depth.to(device))
        if pending is not None:
            yield pending[0], _fetch(pending[1])
        pending = (tag, y)
    if pending is not None:
        yield pending[0], _fetch(pending[1])


def _fetch(y: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(y.detach().float().cpu().numpy())
