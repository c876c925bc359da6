"""The run plan: one place decides the distance, the model, the runtime and the tiles."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import deblur, load_model
from napari_defocus_deblur.inference.catalogue import available_models, choose_model
from napari_defocus_deblur.inference.device import resolve_backend
from napari_defocus_deblur.inference.plan import ESTIMATED, METADATA, TOLD, plan_run
from tests.inference.helpers import field


def count_check_depth(monkeypatch) -> list:
    """Spy on every module's reference to ``checks.check_depth``; returns the calls."""
    from napari_defocus_deblur.inference import checks

    calls, real = [], checks.check_depth

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if (
            name.startswith("napari_defocus_deblur")
            and getattr(module, "check_depth", None) is real
        ):
            monkeypatch.setattr(module, "check_depth", spy)
    return calls


def test_a_told_depth_of_zero_is_a_depth(conditioned):
    plan = plan_run(field((48, 56)), 0.0, conditioned, device="cpu")
    assert [(p.depth_um, p.origin) for p in plan.planes] == [(0.0, TOLD)]
    assert plan.depths_um.tolist() == [0.0]


def test_auto_takes_recorded_distances_then_estimates(conditioned):
    stack = np.stack([field((160, 160), seed=s) for s in (1, 2, 3)])
    plan = plan_run(stack, "auto", conditioned, "cpu", metadata_depth_um=[0.0, None, 22.0])
    origins = [p.origin for p in plan.planes]
    assert origins == [METADATA, ESTIMATED, METADATA]
    assert plan.planes[0].depth_um == 0.0 and plan.planes[2].depth_um == 22.0
    assert 0.0 <= plan.planes[1].confidence <= 1.0
    one = plan_run(stack, "auto", conditioned, "cpu", metadata_depth_um=10.0)
    assert {(p.depth_um, p.origin) for p in one.planes} == {(10.0, METADATA)}
    told = plan_run(stack, 16.0, conditioned, "cpu", metadata_depth_um=10.0)
    assert {(p.depth_um, p.origin) for p in told.planes} == {(16.0, TOLD)}


def test_the_model_is_the_catalogues_choice_at_the_median_distance(zoo):
    image = field((48, 56))
    plan = plan_run(image, 12.0, device="cpu")
    assert plan.model.name == "tiny-10um-sum" == choose_model(12.0, "sum", strict=True).name
    stack = np.stack([image] * 3)
    recorded = plan_run(stack, "auto", device="cpu", metadata_depth_um=[30.0, 10.0, 34.0])
    assert recorded.model.name == "tiny-34um-sum"
    assert plan_run(image, 30.0, fusion="concat", device="cpu").model.name == "tiny-28um-concat"
    mine = [e for e in available_models() if e.name == "tiny-10um-sum"]
    assert plan_run(image, 34.0, device="cpu", models=mine).model == mine[0]


def test_none_is_not_a_depth_and_bad_models_are_one_line(conditioned):
    with pytest.raises(UserInputError, match="depth_um must be a number"):
        plan_run(field(), None, conditioned, "cpu")
    with pytest.raises(UserInputError, match="model must be a network"):
        plan_run(field(), 34.0, 3, "cpu")


def test_runtime_is_resolved_once_or_taken_as_given(conditioned, monkeypatch):
    from napari_defocus_deblur.inference import device

    calls = []
    real = device.resolve_backend  # what the plan's ``as_backend`` calls
    monkeypatch.setattr(device, "resolve_backend", lambda *a: calls.append(a) or real(*a))
    plan = plan_run(field(), 34.0, conditioned, "cpu", "torch", "fp32")
    assert calls == [("torch", "fp32", "cpu")]
    assert (plan.backend, plan.precision, plan.device.type) == ("torch", "fp32", "cpu")
    given = resolve_backend("torch", "fp32", "cpu")
    assert plan_run(field(), 34.0, conditioned, backend=given).runtime is given
    assert len(calls) == 1
    assert plan.describe().startswith("model cond; 34 µm (told); PyTorch fp32")


def test_deblur_runs_the_plan_and_checks_the_depth_once(conditioned, monkeypatch):
    image = field((48, 56))
    model = load_model(conditioned)
    calls = count_check_depth(monkeypatch)
    out = deblur(image, depth_um=16.0, model=model, device="cpu")
    assert len(calls) == 1
    plan = plan_run(image, 16.0, model, "cpu")
    np.testing.assert_array_equal(out, deblur(image, plan=plan))
    with pytest.raises(UserInputError, match="the run plan was made for 1 plane"):
        deblur(field((48, 64)), plan=plan)


def test_deblur_checks_the_depth_once_when_choosing_the_model(zoo, monkeypatch):
    calls = count_check_depth(monkeypatch)
    deblur(field((48, 56)), depth_um=0.0, device="cpu")
    assert len(calls) == 1  # today's main: iter_deblur, then select_model


def test_estimates_of_low_confidence_get_a_note(conditioned, monkeypatch):
    from napari_defocus_deblur import estimate

    flat = estimate.DefocusEstimate(20.0, 3.0, 0.1, 4, "", 14.5)
    monkeypatch.setattr(estimate, "estimate_defocus", lambda image, microscope=None: flat)
    plan = plan_run(field((160, 160)), "auto", conditioned, "cpu")
    assert plan.planes[0].describe() == "14.5 µm (estimated, confidence 0.10)"
    assert plan.depths_um.tolist() == [14.5]  # the network is told the cautious distance
    cautious = "uncertain", "low end of their tiles' readings"
    assert any(all(words in note for words in cautious) for note in plan.notes)
