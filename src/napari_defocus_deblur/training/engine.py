"""The training loop: a generator of typed events that returns the trained network.

Multi-scale loss (Eq. 6 of arXiv:2201.02876), Adam with linear warm-up and a cosine
schedule, gradient clipping, bfloat16 autocast on CUDA and on CPUs with fast bf16 matrix
units (measured at run time, float32 elsewhere), channels-last tensors on CPU and CUDA
(:func:`~napari_defocus_deblur.inference.device.uses_channels_last`), depth-conditioned
networks fed each crop's defocus distance, validation by field after every epoch, early
stopping on validation PSNR, and checkpoints that resume exactly: on CPU, a run stopped
and resumed gives bitwise the same weights as an uninterrupted run.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.device import (
    resolve_device,
    training_uses_bf16,
    uses_channels_last,
)
from napari_defocus_deblur.progress import drive
from napari_defocus_deblur.training.config import TrainConfig
from napari_defocus_deblur.training.data import TrainingData
from napari_defocus_deblur.training.events import Event, Finished, StepEnd, TrainState
from napari_defocus_deblur.training.initialize import (
    check_compatible,
    initial_model,
    prepare_output,
)
from napari_defocus_deblur.training.loop import (
    MIN_IMPROVEMENT_DB,
    Session,
    input_baseline,
    learning_rate,
    total_steps,
    validate,
)
from napari_defocus_deblur.training.state import (
    RunState,
    load_best,
    load_optimizer,
    load_training_state,
    restore_rng,
    run_from_dict,
)

__all__ = [
    "MIN_IMPROVEMENT_DB",
    "learning_rate",
    "run_training",
    "total_steps",
    "train",
    "validate",
]


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
    session = _open_session(config, data)
    deterministic = torch.are_deterministic_algorithms_enabled()
    if session.device.type == "cpu":
        torch.use_deterministic_algorithms(True, warn_only=True)
    session.start_clock()
    try:
        yield session.started()
        if not session.resumed:
            yield session.end_epoch([])  # epoch 0: the starting network's validation
        state, losses = yield from _optimise(session, stop)
        yield from _finish(session, state, losses)
    finally:
        torch.use_deterministic_algorithms(deterministic)
    return session.model.cpu().to(memory_format=torch.contiguous_format).eval()


def _load_model(config: TrainConfig, out: Path) -> tuple[nn.Module, RunState, dict | None]:
    """The network and progress to start from, and the saved state when resuming."""
    if not config.resume:
        return initial_model(config), RunState(), None
    from napari_defocus_deblur.model.checkpoint import load_checkpoint

    saved = load_training_state(out)
    model = load_checkpoint(out)[0].train()
    check_compatible(config, model, f"the run in {out}")
    return model, run_from_dict(saved), saved


def _open_session(config: TrainConfig, data: TrainingData) -> Session:
    """Prepare the output, build or resume the network and optimizer, size the run."""
    out = prepare_output(config)
    device = resolve_device(config.device)
    rng = np.random.default_rng(config.seed)
    model, run, previous = _load_model(config, out)
    model.to(device)
    if uses_channels_last(device):
        model.to(memory_format=torch.channels_last)
    use_amp = training_uses_bf16(device, config.amp)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    best_weights = None
    if previous is not None:
        load_optimizer(out, optimizer, previous["optimizer"])
        restore_rng(rng, previous["rng"])
        best_weights = load_best(out)
    spe = config.epoch_steps or data.steps_per_epoch(config.crop, config.batch)
    return Session(
        config=config,
        data=data,
        out=out,
        device=device,
        model=model,
        optimizer=optimizer,
        rng=rng,
        run=run,
        resumed=previous is not None,
        best_weights=best_weights,
        steps_per_epoch=spe,
        n_total=total_steps(config, spe),
        baseline=input_baseline(data),
        use_amp=use_amp,
    )


def _optimise(
    session: Session, stop: threading.Event | None
) -> Generator[Event, None, tuple[TrainState, list[float]]]:
    """Step until the run's length or time budget, a stop request or early stopping ends
    it; returns how it ended and the losses of an unfinished last epoch."""
    config, run = session.config, session.run
    losses: list[float] = []
    while session.n_total is None or run.step < session.n_total:
        if stop is not None and stop.is_set():
            return TrainState.STOPPED, losses
        if session.out_of_time():
            break
        loss, lr = session.step()
        losses.append(loss)
        yield StepEnd(run.step, loss, lr)
        if run.step % session.steps_per_epoch == 0:
            run.epoch += 1
            yield session.end_epoch(losses)
            losses = []
            if session.patience_exhausted():
                return TrainState.EARLY_STOPPED, losses
            if run.step != session.n_total:
                yield session.save(TrainState.RUNNING)
        elif config.checkpoint_every and run.step % config.checkpoint_every == 0:
            yield session.save(TrainState.RUNNING)
    return TrainState.FINISHED, losses


def _finish(
    session: Session, state: TrainState, losses: list[float]
) -> Generator[Event, None, None]:
    """Close a partial last epoch, settle the weights to keep (best or last), save."""
    if state is not TrainState.STOPPED and losses:  # partial last epoch
        session.run.epoch += 1
        yield session.end_epoch(losses)
    session.keep_weights(state)
    yield session.save(state)
    yield Finished(state, session.out, session.run.step, **session.final_scores(state))


def train(config: TrainConfig, data: TrainingData, **kwargs: Any) -> nn.Module:
    """Run :func:`run_training` to the end, discarding events; returns the model."""
    return drive(run_training(config, data, **kwargs))
