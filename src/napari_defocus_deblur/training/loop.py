"""The pieces of the training loop: learning-rate schedule, validation and one run's state.

:class:`Session` holds everything a run in progress owns (network, optimizer, sampling
RNG, progress, clock) and performs its unit operations: one optimisation step, the end
of an epoch (validation and best-weights tracking) and a checkpoint.
:func:`napari_defocus_deblur.training.engine.run_training` strings them together.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.metrics import psnr, ssim
from napari_defocus_deblur.model import count_parameters, harm_loss, multiscale_loss
from napari_defocus_deblur.training.config import TrainConfig
from napari_defocus_deblur.training.data import TrainingData
from napari_defocus_deblur.training.defaults import DEFAULT_EPOCHS
from napari_defocus_deblur.training.events import (
    CheckpointSaved,
    EpochEnd,
    Started,
    TrainState,
)
from napari_defocus_deblur.training.record import checkpoint_info
from napari_defocus_deblur.training.state import RunState, save_best, save_training_checkpoint

#: Smallest validation PSNR gain (dB) that counts as an improvement for early stopping.
MIN_IMPROVEMENT_DB = 1e-3


def learning_rate(
    config: TrainConfig, step: int, progress: float, n_total: int | None = None
) -> float:
    """LR for 0-based ``step`` at ``progress`` in [0, 1] of the run (warm-up, then schedule).

    The linear warm-up lasts ``config.warmup`` steps, but at most a tenth of a run of
    ``n_total`` steps.
    """
    warmup = config.warmup if n_total is None else min(config.warmup, max(1, n_total // 10))
    if warmup and step < warmup:
        return config.lr * (step + 1) / warmup
    if config.schedule == "constant":
        return config.lr
    floor = config.min_lr_ratio
    return config.lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0))))


def total_steps(config: TrainConfig, steps_per_epoch: int) -> int | None:
    """Steps of the run; None when only a time budget bounds it."""
    if config.steps is not None:
        return config.steps
    if config.epochs is not None:
        return config.epochs * steps_per_epoch
    return None if config.max_minutes is not None else DEFAULT_EPOCHS * steps_per_epoch


def jittered_depths(depths_um: np.ndarray, jitter: float, rng: np.random.Generator) -> np.ndarray:
    """The distances a network is told for crops at ``depths_um``: each times
    ``exp(jitter * N(0, 1))`` (:attr:`TrainConfig.depth_jitter`); ``depths_um`` itself,
    without drawing from ``rng``, when ``jitter`` is 0 (runs without it replay exactly).

    >>> d = jittered_depths(np.array([0.0, 20.0]), 0.1, np.random.default_rng(0))
    >>> float(d[0]), bool(abs(d[1] - 20.0) < 6.0)
    (0.0, True)
    """
    if jitter == 0:
        return depths_um
    factor = np.exp(jitter * rng.standard_normal(depths_um.shape))
    return (depths_um * factor).astype(depths_um.dtype)


@torch.no_grad()
def validate(model: nn.Module, data: TrainingData, device: torch.device) -> dict[str, float]:
    """Mean multi-scale loss, PSNR and SSIM over whole validation fields (metrics module
    convention; invariant to the per-field normalisation, so equal to raw-unit values)."""
    was_training = model.training
    model.eval()
    losses, psnrs, ssims = [], [], []
    conditioned = model.config.conditioned  # type: ignore[union-attr]
    for f in data.val:
        x = torch.from_numpy(f.oof)[None, None].to(device)
        y = torch.from_numpy(f.target)[None, None].to(device)
        depth = torch.from_numpy(data.depths_of([f])).to(device) if conditioned else None
        with torch.no_grad():
            outputs = model.forward_multiscale(x, depth)
            losses.append(float(multiscale_loss(outputs, y)))
        pred = outputs[0][0, 0].float().cpu().numpy()
        psnrs.append(psnr(pred, f.target))
        ssims.append(ssim(pred, f.target))
    model.train(was_training)
    return {
        "val_loss": float(np.mean(losses)),
        "val_psnr": float(np.mean(psnrs)),
        "val_ssim": float(np.mean(ssims)),
    }


def input_baseline(data: TrainingData) -> dict[str, float]:
    """PSNR and SSIM of the unprocessed validation inputs against their targets."""
    return {
        "psnr": float(np.mean([psnr(f.oof, f.target) for f in data.val])),
        "ssim": float(np.mean([ssim(f.oof, f.target) for f in data.val])),
    }


@dataclass(eq=False)
class Session:
    """One training run in progress: what it trains, with what, and how far it got."""

    config: TrainConfig
    data: TrainingData
    out: Path
    device: torch.device
    model: nn.Module
    optimizer: torch.optim.Optimizer
    rng: np.random.Generator
    run: RunState
    resumed: bool
    best_weights: dict[str, torch.Tensor] | None
    steps_per_epoch: int
    n_total: int | None
    baseline: dict[str, float]
    use_amp: bool
    t0: float = 0.0

    @property
    def limit_s(self) -> float | None:
        """The wall-time budget in seconds (``None``: unbounded)."""
        return self.config.max_minutes * 60 if self.config.max_minutes else None

    def start_clock(self) -> None:
        """Start timing, counting the time a resumed run has already spent."""
        self.t0 = time.perf_counter() - self.run.elapsed_s

    def elapsed(self) -> float:
        """Seconds of training, earlier sessions of a resumed run included."""
        return time.perf_counter() - self.t0

    def out_of_time(self) -> bool:
        """Whether the wall-time budget is spent."""
        return self.limit_s is not None and self.elapsed() >= self.limit_s

    def patience_exhausted(self) -> bool:
        """Whether early stopping's patience has run out."""
        patience = self.config.early_stopping_patience
        return bool(patience) and self.run.epochs_without_improvement >= patience

    def started(self) -> Started:
        """The event that opens the run."""
        return Started(
            total_steps=self.n_total if self.n_total is not None else -1,
            start_step=self.run.step,
            steps_per_epoch=self.steps_per_epoch,
            n_train_fields=len(self.data.train),
            n_val_fields=len(self.data.val),
            device=str(self.device),
            parameters=count_parameters(self.model),
            input_val_psnr=self.baseline["psnr"],
            input_val_ssim=self.baseline["ssim"],
        )

    def _set_learning_rate(self) -> float:
        run, n_total, limit_s = self.run, self.n_total, self.limit_s
        progress = run.step / n_total if n_total else 0.0
        if limit_s is not None:
            progress = max(progress, self.elapsed() / limit_s)
        lr = learning_rate(self.config, run.step, progress, n_total)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        return lr

    def step(self) -> tuple[float, float]:
        """One optimisation step on a random batch; returns its loss and learning rate."""
        config, device, model = self.config, self.device, self.model
        lr = self._set_learning_rate()
        conditioned = model.config.conditioned  # type: ignore[union-attr]
        sided = bool(config.harm_weight) and config.harm_above_focus != 1.0
        xb, yb, *extra = self.data.sample(
            self.rng, config.batch, config.crop, with_depth=conditioned, with_side=sided
        )
        x, y = torch.from_numpy(xb).to(device), torch.from_numpy(yb).to(device)
        depth = harm_weights = None
        if conditioned:
            told = jittered_depths(extra[0], config.depth_jitter, self.rng)
            depth = torch.from_numpy(told).to(device)
        if sided:
            harm_weights = torch.from_numpy(np.where(extra[-1], config.harm_above_focus, 1.0))
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=self.use_amp):
            outputs = model.forward_multiscale(x, depth)
        loss = multiscale_loss([o.float() for o in outputs], y)
        if config.harm_weight:
            loss = loss + config.harm_weight * harm_loss(outputs[0], x, y, harm_weights)
        if not torch.isfinite(loss):
            raise UserInputError(
                f"training diverged at step {self.run.step + 1} (loss {loss.item()}); "
                "lower the learning rate (--lr)"
            )
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if config.grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        self.optimizer.step()
        self.run.step += 1
        return loss.item(), lr

    def end_epoch(self, train_losses: list[float]) -> EpochEnd:
        """Validate, record the epoch and keep the best weights (after epoch 0, the
        starting network, only when the run keeps its best weights: ``keep="best"``)."""
        run = self.run
        metrics = validate(self.model, self.data, self.device)
        train_loss = float(np.mean(train_losses)) if train_losses else float("nan")
        run.history.append(
            {
                "epoch": run.epoch,
                "step": run.step,
                "train_loss": train_loss,
                "elapsed_s": round(self.elapsed(), 3),
                **metrics,
            }
        )
        if run.epoch > 0 or self.config.keep == "best":
            self._track_best(metrics["val_psnr"])
        return EpochEnd(run.epoch, run.step, train_loss, **metrics)

    def _track_best(self, val_psnr: float) -> None:
        run = self.run
        if run.best_val_psnr is None or val_psnr > run.best_val_psnr + MIN_IMPROVEMENT_DB:
            run.best_val_psnr, run.best_epoch = val_psnr, run.epoch
            run.epochs_without_improvement = 0
            self.best_weights = save_best(self.out, self.model)
        else:
            run.epochs_without_improvement += 1

    def final_scores(self, state: TrainState) -> dict[str, float | int | None]:
        """:class:`Finished`'s validation PSNRs for a run that ended in ``state``: of the
        saved weights, of the starting network (None from scratch) and of the input,
        and the epoch kept (:meth:`keep_weights`; None: the last step's weights)."""
        history = self.run.history
        if state is TrainState.STOPPED or not history:
            return {}
        kept_best = self.run.kept_epoch is not None
        saved = self.run.best_val_psnr if kept_best else history[-1]["val_psnr"]
        first = history[0]
        start = None if self.config.from_scratch or first["epoch"] != 0 else first["val_psnr"]
        return {
            "val_psnr": saved,
            "start_val_psnr": start,
            "input_val_psnr": self.baseline["psnr"],
            "kept_epoch": self.run.kept_epoch,
        }

    def keep_weights(self, state: TrainState) -> None:
        """Settle which weights the run saves as its model (:attr:`TrainConfig.keep`):
        the best epoch's, loaded back into the network, or the last step's; a run
        stopped on request keeps its last weights, to resume from."""
        run = self.run
        run.kept_epoch = None
        if state is TrainState.STOPPED or self.config.keep != "best":
            return
        if self.best_weights is not None and run.best_epoch is not None:
            self.model.load_state_dict(
                {k: v.to(self.device) for k, v in self.best_weights.items()}
            )
            run.kept_epoch = run.best_epoch

    def save(self, state: TrainState) -> CheckpointSaved:
        """Write the checkpoint (weights, record, optimizer, progress, RNG) as one set."""
        run = self.run
        run.elapsed_s, run.state = self.elapsed(), state.value
        info = checkpoint_info(
            self.config, self.data, self.model, run, self.device, self.baseline, self.n_total
        )
        extra = {"config": self.config.to_dict()}  # all files, best weights too: one atomic set
        save_training_checkpoint(
            self.out, self.model, info, self.optimizer, run, self.rng, extra, self.best_weights
        )
        return CheckpointSaved(self.out, run.step)
