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
    """Last event of a run.

    ``val_psnr`` is the validation PSNR (dB) of the weights saved, ``start_val_psnr``
    that of the network a fine-tuning run started from (None from scratch) and
    ``input_val_psnr`` that of the unprocessed input; all None when the run was stopped
    (its unfinished epoch was not validated). ``kept_epoch`` is the epoch whose weights
    were saved when the run kept its best ones (0: the network it started from), None
    when it saved its last step's.
    """

    state: TrainState
    checkpoint: Path
    steps: int
    val_psnr: float | None = None
    start_val_psnr: float | None = None
    input_val_psnr: float | None = None
    kept_epoch: int | None = None

    @property
    def below_start(self) -> bool:
        """Whether the saved weights validate below the network the run started from."""
        if self.val_psnr is None or self.start_val_psnr is None:
            return False
        return self.val_psnr < self.start_val_psnr

    def outcome(self) -> str:
        """One line on what the saved model scores against the input and its start.

        It names the epoch kept when the run kept its best weights, and a fine-tuned
        model that validates below the model it started from (a run that kept its last
        weights) says so, so that nobody swaps a better model for a worse one unawares
        ("" when unknown).
        """
        if self.val_psnr is None or self.input_val_psnr is None:
            return ""
        kept = f"epoch {self.kept_epoch}'s weights, the best, " if self.kept_epoch else ""
        text = (
            f"validation PSNR {self.val_psnr:.2f} dB ({kept}"
            f"{self.val_psnr - self.input_val_psnr:+.2f} dB against the unprocessed input"
        )
        if self.start_val_psnr is None:
            return text + ")"
        gain = self.val_psnr - self.start_val_psnr
        if self.kept_epoch == 0:
            return (
                f"{text}); no epoch validated above the model it started from, "
                "so the saved model is that model, unchanged"
            )
        if not self.below_start:
            return f"{text}, {gain:+.2f} dB against the model it started from)"
        return (
            f"{text}); {-gain:.2f} dB BELOW the model it started from "
            f"({self.start_val_psnr:.2f} dB): train longer, or keep using that model"
        )


Event = Started | StepEnd | EpochEnd | CheckpointSaved | Finished
