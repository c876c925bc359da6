"""Simulator priors: presets reproducible by seed, draws within their ranges."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.simulate.field import simulate_prior_field
from napari_defocus_deblur.simulate.prior import PRESETS, get_prior


@pytest.mark.parametrize("preset", ["nominal", "wide"])
def test_presets_are_reproducible_by_seed(preset):
    a, da = simulate_prior_field([-20.0], prior=preset, seed=5, shape=(64, 80))
    b, db = simulate_prior_field([-20.0], prior=preset, seed=5, shape=(64, 80))
    c, _ = simulate_prior_field([-20.0], prior=preset, seed=6, shape=(64, 80))
    assert da == db
    np.testing.assert_array_equal(a[-20.0], b[-20.0])
    assert not np.array_equal(a[-20.0], c[-20.0])
    assert a[0.0].dtype == np.uint16 and a[-20.0].shape == (64, 80)


def test_wide_draws_stay_within_their_ranges_and_vary():
    wide = PRESETS["wide"]
    draws = [wide.draw(np.random.default_rng(s)) for s in range(60)]
    nas = [d.optics.na for d in draws]
    scales = [d.optics.defocus_scale for d in draws]
    assert wide.na[0] <= min(nas) and max(nas) <= wide.na[1]
    assert wide.defocus_scale[0] <= min(scales) and max(scales) <= wide.defocus_scale[1]
    assert max(scales) - min(scales) > 0.5
    assert 0 < sum(d.above_focus for d in draws) < 30
    radii = [d.style.radius_px for d in draws]
    assert all(wide.radius_px[0] <= lo <= hi <= wide.radius_px[1] for lo, hi in radii)


def test_nominal_draws_are_fixed():
    nominal = PRESETS["nominal"]
    a = nominal.draw(np.random.default_rng(1))
    b = nominal.draw(np.random.default_rng(2))
    assert a == b and not a.above_focus


def test_unknown_preset_is_one_readable_error():
    with pytest.raises(UserInputError, match="unknown simulator preset"):
        get_prior("banana")


def test_wider_optics_blur_more():
    sharp_edges = []
    for scale in (0.9, 1.7):
        prior = PRESETS["nominal"].__class__("t", defocus_scale=(scale, scale))
        images, _ = simulate_prior_field([-34.0], prior=prior, seed=3, shape=(128, 128))
        sharp_edges.append(np.abs(np.diff(images[-34.0].astype(float), axis=1)).mean())
    assert sharp_edges[1] < sharp_edges[0]


def test_nominal_optics_variant_fixes_the_optics_and_keeps_the_rest_random():
    from napari_defocus_deblur.simulate.prior import with_nominal_optics

    prior = get_prior("wide+nominal-optics")
    assert prior == with_nominal_optics("wide") and prior.name == "wide+nominal-optics"
    nominal = PRESETS["nominal"].draw(np.random.default_rng(0))
    draws = [prior.draw(np.random.default_rng(s)) for s in range(20)]
    assert all(d.optics == nominal.optics and not d.above_focus for d in draws)
    assert len({d.camera.background_adu for d in draws}) == 20
    assert len({d.style.count for d in draws}) > 10
    assert prior.gain == PRESETS["wide"].gain and prior.count == PRESETS["wide"].count


def test_nominal_optics_of_an_unknown_preset_is_one_readable_error():
    with pytest.raises(UserInputError, match="unknown simulator preset 'banana'"):
        get_prior("banana+nominal-optics")
    with pytest.raises(UserInputError, match="unknown simulator preset"):
        get_prior("+nominal-optics")


def test_sparse_smooth_variant_draws_few_smooth_nuclei_with_the_presets_optics():
    from napari_defocus_deblur.simulate.prior import with_sparse_smooth

    prior = get_prior("wide+sparse-smooth")
    assert prior == with_sparse_smooth("wide") and prior.na == PRESETS["wide"].na
    draws = [prior.draw(np.random.default_rng(s)) for s in range(30)]
    assert all(d.style.count[1] <= 41 and d.style.fine_texture <= 0.06 for d in draws)
    assert all(d.style.bright_bodies <= 1.0 for d in draws)
    assert len({d.optics.na for d in draws}) == 30 and any(d.above_focus for d in draws)
    wide = [PRESETS["wide"].draw(np.random.default_rng(s)).style for s in range(30)]
    assert sum(s.count[1] <= 41 and s.fine_texture <= 0.06 for s in wide) <= 2
    both = get_prior("wide+nominal-optics+sparse-smooth")
    assert both.na == PRESETS["nominal"].na and both.count == prior.count


def test_bright_bodies_variant_adds_bodies_and_keeps_every_other_draw():
    from dataclasses import replace

    from napari_defocus_deblur.simulate.content import random_layout
    from napari_defocus_deblur.simulate.field import prior_draw

    prior = get_prior("wide+nominal-optics+bright-bodies")
    assert prior.bright_bodies == (8.0, 20.0)
    assert prior.na == get_prior("wide+nominal-optics").na
    bodies = {"wide": 0, "wide+bright-bodies": 0}
    for seed in range(10):
        plain, more = prior_draw("wide", seed), prior_draw("wide+bright-bodies", seed)
        assert more.optics == plain.optics and more.camera == plain.camera
        assert 8.0 <= more.style.bright_bodies <= 20.0
        assert replace(more.style, bright_bodies=0.0) == replace(plain.style, bright_bodies=0.0)
        for name, draw in (("wide", plain), ("wide+bright-bodies", more)):
            layout = random_layout((256, 256), np.random.default_rng([seed, 0]), draw.style)
            bodies[name] += int(layout.mitotic.sum())
    assert bodies["wide+bright-bodies"] >= 2 * bodies["wide"] + 5
