"""A round-robin training schedule: several networks, equal steps, resumable any time.

Each network has one resumable run (``<runs>/<prefix><method>``) and a training config
(``<configs>/<config_prefix><method>.json``) whose ``steps`` is the horizon of its
learning-rate schedule. A turn trains the network with the fewest steps up to the next
multiple of ``chunk`` and leaves a resumable checkpoint, so the networks never drift
more than one chunk apart and every full round ends with equal steps. Started again
after a stop, a kill or a reboot, the schedule continues from the last checkpoints
(runs write one every ``checkpoint_every`` steps). With ``keep_every``, each time all
networks stand at the same multiple of it, their weights are copied to
``<runs>/<prefix>steps/<step>/`` (:func:`keep_equal_steps`), so four comparable networks
can be evaluated and shipped while the schedule trains on. ``scripts/train_zoo_v3.py``
runs the zoo v3 schedule with it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from napari_defocus_deblur.errors import UserInputError


@dataclass(frozen=True)
class Schedule:
    """Where a schedule's configs and runs live, and how it advances.

    Attributes
    ----------
    methods
        Network names, in tie-break order.
    configs, config_prefix
        ``configs / f"{config_prefix}{method}.json"`` configures each network.
    runs, run_prefix
        ``runs / f"{run_prefix}{method}"`` holds each run.
    chunk
        Steps per turn.
    until
        The schedule ends when every network has this many steps.
    overrides
        Extra :class:`TrainConfig` fields for every run (e.g. ``content_dir``).
    keep_every
        Keep a copy of every network when all stand at a multiple of this many steps
        (0: never).
    """

    methods: tuple[str, ...]
    configs: Path
    runs: Path
    config_prefix: str = "cpu-v3-"
    run_prefix: str = "v3-"
    chunk: int = 100
    until: int = 6000
    overrides: tuple[tuple[str, Any], ...] = ()
    keep_every: int = 0

    def __post_init__(self) -> None:
        if not self.methods:
            raise UserInputError("a schedule needs at least one network")
        if self.chunk < 1 or self.until < 1:
            raise UserInputError(f"chunk and until must be >= 1, got {self.chunk}, {self.until}")
        if self.keep_every < 0:
            raise UserInputError(f"keep_every must be >= 0, got {self.keep_every}")

    def run_dir(self, method: str) -> Path:
        """Output folder of ``method``'s run."""
        return Path(self.runs) / f"{self.run_prefix}{method}"

    def config_file(self, method: str) -> Path:
        """Training config of ``method``."""
        return Path(self.configs) / f"{self.config_prefix}{method}.json"

    def kept_dir(self, step: int) -> Path:
        """Folder of the copies kept at ``step``: one run folder per network inside."""
        return Path(self.runs) / f"{self.run_prefix}steps" / str(step)


@dataclass(frozen=True)
class TurnDone:
    """Progress event: ``method`` trained from step ``start`` to ``step``; ``kept``: the
    folder of the equal-steps copy this turn completed (None: none)."""

    method: str
    start: int
    step: int
    val_psnr: float
    wall_s: float
    kept: str | None = None


def steps_done(out: Path) -> int:
    """Steps of the run in ``out`` (0 when there is none yet)."""
    from napari_defocus_deblur.training.state import STATE_FILE, load_training_state

    if not (Path(out) / STATE_FILE).is_file():
        return 0
    return int(load_training_state(Path(out)).get("step", 0))


def progress(schedule: Schedule) -> dict[str, int]:
    """Steps done per network."""
    return {m: steps_done(schedule.run_dir(m)) for m in schedule.methods}


def repeated_stage(schedule: Schedule) -> str | None:
    """Why ``schedule`` must not start, or None when it may.

    A stage continues the weights its configs name as ``init`` (the bundled zoo). When a
    network's run folder holds no checkpoint (a new machine, the folders lost) while
    those weights already record a stage of the same run name (a copy of this stage was
    shipped), starting afresh would train the stage twice over; the next stage, on new
    fields, is the way on. Runs with a checkpoint simply continue.
    """
    from napari_defocus_deblur.errors import CheckpointError
    from napari_defocus_deblur.inference.catalogue import resolve_model_path
    from napari_defocus_deblur.model.checkpoint import read_checkpoint_info

    for method in schedule.methods:
        out = schedule.run_dir(method)
        init = json.loads(schedule.config_file(method).read_text()).get("init")
        if steps_done(out) > 0 or not init:
            continue
        try:
            info = read_checkpoint_info(resolve_model_path(init))
        except CheckpointError:
            continue  # the run itself reports an unknown or broken init in one line
        stages = (info.get("training") or {}).get("stages") or []
        if out.name in {stage.get("run") for stage in stages}:
            return (
                f"{init} already holds stage {out.name} and {out} has no checkpoint: "
                "start the next stage"
            )
    return None


