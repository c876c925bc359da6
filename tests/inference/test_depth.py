"""The distance is a real knob: told or estimated, it changes what the bundled model does."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur import deblur
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.simulate.field import simulate_prior_field


@pytest.fixture(scope="module")
def field_34um():
    """A fresh field (a seed not in the set) of the robustness set's nominal 34 µm cell."""
    from dataclasses import replace

    from napari_defocus_deblur.simulate.robustness import cells, simulate_cell

    cell = next(
        c
        for c in cells()
        if (c.setting, c.content, c.depth_um) == ("nominal", "sparse-smooth", 34.0)
    )
    return simulate_cell(replace(cell, seed=4242))


def test_two_depths_give_two_results(field_34um):
    blurred, _ = field_34um
    near, far = deblur(blurred, depth_um=10), deblur(blurred, depth_um=34)
    assert np.abs(near - far).max() > 0.01 * (far.max() - far.min())


def test_bundled_default_improves_a_fresh_robustness_prior_field(field_34um):
    blurred, sharp = field_34um
    restored = deblur(blurred, depth_um="auto")
    assert psnr(restored, sharp) > psnr(blurred.astype(float), sharp) + 0.5


def test_auto_reads_farther_defocus_as_farther():
    from napari_defocus_deblur.inference.plan import plan_run

    seen = []
    for depth in (10.0, 34.0):
        images, _ = simulate_prior_field([-depth], prior="nominal", seed=7, shape=(256, 256))
        seen.append(plan_run(images[-depth], "auto", device="cpu").planes[0].depth_um)
    assert seen[0] < seen[-1]


@pytest.mark.parametrize("bad", ["abc", float("nan"), -3.0, None])
def test_bad_depths_are_one_readable_error(bad):
    with pytest.raises(UserInputError):
        deblur(np.ones((64, 64), np.float32), depth_um=bad)
