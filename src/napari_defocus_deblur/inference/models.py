"""Bundled and user models: choosing by depth and saving.

Finding, naming and loading models is the catalogue's job
(:mod:`napari_defocus_deblur.inference.catalogue`); its names are re-exported here, where
the public API has always had them. Loading never executes code from the files (see
:mod:`napari_defocus_deblur.model.checkpoint`).
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from napari_defocus_deblur.inference.catalogue import (
    ZOO_DIR,
    ModelEntry,
    available_models,
    choose_model,
    load_model,
    resolve_model_path,
    scan_models,
)
from napari_defocus_deblur.inference.checks import check_depth
from napari_defocus_deblur.model.checkpoint import save_checkpoint
from napari_defocus_deblur.model.config import ModelConfig
from napari_defocus_deblur.normalization import PercentileNormalization

__all__ = [
    "ZOO_DIR",
    "ModelEntry",
    "available_models",
    "load_model",
    "resolve_model_path",
    "save_model",
    "scan_models",
    "select_model",
]


def select_model(depth_um: float, fusion: str | None = None) -> ModelEntry:
    """The bundled model for ``depth_um`` and ``fusion`` (``"sum"``, ``"concat"``,
    ``"unet"``, ``"nah"``; None: the default family):
    :func:`~napari_defocus_deblur.inference.catalogue.choose_model` with ``strict=True``
    (warns when no model was trained for that distance; raises UserInputError when none
    is bundled or none uses ``fusion``)."""
    return choose_model(float(check_depth(depth_um, allow_auto=False)), fusion, strict=True)


def _fusion_of(config: Any) -> str | None:
    if not isinstance(config, ModelConfig) or config.architecture == "nah":
        return None
    return config.fusion


def save_model(
    model: nn.Module,
    directory: str | os.PathLike,
    *,
    depth_um: float | None = None,
    fusion: str | None = None,
    normalization: PercentileNormalization | dict[str, Any] | None = None,
    name: str | None = None,
    half: bool = False,
    overwrite: bool = False,
    **info: Any,
) -> Path:
    """Write ``model`` as a checkpoint directory that :func:`load_model` reads.

    Parameters
    ----------
    model
        A network from :func:`~napari_defocus_deblur.model.build_model`.
    directory
        Created if needed; an existing checkpoint there is replaced.
    depth_um
        Distance from focus the model was trained for (micrometres).
    fusion
        Defaults to the model's fusion.
    normalization
        Input normalisation used in training (default: 1st/99.8th percentiles).
    name
        Display name (default: the folder name).
    half
        Store float16 weights (half the size; bundled models use it).
    overwrite
        Also replace a ``config.json`` there that is not a checkpoint's.
    **info
        More JSON-serialisable fields (e.g. ``provenance={"data": ...}``, training
        settings); ``provenance`` is merged with the package version and date.
    """
    from napari_defocus_deblur import __version__

    config = getattr(model, "config", None)
    if isinstance(normalization, PercentileNormalization):
        normalization = normalization.to_dict()
    provenance = {
        "package": "napari-defocus-deblur",
        "version": __version__,
        "torch": torch.__version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        **dict(info.pop("provenance", None) or {}),
    }
    meta: dict[str, Any] = {
        "name": name or Path(directory).name,
        "depth_um": None if depth_um is None else float(depth_um),
        "fusion": fusion or _fusion_of(config),
        "normalization": PercentileNormalization.from_dict(normalization).to_dict(),
        "provenance": provenance,
        **info,
    }
    return save_checkpoint(model, directory, info=meta, half=half, overwrite=overwrite)