def next_turn(schedule: Schedule, done: dict[str, int]) -> tuple[str, int] | None:
    """The network with the fewest steps (ties: ``methods`` order) and its target step;
    None when every network has reached ``until``."""
    method = min(schedule.methods, key=lambda m: (done[m], schedule.methods.index(m)))
    if done[method] >= schedule.until:
        return None
    return method, min(schedule.until, (done[method] // schedule.chunk + 1) * schedule.chunk)


def turn_config(schedule: Schedule, method: str):
    """The :class:`TrainConfig` of ``method``'s next turn (resuming an existing run).

    A turn keeps its last weights (``keep="last"``): the copies a schedule keeps are
    named by their step count, and the next turn continues from where this one ended.
    """
    from napari_defocus_deblur.training.config import TrainConfig

    out = schedule.run_dir(method)
    return TrainConfig.from_file(
        schedule.config_file(method),
        output_dir=out,
        resume=steps_done(out) > 0,
        overwrite=False,
        **{"keep": "last", **dict(schedule.overrides)},
    )


def _train_turn(
    schedule: Schedule, method: str, target: int, stop: threading.Event, data_for: Callable
) -> tuple[int, float]:
    """Train ``method`` up to ``target`` (or a stop request): (steps, last val PSNR)."""
    from napari_defocus_deblur.training.engine import run_training
    from napari_defocus_deblur.training.events import EpochEnd, StepEnd

    config = turn_config(schedule, method)
    turn_stop = threading.Event()
    step, psnr = steps_done(config.output_dir), float("nan")
    for ev in run_training(config, data_for(config), stop=turn_stop):
        if isinstance(ev, StepEnd):
            step = ev.step
            if step >= target or stop.is_set():
                turn_stop.set()
        elif isinstance(ev, EpochEnd):
            psnr = ev.val_psnr
    return step, psnr


def iter_schedule(
    schedule: Schedule, stop: threading.Event | None = None, data_for: Callable | None = None
) -> Generator[TurnDone, None, dict[str, int]]:
    """Run turns until every network reaches ``until`` or ``stop`` is set.

    Parameters
    ----------
    schedule
        The networks, their configs and runs.
    stop
        Set it (e.g. from a signal handler) to end after the current step; the run
        writes a resumable checkpoint.
    data_for
        ``config -> TrainingData``; default: simulate or read it once per distinct
        data configuration (:func:`training.sources.training_data_for`).

    Yields
    ------
    TurnDone
        After every turn.

    Returns
    -------
    dict
        Steps per network when the schedule ended.
    """
    stop = stop or threading.Event()
    data_for = data_for or _cached_data()
    while not stop.is_set():
        done = progress(schedule)
        turn = next_turn(schedule, done)
        if turn is None:
            break
        method, target = turn
        t0 = time.perf_counter()
        step, psnr = _train_turn(schedule, method, target, stop, data_for)
        kept = keep_equal_steps(schedule)
        wall = round(time.perf_counter() - t0, 1)
        yield TurnDone(method, done[method], step, psnr, wall, None if kept is None else str(kept))
    return progress(schedule)


#: Files of a run that make a loadable, documented network (not the optimiser state).
KEPT_FILES = ("config.json", "model.safetensors", "training_state.json")


def keep_equal_steps(schedule: Schedule) -> Path | None:
    """Copy every network's weights when all stand at the same multiple of
    ``schedule.keep_every`` steps; returns the folder written (None: nothing to keep).

    Each network's folder in ``schedule.kept_dir(step)`` is written to a temporary name
    and renamed, so a half-written copy never looks complete; an existing copy is kept.
    """
    import os
    import shutil

    done = progress(schedule)
    steps = set(done.values())
    if schedule.keep_every < 1 or len(steps) != 1:
        return None
    step = steps.pop()
    if step == 0 or step % schedule.keep_every:
        return None
    folder = schedule.kept_dir(step)
    for method in schedule.methods:
        target = folder / schedule.run_dir(method).name
        if target.exists():
            continue
        partial = target.with_name(f".{target.name}.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for name in KEPT_FILES:
            shutil.copy2(schedule.run_dir(method) / name, partial / name)
        os.replace(partial, target)
    return folder


def _cached_data() -> Callable:
    """``config -> TrainingData``, built once per distinct data configuration."""
    from napari_defocus_deblur.training.sources import PRIOR_DATA_FIELDS, training_data_for

    cache: dict[str, Any] = {}

    def data_for(config) -> Any:
        key = json.dumps({k: str(getattr(config, k)) for k in PRIOR_DATA_FIELDS})
        if key not in cache:
            cache[key] = training_data_for(config, None)
        return cache[key]

    return data_for
