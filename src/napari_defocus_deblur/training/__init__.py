"""Training and fine-tuning: data, configuration, the event-driven training loop.

Pure numpy/torch (no Qt). The trainer widget and ``defocus-deblur train`` both drive
:func:`run_training`, a generator of :mod:`~napari_defocus_deblur.training.events`.
Names are imported on first use (PEP 562), so ``training.config`` (the defaults the CLI
and the widgets show) can be read without loading torch.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> module that defines it.
_WHERE = {
    "TrainConfig": "config",
    "device_defaults": "defaults",
    "TrainingData": "data",
    "discover_pairs": "folder_data",
    "run_training": "engine",
    "train": "engine",
    "validate": "engine",
    "CheckpointSaved": "events",
    "EpochEnd": "events",
    "Finished": "events",
    "Started": "events",
    "StepEnd": "events",
    "TrainState": "events",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
