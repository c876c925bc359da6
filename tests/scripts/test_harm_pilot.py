"""scripts/harm_pilot.py: the unshared-body diagnostic starts from the shipped function."""

from __future__ import annotations

import pytest
import torch

from napari_defocus_deblur.inference.catalogue import resolve_model_path
from napari_defocus_deblur.model import count_parameters
from napari_defocus_deblur.model.checkpoint import load_checkpoint


def test_unshared_init_copies_the_body_and_keeps_the_function(load_script, tmp_path):
    pilot = load_script("harm_pilot")
    shared, shipped_info = load_checkpoint(resolve_model_path("bbbc006-sum"))
    out = pilot.unshared_init("sum", tmp_path)
    unshared, info = load_checkpoint(out)
    assert not unshared.config.share_weights and len(unshared.bodies) == 4
    body = count_parameters(shared.bodies[0])
    assert count_parameters(unshared) == count_parameters(shared) + 3 * body
    assert info["depths_um"] == shipped_info["depths_um"]
    x = torch.rand(2, 1, 48, 64)
    with torch.no_grad():
        torch.testing.assert_close(unshared(x, 16.0), shared(x, 16.0), rtol=0, atol=1e-6)
    assert pilot.unshared_init("sum", tmp_path) == out  # made once


def test_unshare_refuses_a_single_scale_network(load_script, tmp_path):
    with pytest.raises(SystemExit, match="multi-scale"):
        load_script("harm_pilot").unshared_init("unet", tmp_path)


def test_told_estimate_tells_a_share_of_the_fields_the_one_click_reading(load_script, monkeypatch):
    import numpy as np

    from napari_defocus_deblur.estimate import estimate_defocus
    from napari_defocus_deblur.simulate.field import simulate_field
    from napari_defocus_deblur.training import prior_cache, prior_data
    from napari_defocus_deblur.training.fields import Field

    images = simulate_field([0.0, -20.0], seed=3, shape=(256, 256))
    sharp, blurred = images[0.0].astype(np.float32), images[-20.0].astype(np.float32)
    lo, hi = float(blurred.min()), float(blurred.max())
    fields = [
        Field(f"f{i}", (blurred - lo) / (hi - lo), (sharp - lo) / (hi - lo), lo, hi, 20.0)
        for i in range(40)
    ]
    monkeypatch.setattr(prior_cache, "load_cached", lambda key: (fields, 32, (2.0, 44.0), "x"))
    monkeypatch.setattr(prior_data, "load_cached", prior_data.load_cached)
    reading = min(float(estimate_defocus(blurred).deblur_depth_um), 44.0)
    assert abs(reading - 20.0) > 0.01  # an estimate, not the truth
    pilot = load_script("harm_pilot")
    for share, low, high in ((0.0, 0, 0), (0.5, 10, 30), (1.0, 40, 40)):
        pilot.tell_the_estimate(share)
        told = [f.depth_um for f in prior_data.load_cached("key")[0]]
        estimated = sum(abs(d - reading) < 1e-6 for d in told)
        assert low <= estimated <= high and told.count(20.0) == 40 - estimated


def test_above_weight_draws_fields_imaged_above_focus_that_much_more_often(
    load_script, monkeypatch
):
    from dataclasses import replace

    import numpy as np

    from napari_defocus_deblur.simulate.prior import get_prior
    from napari_defocus_deblur.training.data import TrainingData
    from napari_defocus_deblur.training.fields import Field

    def side(seed: int) -> bool:
        return get_prior("wide").draw(np.random.default_rng([seed, 7])).above_focus

    above = next(s for s in range(2_600_000, 2_601_000) if side(s))
    below = next(s for s in range(2_600_000, 2_601_000) if not side(s))
    image = np.zeros((64, 64), np.float32)

    def field(name: str) -> Field:
        return Field(name, image, image, 0.0, 1.0, 10.0)

    train = [field(f"wide-{above}@10um"), field(f"wide-{below}@10um"), field("real-3")]
    monkeypatch.setattr(TrainingData, "__init__", TrainingData.__init__)
    pilot = load_script("harm_pilot")
    assert [pilot.imaged_above_focus(f) for f in train] == [True, False, False]
    train = [replace(f, above_focus=pilot.imaged_above_focus(f)) for f in train]
    pilot.oversample_above_focus(3.0)
    data = TrainingData(train, [field("val")])
    np.testing.assert_allclose(data._weights, [0.6, 0.2, 0.2])
