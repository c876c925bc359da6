"""Deblurring with trained networks: Python API, tiling, devices and the model zoo.

>>> from napari_defocus_deblur.inference import deblur, load_model
>>> sharp = deblur(image, model="path/to/checkpoint")  # doctest: +SKIP
>>> plan = plan_run(image, "auto")  # what would run: depths, model, runtime  # doctest: +SKIP

Pure numpy/torch (no Qt, no napari). See ``docs/inference.md``.
"""

from __future__ import annotations

from napari_defocus_deblur.inference.api import TileProgress, deblur, iter_deblur
from napari_defocus_deblur.inference.catalogue import choose_model
from napari_defocus_deblur.inference.device import (
    describe_backend,
    resolve_backend,
    resolve_device,
    resolve_precision,
)
from napari_defocus_deblur.inference.models import (
    ModelEntry,
    available_models,
    load_model,
    save_model,
    select_model,
)
from napari_defocus_deblur.inference.plan import PlaneDepth, RunPlan, plan_run

__all__ = [
    "ModelEntry",
    "PlaneDepth",
    "RunPlan",
    "TileProgress",
    "available_models",
    "choose_model",
    "deblur",
    "describe_backend",
    "iter_deblur",
    "load_model",
    "plan_run",
    "resolve_backend",
    "resolve_device",
    "resolve_precision",
    "save_model",
    "select_model",
]
