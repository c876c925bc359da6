"""run_training: learns, reproduces, stops and resumes exactly, refuses bad setups."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import torch

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.model import build_model
from napari_defocus_deblur.model.checkpoint import load_checkpoint, save_checkpoint
from napari_defocus_deblur.progress import drive
from napari_defocus_deblur.training import (
    CheckpointSaved,
    EpochEnd,
    Finished,
    Started,
    StepEnd,
    TrainConfig,
    TrainingData,
    TrainState,
    loop,
    run_training,
    train,
)
from napari_defocus_deblur.training.engine import learning_rate
from tests.training.helpers import TINY, blob_pairs


@pytest.fixture(scope="module")
def data():
    oof, sharp = blob_pairs(5, (48, 48), seed=1)
    return TrainingData.from_arrays(oof, sharp, val_fraction=0.2, depth_um=10.0)


def _config(out, **kw):
    base = dict(crop=32, batch=2, warmup=2, epoch_steps=6, lr=2e-3, steps=12, **TINY)
    base.update(kw)
    return TrainConfig(out, **base)


def _weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_loss_falls_and_events_are_complete(tmp_path, data):
    events = []
    gen = run_training(_config(tmp_path / "run", steps=36), data)
    while True:
        try:
            events.append(next(gen))
        except StopIteration as done:
            model = done.value
            break
    assert isinstance(events[0], Started) and events[0].total_steps == 36
    steps = [e for e in events if isinstance(e, StepEnd)]
    assert [e.step for e in steps] == list(range(1, 37))
    # resize-then-convolve upsampling (zoo v3) starts slower than transposed convolutions
    assert np.mean([e.loss for e in steps[-6:]]) < 0.65 * np.mean([e.loss for e in steps[:6]])
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epochs] == list(range(7))
    assert epochs[-1].val_loss < epochs[0].val_loss
    assert epochs[-1].val_psnr > epochs[0].val_psnr
    assert isinstance(events[-1], Finished) and events[-1].state is TrainState.FINISHED
    best = max(epochs, key=lambda e: e.val_psnr)
    assert events[-1].val_psnr == best.val_psnr  # the saved weights': the best epoch's
    assert events[-1].kept_epoch == best.epoch > 0
    assert events[-1].input_val_psnr == events[0].input_val_psnr
    assert events[-1].start_val_psnr is None  # from scratch: no model to compare with
    assert any(isinstance(e, CheckpointSaved) for e in events)
    assert not model.training
    loaded, info = load_checkpoint(tmp_path / "run")
    for k, v in loaded.state_dict().items():
        torch.testing.assert_close(v, model.state_dict()[k], rtol=0, atol=0)
    record = info["training"]
    assert info["depth_um"] == 10.0 and info["normalization"]["low"] == 1.0
    assert record["steps"] == 36 and len(record["history"]) == 7
    assert record["device"].startswith("cpu") and record["data"]["n_val_fields"] == 1


def test_same_seed_same_weights_other_seed_differs(tmp_path, data):
    a = train(_config(tmp_path / "a", seed=3), data)
    b = train(_config(tmp_path / "b", seed=3), data)
    c = train(_config(tmp_path / "c", seed=4), data)
    for k, v in a.state_dict().items():
        assert torch.equal(v, b.state_dict()[k]), k
    assert any(not torch.equal(v, c.state_dict()[k]) for k, v in a.state_dict().items())


def test_stop_checkpoint_resume_equals_uninterrupted(tmp_path, data):
    full = train(_config(tmp_path / "full"), data)
    stop = threading.Event()
    events = []
    for ev in run_training(_config(tmp_path / "part"), data, stop=stop):
        events.append(ev)
        if isinstance(ev, StepEnd) and ev.step == 8:
            stop.set()
    assert events[-1] == Finished(TrainState.STOPPED, tmp_path / "part", 8)
    state = json.loads((tmp_path / "part" / "training_state.json").read_text())
    assert state["step"] == 8 and state["state"] == "stopped"
    load_checkpoint(tmp_path / "part")  # usable checkpoint
    resumed_events = []
    gen = run_training(_config(tmp_path / "part", resume=True), data)
    while True:
        try:
            resumed_events.append(next(gen))
        except StopIteration as done:
            resumed = done.value
            break
    assert resumed_events[0].start_step == 8
    assert [e.step for e in resumed_events if isinstance(e, StepEnd)] == [9, 10, 11, 12]
    for k, v in full.state_dict().items():
        assert torch.equal(v, resumed.state_dict()[k]), k


@pytest.mark.parametrize(("keep", "steps", "best_epoch"), [("best", 6, 0), ("last", 9, 1)])
def test_early_stopping_counts_from_the_start_only_when_keeping_the_best(
    tmp_path, data, keep, steps, best_epoch
):
    cfg = _config(
        tmp_path / "es",
        steps=60,
        lr=1e-9,
        warmup=0,
        early_stopping_patience=2,
        epoch_steps=3,
        keep=keep,
    )
    events = list(run_training(cfg, data))
    assert events[-1].state is TrainState.EARLY_STOPPED and events[-1].steps == steps
    record = load_checkpoint(tmp_path / "es")[1]["training"]
    assert record["best_epoch"] == best_epoch and record["epochs"] == steps // 3
    kept = best_epoch if keep == "best" else None
    assert record["kept_epoch"] == kept == events[-1].kept_epoch
    last = [e for e in events if isinstance(e, EpochEnd)][-1]
    saved = record["best_val_psnr"] if keep == "best" else last.val_psnr
    assert events[-1].val_psnr == saved


def test_fine_tune_starts_from_checkpoint(tmp_path, data):
    start = build_model(**TINY)
    save_checkpoint(start, tmp_path / "init", info={"depth_um": 10})
    cfg = _config(tmp_path / "ft", init=str(tmp_path / "init"), steps=1, lr=1e-9, warmup=0)
    tuned = train(cfg, data)
    for k, v in start.state_dict().items():
        torch.testing.assert_close(tuned.state_dict()[k], v, atol=1e-6, rtol=0)
    with pytest.raises(UserInputError, match="3 scales were requested"):
        train(_config(tmp_path / "ft2", init=str(tmp_path / "init"), scales=3), data)
    with pytest.raises(UserInputError, match="neither 'scratch'"):
        train(_config(tmp_path / "ft3", init="no-such-model"), data)


def test_output_dir_errors(tmp_path, data):
    train(_config(tmp_path / "done", steps=2), data)
    with pytest.raises(UserInputError, match="already holds a training run"):
        next(run_training(_config(tmp_path / "done"), data))
    with pytest.raises(UserInputError, match="no training run"):
        next(run_training(_config(tmp_path / "fresh", resume=True), data))
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserInputError, match="not a directory"):
        next(run_training(_config(blocker), data))
    with pytest.raises(UserInputError, match="cannot write to output directory"):
        next(run_training(_config(blocker / "sub"), data))
    with pytest.raises(UserInputError, match="crop 64 is larger"):
        next(run_training(_config(tmp_path / "big", crop=64), data))


def test_schedule_and_config_validation(tmp_path):
    cfg = TrainConfig(tmp_path, lr=1e-3, warmup=10)
    assert learning_rate(cfg, 0, 0.0, 1000) == pytest.approx(1e-4)
    assert learning_rate(cfg, 0, 0.0, 20) == pytest.approx(5e-4)  # warm-up <= 10% of run
    assert learning_rate(cfg, 500, 0.0, 1000) == pytest.approx(1e-3)
    assert learning_rate(cfg, 999, 1.0, 1000) == pytest.approx(1e-5)
    with pytest.raises(UserInputError, match="either steps or epochs"):
        TrainConfig(tmp_path, steps=3, epochs=2)
    with pytest.raises(UserInputError, match="crop must be at least 16"):
        TrainConfig(tmp_path, crop=8)
    with pytest.raises(UserInputError, match="unknown training config keys: bogus"):
        TrainConfig.from_dict({"output_dir": "x", "bogus": 1})
    round_trip = TrainConfig.from_dict(TrainConfig(tmp_path, fusion="concat").to_dict())
    assert round_trip.fusion == "concat" and round_trip.output_dir == tmp_path


def test_zoo_configs_load(tmp_path):
    from pathlib import Path

    configs = sorted((Path(__file__).parents[2] / "configs").glob("bbbc006-*.json"))
    assert len(configs) == 20
    for path in configs:
        cfg = TrainConfig.from_file(path, output_dir=tmp_path)
        depth, method = path.stem.split("-")[1:]
        assert cfg.depth_um == float(depth.removesuffix("um"))
        arch = {"nah": "nah"}.get(method, "head_to_tail")
        assert cfg.architecture == arch and cfg.init == "scratch"
        if method in ("sum", "concat"):
            assert cfg.fusion == method and cfg.scales == 4


def test_pooled_distance_config(tmp_path):
    cfg = TrainConfig(tmp_path, depths_um=[34, 10])
    assert cfg.depths_um == (34.0, 10.0) and cfg.depth_um is None
    assert TrainConfig.from_dict(cfg.to_dict()).depths_um == (34.0, 10.0)
    assert cfg.to_dict()["depths_um"] == [34.0, 10.0]
    with pytest.raises(UserInputError, match="either depth_um or depths_um"):
        TrainConfig(tmp_path, depth_um=34, depths_um=(10,))
    with pytest.raises(UserInputError, match="distinct positive"):
        TrainConfig(tmp_path, depths_um=(10, 10))


def test_cpu_zoo_configs_load(tmp_path):
    from pathlib import Path

    from napari_defocus_deblur.model import build_model, count_parameters

    expected = {"sum": 2_324_196, "concat": 2_585_316, "unet": 1_925_025, "nah": 1_777_347}
    root = Path(__file__).parents[2] / "configs"
    for method, parameters in expected.items():
        cfg = TrainConfig.from_file(root / f"cpu-bbbc006-{method}.json", output_dir=tmp_path)
        assert cfg.depths_um == (10.0, 16.0, 22.0, 28.0, 34.0)
        assert cfg.max_minutes == 30 and cfg.device == "cpu" and cfg.init == "scratch"
        assert count_parameters(build_model(**cfg.model_options())) == parameters
    specialist = TrainConfig.from_file(
        root / "cpu-bbbc006-34um-sum-specialist.json", output_dir=tmp_path
    )
    assert specialist.depth_um == 34.0 and specialist.max_minutes == 6  # a fifth of 30


def test_trains_channels_last_on_cpu_and_returns_the_usual_layout(tmp_path, data, monkeypatch):
    import napari_defocus_deblur.training.engine as engine

    built = []
    make = engine.initial_model

    def keep(config):
        built.append(make(config))
        return built[-1]

    monkeypatch.setattr(engine, "initial_model", keep)
    gen = run_training(_config(tmp_path / "cl", steps=6), data)
    next(e for e in gen if isinstance(e, StepEnd))
    convs = [p for p in built[0].parameters() if p.ndim == 4 and min(p.shape[1:]) > 1]
    assert convs and all(
        p.is_contiguous(memory_format=torch.channels_last) and not p.is_contiguous() for p in convs
    )
    model = drive(gen)
    assert all(p.is_contiguous() for p in model.parameters())
    best = load_checkpoint(tmp_path / "cl")[0]  # written contiguous, loads
    for k, v in best.state_dict().items():
        assert torch.equal(v, model.state_dict()[k]), k


def test_fine_tuning_is_scored_against_the_model_it_started_from(tmp_path, data):
    train(_config(tmp_path / "init"), data)
    cfg = _config(tmp_path / "ft", init=str(tmp_path / "init"), steps=6)
    events = list(run_training(cfg, data))
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert epochs[0].epoch == 0 and events[-1].start_val_psnr == epochs[0].val_psnr
    best = max(epochs, key=lambda e: e.val_psnr)
    assert events[-1].val_psnr == best.val_psnr and events[-1].kept_epoch == best.epoch
    assert not events[-1].below_start
    assert "the model it started from" in events[-1].outcome()


def _spoiled_fine_tune(tmp_path, data, keep, monkeypatch):
    """Fine-tune a trained network uphill on its training loss, which spoils it on every
    CPU (a large learning rate alone spoiled it under bf16 but helped it in float32):
    (start, events, saved network). Validation keeps the true loss."""
    train(_config(tmp_path / "init", steps=36), data)
    start = load_checkpoint(tmp_path / "init")[0]
    true_loss = loop.multiscale_loss

    def uphill(outputs, target):
        loss = true_loss(outputs, target)
        return -loss if torch.is_grad_enabled() else loss

    monkeypatch.setattr(loop, "multiscale_loss", uphill)
    cfg = _config(tmp_path / keep, init=str(tmp_path / "init"), warmup=0, keep=keep)
    events = list(run_training(cfg, data))
    return start, events, load_checkpoint(tmp_path / keep)[0]


def test_a_fine_tune_that_spoils_the_model_keeps_the_model_it_started_from(
    tmp_path, data, monkeypatch
):
    start, events, saved = _spoiled_fine_tune(tmp_path, data, "best", monkeypatch)
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert max(e.val_psnr for e in epochs[1:]) < epochs[0].val_psnr  # really spoiled
    done = events[-1]
    assert done.kept_epoch == 0 and done.val_psnr == done.start_val_psnr == epochs[0].val_psnr
    assert not done.below_start and "the saved model is that model, unchanged" in done.outcome()
    for k, v in start.state_dict().items():
        torch.testing.assert_close(saved.state_dict()[k], v, rtol=0, atol=0)


def test_keeping_the_last_weights_saves_the_spoiled_model_and_says_so(tmp_path, data, monkeypatch):
    start, events, saved = _spoiled_fine_tune(tmp_path, data, "last", monkeypatch)
    done, last = events[-1], [e for e in events if isinstance(e, EpochEnd)][-1]
    assert done.kept_epoch is None and done.val_psnr == last.val_psnr
    assert done.below_start and "BELOW the model it started from" in done.outcome()
    assert any(not torch.equal(v, saved.state_dict()[k]) for k, v in start.state_dict().items())
