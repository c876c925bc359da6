"""Typed events yielded by :func:`napari_defocus_deblur.training.run_training`.

Front ends (the ``train`` command, the trainer widget) consume these; they are small
frozen dataclasses so they can cross thread boundaries safely.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path


class TrainState(Enum):
    """Life cycle of a training run."""

    RUNNING = "running"
    STOPPED = "stopped"  # stop requested; a resumable checkpoint was written
    FINISHED = "finished"  # all steps (or the time budget) done
    EARLY_STOPPED = "early_stopped"  # validation PSNR stopped improving


@dataclass(frozen=True)
class Started:
    """First event of a run: what is about to happen."""

    total_steps: int
    start_step: int
    steps_per_epoch: int
    n_train_fields: int
    n_val_fields: int
    device: str
    parameters: int
    input_val_psnr: float  # validation PSNR of the unprocessed input (the baseline)
    input_val_ssim: float


@dataclass(frozen=True)
class StepEnd:
    """One optimisation step done; ``step`` counts from 1 across resumes."""

    step: int
    loss: float
    lr: float


@dataclass(frozen=True)
class EpochEnd:
    """Validation after an epoch (epoch 0 = before any training step of this run)."""

    epoch: int
    step: int
    train_loss: float  # mean multi-scale loss of the epoch's steps (NaN for epoch 0)
    val_loss: float
    val_psnr: float
    val_ssim: float


@dataclass(frozen=True)
class CheckpointSaved:
    """A resumable checkpoint directory was written."""

    path: Path
    step: int


@dataclass(frozen=True)
class Finished:
    """Last event of a run."""

    state: TrainState
    checkpoint: Path
    steps: int


Event = Started | StepEnd | EpochEnd | CheckpointSaved | Finished
