"""Which network to run and how: model resolution, per-device copies, tile batches."""

from __future__ import annotations

import copy
import os
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.device import compute_context
from napari_defocus_deblur.inference.fast_cpu import fuse_for_cpu
from napari_defocus_deblur.model.config import ModelConfig

#: Set to "0" to run the plain eager network on the CPU instead of the fused copy.
FUSED_ENV = "DEFOCUS_DEBLUR_FUSED_CPU"

_PREPARED: weakref.WeakKeyDictionary[nn.Module, tuple[Any, nn.Module]] = (
    weakref.WeakKeyDictionary()
)


def resolve_model(
    model: nn.Module | str | os.PathLike | None, depth_um: float, fusion: str
) -> tuple[nn.Module, dict[str, Any], str]:
    """``(network, checkpoint info, name)`` for the ``model=`` argument of ``deblur``.

    ``None`` picks the bundled model for ``depth_um`` and ``fusion``; a string or path
    is a bundled model name or a checkpoint directory; a module is used as it is.
    """
    from napari_defocus_deblur.inference.catalogue import shared_model
    from napari_defocus_deblur.inference.models import select_model

    if model is None:
        model = select_model(depth_um, fusion).path
    if isinstance(model, str | os.PathLike):
        model = shared_model(model)  # read only: prepare() runs a copy
    if not isinstance(model, nn.Module) or not isinstance(
        getattr(model, "config", None), ModelConfig
    ):
        raise UserInputError(
            "model must be a network from build_model() or load_model(), a checkpoint "
            f"folder or a bundled model name; got {type(model).__name__}"
        )
    cfg = model.config
    if cfg.in_channels != cfg.out_channels:
        raise UserInputError(
            f"the model maps {cfg.in_channels} input channel(s) to {cfg.out_channels}; "
            "deblur needs as many output channels as input channels"
        )
    info = dict(getattr(model, "checkpoint_info", None) or {})
    path = getattr(model, "checkpoint_path", None)
    name = getattr(model, "checkpoint_name", None) or (
        Path(path).name if path else f"unsaved {cfg.label} model"
    )
    return model, info, str(name)


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
        if device.type in ("cuda", "cpu"):
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
        if device.type != "mps":
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
