"""The training loop: a generator of typed events that returns the trained network.

Multi-scale loss (Eq. 6 of arXiv:2201.02876), Adam with linear warm-up and a cosine
schedule, gradient clipping, bfloat16 autocast on CUDA and on CPUs with fast bf16 matrix
units (measured at run time, float32 elsewhere), depth-conditioned networks fed each
crop's defocus distance, validation by field after every
epoch, early stopping on validation PSNR, and checkpoints that resume exactly: on CPU,
a run stopped and resumed gives bitwise the same weights as an uninterrupted run.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Generator
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.device import resolve_device, training_uses_bf16
from napari_defocus_deblur.metrics import psnr, ssim
from napari_defocus_deblur.model import count_parameters, multiscale_loss
from napari_defocus_deblur.progress import drive
from napari_defocus_deblur.training.config import DEFAULT_EPOCHS, TrainConfig
from napari_defocus_deblur.training.data import TrainingData
from napari_defocus_deblur.training.events import (
    CheckpointSaved,
    EpochEnd,
    Event,
    Finished,
    Started,
    StepEnd,
    TrainState,
)
from napari_defocus_deblur.training.initialize import (
    check_compatible,
    initial_model,
    prepare_output,
)
from napari_defocus_deblur.training.record import checkpoint_info
from napari_defocus_deblur.training.state import (
    RunState,
    load_best,
    load_optimizer,
    load_training_state,
    restore_rng,
    run_from_dict,
    save_best,
    save_training_checkpoint,
)

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


def _check(config: TrainConfig, data: TrainingData) -> None:
    if config.crop > data.min_field_side:
        raise UserInputError(
            f"crop {config.crop} is larger than the smallest training field side "
            f"({data.min_field_side} pixels); use --crop {data.min_field_side // 16 * 16} or less"
        )


def run_training(
    config: TrainConfig, data: TrainingData, *, stop: threading.Event | None = None
) -> Generator[Event, None, nn.Module]:
    """Train (or fine-tune) a network; yields events, returns the model (eval mode, CPU).

    Parameters
    ----------
    config
        The run; ``config.output_dir`` receives the checkpoint.
    data
        Training and validation fields.
    stop
        Checked between steps; when set, a resumable checkpoint is written and the run
        ends with ``Finished(TrainState.STOPPED, ...)``.

    Yields
    ------
    Started, StepEnd, EpochEnd, CheckpointSaved, Finished
        See :mod:`napari_defocus_deblur.training.events`.
    """
    _check(config, data)
    out = prepare_output(config)
    device = resolve_device(config.device)
    rng = np.random.default_rng(config.seed)
    previous = None
    if config.resume:
        from napari_defocus_deblur.model.checkpoint import load_checkpoint

        saved = load_training_state(out)
        model = load_checkpoint(out)[0].train()
        check_compatible(config, model, f"the run in {out}")
        run = run_from_dict(saved)
        previous = saved
    else:
        model = initial_model(config)
        run = RunState()
    model.to(device)
    use_amp = training_uses_bf16(device, config.amp)
    conditioned = model.config.conditioned
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    best_weights = None
    if previous is not None:
        load_optimizer(out, optimizer, previous["optimizer"])
        restore_rng(rng, previous["rng"])
        best_weights = load_best(out)
    spe = config.epoch_steps or data.steps_per_epoch(config.crop, config.batch)
    n_total = total_steps(config, spe)
    limit_s = config.max_minutes * 60 if config.max_minutes else None
    baseline = {
        "psnr": float(np.mean([psnr(f.oof, f.target) for f in data.val])),
        "ssim": float(np.mean([ssim(f.oof, f.target) for f in data.val])),
    }
    deterministic = torch.are_deterministic_algorithms_enabled()
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True, warn_only=True)
    t0 = time.perf_counter() - run.elapsed_s

    def elapsed() -> float:
        return time.perf_counter() - t0

    def save(state: TrainState) -> CheckpointSaved:
        run.elapsed_s, run.state = elapsed(), state.value
        info = checkpoint_info(config, data, model, run, device, baseline, n_total)
        extra = {"config": config.to_dict()}  # all files, best weights too: one atomic set
        save_training_checkpoint(out, model, info, optimizer, run, rng, extra, best_weights)
        return CheckpointSaved(out, run.step)

    def end_epoch(train_losses: list[float]) -> EpochEnd:
        metrics = validate(model, data, device)
        train_loss = float(np.mean(train_losses)) if train_losses else float("nan")
        run.history.append(
            {
                "epoch": run.epoch,
                "step": run.step,
                "train_loss": train_loss,
                "elapsed_s": round(elapsed(), 3),
                **metrics,
            }
        )
        if run.epoch > 0:
            if run.best_val_psnr is None or (
                metrics["val_psnr"] > run.best_val_psnr + MIN_IMPROVEMENT_DB
            ):
                nonlocal best_weights
                run.best_val_psnr, run.best_epoch = metrics["val_psnr"], run.epoch
                run.epochs_without_improvement = 0
                best_weights = save_best(out, model)
            else:
                run.epochs_without_improvement += 1
        return EpochEnd(run.epoch, run.step, train_loss, **metrics)

    try:
        yield Started(
            total_steps=n_total if n_total is not None else -1,
            start_step=run.step,
            steps_per_epoch=spe,
            n_train_fields=len(data.train),
            n_val_fields=len(data.val),
            device=str(device),
            parameters=count_parameters(model),
            input_val_psnr=baseline["psnr"],
            input_val_ssim=baseline["ssim"],
        )
        if previous is None:
            yield end_epoch([])
        state = TrainState.FINISHED
        losses: list[float] = []
        while n_total is None or run.step < n_total:
            if stop is not None and stop.is_set():
                state = TrainState.STOPPED
                break
            if limit_s is not None and elapsed() >= limit_s:
                break
            progress = run.step / n_total if n_total else 0.0
            if limit_s is not None:
                progress = max(progress, elapsed() / limit_s)
            lr = learning_rate(config, run.step, progress, n_total)
            for group in optimizer.param_groups:
                group["lr"] = lr
            xb, yb, *db = data.sample(rng, config.batch, config.crop, with_depth=conditioned)
            x, y = torch.from_numpy(xb).to(device), torch.from_numpy(yb).to(device)
            depth = torch.from_numpy(db[0]).to(device) if conditioned else None
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                outputs = model.forward_multiscale(x, depth)
            loss = multiscale_loss([o.float() for o in outputs], y)
            if not torch.isfinite(loss):
                raise UserInputError(
                    f"training diverged at step {run.step + 1} (loss {loss.item()}); "
                    "lower the learning rate (--lr)"
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            run.step += 1
            losses.append(loss.item())
            yield StepEnd(run.step, losses[-1], lr)
            if run.step % spe == 0:
                run.epoch += 1
                yield end_epoch(losses)
                losses = []
                patience = config.early_stopping_patience
                if patience and run.epochs_without_improvement >= patience:
                    state = TrainState.EARLY_STOPPED
                    break
                if run.step != n_total:
                    yield save(TrainState.RUNNING)
            elif config.checkpoint_every and run.step % config.checkpoint_every == 0:
                yield save(TrainState.RUNNING)
        if state is not TrainState.STOPPED and losses:  # partial last epoch
            run.epoch += 1
            yield end_epoch(losses)
        if state is TrainState.EARLY_STOPPED and best_weights is not None:
            model.load_state_dict({k: v.to(device) for k, v in best_weights.items()})
        yield save(state)
        yield Finished(state, out, run.step)
    finally:
        torch.use_deterministic_algorithms(deterministic)
    return model.cpu().eval()


def train(config: TrainConfig, data: TrainingData, **kwargs: Any) -> nn.Module:
    """Run :func:`run_training` to the end, discarding events; returns the model."""
    return drive(run_training(config, data, **kwargs))
