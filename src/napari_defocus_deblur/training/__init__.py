"""Training and fine-tuning: data, configuration, the event-driven training loop.

Pure numpy/torch (no Qt). The trainer widget and ``defocus-deblur train`` both drive
:func:`run_training`, a generator of :mod:`~napari_defocus_deblur.training.events`.
"""

from __future__ import annotations

from napari_defocus_deblur.training.config import TrainConfig, device_defaults
from napari_defocus_deblur.training.data import TrainingData, discover_pairs
from napari_defocus_deblur.training.engine import run_training, train, validate
from napari_defocus_deblur.training.events import (
    CheckpointSaved,
    EpochEnd,
    Finished,
    Started,
    StepEnd,
    TrainState,
)

__all__ = [
    "CheckpointSaved",
    "EpochEnd",
    "Finished",
    "Started",
    "StepEnd",
    "TrainConfig",
    "TrainState",
    "TrainingData",
    "device_defaults",
    "discover_pairs",
    "run_training",
    "train",
    "validate",
]
