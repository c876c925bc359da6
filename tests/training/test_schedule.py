"""The round-robin schedule: equal steps, and a killed schedule continues where it was."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.training import TrainingData
from napari_defocus_deblur.training.schedule import (
    KEPT_FILES,
    Schedule,
    TurnDone,
    iter_schedule,
    keep_equal_steps,
    next_turn,
    progress,
    repeated_stage,
    turn_config,
)
from tests.training.helpers import TINY, blob_pairs

METHODS = ("sum", "unet")


@pytest.fixture(scope="module")
def data():
    oof, sharp = blob_pairs(4, (48, 48), seed=3)
    return TrainingData.from_arrays(oof, sharp, val_fraction=0.25, depth_um=10.0)


def _schedule(tmp_path, chunk=4, until=8) -> Schedule:
    configs = tmp_path / "configs"
    configs.mkdir(exist_ok=True)
    for method, scales in zip(METHODS, (2, 1)):
        cfg = {
            **TINY,
            "scales": scales,
            "crop": 32,
            "batch": 2,
            "warmup": 1,
            "steps": 50,
            "epoch_steps": 3,
            "checkpoint_every": 1,
            "device": "cpu",
            "early_stopping_patience": None,
            "seed": 1,
        }
        (configs / f"tiny-{method}.json").write_text(json.dumps(cfg))
    return Schedule(
        METHODS,
        configs,
        tmp_path / "runs",
        config_prefix="tiny-",
        run_prefix="r-",
        chunk=chunk,
        until=until,
    )


def test_turns_alternate_and_end_at_equal_steps(tmp_path, data):
    schedule = _schedule(tmp_path)
    job = iter_schedule(schedule, data_for=lambda config: data)
    turns = []
    try:
        while True:
            turns.append(next(job))
    except StopIteration as end:
        final = end.value
    assert all(isinstance(t, TurnDone) for t in turns)
    assert [(t.method, t.start, t.step) for t in turns] == [
        ("sum", 0, 4),
        ("unet", 0, 4),
        ("sum", 4, 8),
        ("unet", 4, 8),
    ]
    assert final == {"sum": 8, "unet": 8}


def test_a_killed_schedule_continues_and_the_counters_stay_equal(tmp_path, data):
    schedule = _schedule(tmp_path)
    stop = threading.Event()
    seen = []

    def data_for(config):  # "kill" the schedule two steps into the second turn
        seen.append(config.output_dir.name)
        if len(seen) == 2:
            threading.Timer(0.0, stop.set).start()
        return data

    list(iter_schedule(schedule, stop, data_for))
    interrupted = progress(schedule)
    assert interrupted["sum"] == 4 and 0 < interrupted["unet"] < 4
    # started again: the interrupted network goes first and resumes its step counter
    assert next_turn(schedule, interrupted) == ("unet", 4)
    turns = list(iter_schedule(schedule, data_for=lambda config: data))
    assert turns[0].method == "unet" and turns[0].start == interrupted["unet"]
    assert progress(schedule) == {"sum": 8, "unet": 8}


def test_bad_schedules_are_refused(tmp_path):
    with pytest.raises(UserInputError, match="at least one"):
        Schedule((), tmp_path, tmp_path)
    with pytest.raises(UserInputError, match=">= 1"):
        Schedule(("a",), tmp_path, tmp_path, chunk=0)
    with pytest.raises(UserInputError, match="keep_every"):
        Schedule(("a",), tmp_path, tmp_path, keep_every=-1)


def test_equal_steps_are_kept_while_the_schedule_trains_on(tmp_path, data):
    schedule = replace(_schedule(tmp_path, chunk=2, until=8), keep_every=4)
    for turn in iter_schedule(schedule, data_for=lambda config: data):
        equal = turn.method == METHODS[-1] and turn.step % 4 == 0
        assert turn.kept == (str(schedule.kept_dir(turn.step)) if equal else None)
        if equal:  # kept when the event comes
            assert schedule.kept_dir(turn.step).is_dir()
    kept = sorted(p.name for p in (tmp_path / "runs" / "r-steps").iterdir())
    assert kept == ["4", "8"]  # not 2 or 6, and nothing half-written
    for step in (4, 8):
        for method in METHODS:
            folder = schedule.kept_dir(step) / f"r-{method}"
            assert sorted(p.name for p in folder.iterdir()) == sorted(KEPT_FILES)
            assert json.loads((folder / "training_state.json").read_text())["step"] == step
    # the copy at 4 holds the weights of step 4, not the ones trained on since
    first = (schedule.kept_dir(4) / "r-sum" / "model.safetensors").read_bytes()
    assert first != (schedule.run_dir("sum") / "model.safetensors").read_bytes()
    assert keep_equal_steps(replace(schedule, keep_every=0)) is None


def _shipped(tmp_path, runs):
    """A model folder with the bundled default's record, its stages renamed to ``runs``."""
    from napari_defocus_deblur.inference.catalogue import resolve_model_path

    info = json.loads((resolve_model_path("bbbc006-unet") / "config.json").read_text())
    stage = info["training"]["stages"][-1]
    info["training"]["stages"] = [{**stage, "run": run} for run in runs]
    model = tmp_path / "shipped"
    model.mkdir()
    (model / "config.json").write_text(json.dumps(info))
    return model


def _with_init(schedule, model):
    for method in schedule.methods:
        path = schedule.config_file(method)
        path.write_text(json.dumps({**json.loads(path.read_text()), "init": str(model)}))


def test_a_stage_the_shipped_weights_already_hold_is_refused_without_its_runs(tmp_path):
    schedule = _schedule(tmp_path)
    _with_init(schedule, _shipped(tmp_path, ["r-earlier", "r-sum"]))
    message = repeated_stage(schedule)
    assert message is not None
    assert "already holds stage r-sum" in message and "start the next stage" in message


def test_a_new_stage_or_a_resumable_run_may_start(tmp_path, data):
    schedule = _schedule(tmp_path, until=4)
    list(iter_schedule(schedule, data_for=lambda config: data))  # both runs checkpointed
    _with_init(schedule, _shipped(tmp_path, ["r-sum", "r-unet"]))
    assert repeated_stage(schedule) is None  # resumable runs continue
    fresh = replace(schedule, runs=tmp_path / "fresh")
    assert repeated_stage(fresh) is not None  # the same stage without its runs: refused
    (tmp_path / "new").mkdir()
    _with_init(schedule, _shipped(tmp_path / "new", ["r-earlier"]))
    assert repeated_stage(fresh) is None  # a stage the shipped weights do not hold


def test_a_turn_keeps_its_last_weights_whatever_the_config_file_says(tmp_path, data):
    schedule = _schedule(tmp_path, chunk=3, until=6)
    path = schedule.config_file("sum")
    path.write_text(json.dumps({**json.loads(path.read_text()), "keep": "best", "steps": 6}))
    assert turn_config(schedule, "sum").keep == "last"
    job = iter_schedule(replace(schedule, methods=("sum",)), data_for=lambda c: data)
    try:
        while True:
            next(job)
    except StopIteration as end:
        final = end.value
    record = json.loads((schedule.run_dir("sum") / "config.json").read_text())["training"]
    assert final == {"sum": 6} and record["state"] == "finished"
    assert record["kept_epoch"] is None and record["epochs"] == 2
