"""Tests of training.loop: the distances a depth-conditioned network is told, and the
do-no-harm penalty it may train with."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.model import HeadToTailNet
from napari_defocus_deblur.training import TrainConfig, TrainingData, train
from napari_defocus_deblur.training.loop import jittered_depths
from tests.training.helpers import TINY, blob_pairs


def test_no_jitter_tells_the_true_distance_and_draws_nothing():
    rng = np.random.default_rng(5)
    depths = np.array([0.0, 12.5, 34.0], dtype=np.float32)
    told = jittered_depths(depths, 0.0, rng)
    np.testing.assert_array_equal(told, depths)
    assert rng.integers(1 << 30) == np.random.default_rng(5).integers(1 << 30)


def test_jitter_is_relative_and_keeps_focus_at_zero():
    depths = np.array([0.0] * 10 + [20.0] * 20_000, dtype=np.float32)
    told = jittered_depths(depths, 0.1, np.random.default_rng(0))
    assert told.dtype == np.float32 and np.all(told[:10] == 0.0)
    log_ratio = np.log(told[10:] / 20.0)
    assert abs(log_ratio.mean()) < 0.003
    assert log_ratio.std() == pytest.approx(0.1, rel=0.03)


def test_jitter_bounds_are_checked(tmp_path):
    with pytest.raises(UserInputError, match="depth_jitter"):
        TrainConfig(tmp_path / "m", depth_jitter=0.8)
    assert TrainConfig(tmp_path / "m").depth_jitter == 0.0


def _told_depths(tmp_path, monkeypatch, jitter: float) -> np.ndarray:
    """The distances a conditioned tiny network is told over 6 training steps at 10 µm
    (batch 2; validation of 1 field after each of 2 epochs and before the first)."""
    oof, sharp = blob_pairs(4, (48, 48), seed=2)
    data = TrainingData.from_arrays(oof, sharp, val_fraction=0.25, depth_um=10.0)
    told: list[float] = []
    forward = HeadToTailNet.forward_multiscale

    def spy(self, x, depth=None):
        told.extend(torch.as_tensor(depth).float().flatten().tolist())
        return forward(self, x, depth)

    monkeypatch.setattr(HeadToTailNet, "forward_multiscale", spy)
    options = {"crop": 32, "batch": 2, "warmup": 1, "epoch_steps": 3, "steps": 6}
    config = TrainConfig(
        tmp_path / f"j{jitter}", condition="depth", depth_jitter=jitter, **options, **TINY
    )
    train(config, data)
    return np.array(told)


def test_training_tells_jittered_distances_validation_the_true_one(tmp_path, monkeypatch):
    plain = _told_depths(tmp_path, monkeypatch, 0.0)
    assert len(plain) > 12 and np.all(plain == 10.0)
    jittered = _told_depths(tmp_path, monkeypatch, 0.2)
    moved = jittered[jittered != 10.0]
    assert len(moved) == 6 * 2 and np.all(np.abs(np.log(moved / 10.0)) < 5 * 0.2)
    assert np.sum(jittered == 10.0) == len(plain) - 6 * 2  # validation: the true distance


def test_validation_runs_without_gradients(monkeypatch):
    from napari_defocus_deblur.model import build_model
    from napari_defocus_deblur.training.loop import validate

    oof, sharp = blob_pairs(4, (48, 48), seed=3)
    data = TrainingData.from_arrays(oof, sharp, val_fraction=0.5, depth_um=10.0)
    grad_enabled: list[bool] = []
    forward = HeadToTailNet.forward_multiscale

    def spy(self, x, depth=None):
        grad_enabled.append(torch.is_grad_enabled())
        return forward(self, x, depth)

    monkeypatch.setattr(HeadToTailNet, "forward_multiscale", spy)
    metrics = validate(build_model(**TINY), data, torch.device("cpu"))
    assert grad_enabled and not any(grad_enabled) and np.isfinite(metrics["val_psnr"])


def _harm_calls(
    tmp_path, monkeypatch, harm_weight: float, above_focus: float = 1.0, data=None
) -> tuple[list, list]:
    """The inputs the network got and the (output, input, weights) the harm penalty got
    over 4 training steps of a tiny network trained with ``harm_weight`` (and
    ``harm_above_focus`` ``above_focus``)."""
    from napari_defocus_deblur.training import loop

    if data is None:
        oof, sharp = blob_pairs(4, (48, 48), seed=4)
        data = TrainingData.from_arrays(oof, sharp, val_fraction=0.25)
    inputs, calls = [], []
    forward, harm = HeadToTailNet.forward_multiscale, loop.harm_loss

    def spy_forward(self, x, depth=None):
        inputs.append(x.detach().clone())
        return forward(self, x, depth)

    def spy_harm(output, blurred, target, weights=None):
        calls.append((output.detach().clone(), blurred.clone(), weights))
        return harm(output, blurred, target, weights)

    monkeypatch.setattr(HeadToTailNet, "forward_multiscale", spy_forward)
    monkeypatch.setattr(loop, "harm_loss", spy_harm)
    options = {"crop": 32, "batch": 2, "warmup": 1, "epoch_steps": 4, "steps": 4}
    out = tmp_path / f"h{harm_weight}-{above_focus}"
    weights = {"harm_weight": harm_weight, "harm_above_focus": above_focus}
    train(TrainConfig(out, **weights, **options, **TINY), data)
    return inputs, calls


def test_harm_weight_penalises_each_training_step_against_its_own_input(tmp_path, monkeypatch):
    assert TrainConfig(tmp_path / "d").harm_weight == 0.0
    with pytest.raises(UserInputError, match="harm_weight"):
        TrainConfig(tmp_path / "m", harm_weight=-1.0)
    _, plain = _harm_calls(tmp_path, monkeypatch, 0.0)
    assert plain == []  # the paper's loss alone: never computed
    inputs, calls = _harm_calls(tmp_path, monkeypatch, 2.0)
    assert len(calls) == 4  # once per step, never in validation
    training_inputs = [x for x in inputs if x.shape[-1] == 32]
    for (output, blurred, weights), x in zip(calls, training_inputs, strict=True):
        assert output.shape == blurred.shape == (2, 1, 32, 32)
        assert torch.equal(blurred, x) and weights is None


def test_harm_above_focus_weighs_the_penalty_on_crops_of_fields_imaged_above_focus(
    tmp_path, monkeypatch
):
    from dataclasses import replace

    assert TrainConfig(tmp_path / "d").harm_above_focus == 1.0
    for wrong in (0.5, 21.0):
        with pytest.raises(UserInputError, match="harm_above_focus"):
            TrainConfig(tmp_path / "m", harm_above_focus=wrong)
    oof, sharp = blob_pairs(4, (48, 48), seed=4)
    below = TrainingData.from_arrays(oof, sharp, val_fraction=0.25)
    above = TrainingData.from_arrays(oof, sharp, val_fraction=0.25)
    above.train = [replace(f, above_focus=True) for f in above.train]
    for data, expected in ((below, 1.0), (above, 5.0)):
        _, calls = _harm_calls(tmp_path / str(expected), monkeypatch, 2.0, 5.0, data)
        assert len(calls) == 4
        for _, _, weights in calls:
            assert weights.tolist() == [expected, expected]
