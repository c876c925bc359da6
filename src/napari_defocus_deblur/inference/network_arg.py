"""What the ``model`` argument of :func:`~.plan.plan_run` and ``deblur`` names.

``model`` is None (the catalogue chooses), a :class:`~.entry.ModelEntry`, a checkpoint
folder or bundled model name, or a network from ``build_model``/``load_model``.
:func:`network_of` resolves it to the network that runs; :func:`model_info` reads its
checkpoint record before any choice is made (the run plan asks it which sampling and
micrometres the network learnt, :mod:`.units`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from torch import nn

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.catalogue import shared_model
from napari_defocus_deblur.inference.entry import ModelEntry
from napari_defocus_deblur.model.config import ModelConfig

#: The forms of a ``model`` argument.
ModelArg = nn.Module | ModelEntry | str | os.PathLike | None


def network_of(model: Any) -> tuple[nn.Module, dict[str, Any], str]:
    """``(network, checkpoint info, name)`` of a model folder/name or a network."""
    if isinstance(model, str | os.PathLike):
        model = shared_model(model)  # read only: inference runs a prepared copy
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


def model_info(model: ModelArg) -> dict[str, Any] | None:
    """The checkpoint record of ``model`` (None: the catalogue will choose a bundled
    model, or the network has no record)."""
    if model is None or isinstance(model, ModelEntry):
        return None if model is None else model.info
    return network_of(model)[1]
