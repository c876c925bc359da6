"""lattice_ratio: a period-2/4 grid is found, natural images and noise are not flagged."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from napari_defocus_deblur.evaluation.lattice import (
    LATTICE_FREQUENCIES,
    lattice_ratio,
    lattice_ratios,
)


def _cells(shape=(260, 348), seed=0):
    rng = np.random.default_rng(seed)
    img = np.zeros(shape)
    ys, xs = rng.integers(0, shape[0], 60), rng.integers(0, shape[1], 60)
    img[ys, xs] = rng.uniform(500, 1500, 60)
    return gaussian_filter(img, 5) * 40 + 100 + rng.normal(0, 2, shape)


def test_noise_and_smooth_content_have_no_lattice():
    assert lattice_ratio(np.random.default_rng(1).normal(size=(256, 256))) < 10
    assert lattice_ratio(_cells()) < 10


@pytest.mark.parametrize("name", list(LATTICE_FREQUENCIES))
def test_each_lattice_frequency_is_found(name):
    fy, fx = LATTICE_FREQUENCIES[name]
    yy, xx = np.indices((260, 348))
    grid = np.cos(2 * np.pi * (fy * yy + fx * xx))
    ratios = lattice_ratios(_cells() + 2.0 * grid)
    assert ratios[name] > 100
    others = [v for k, v in ratios.items() if k != name]
    assert max(others) < 10


def test_period_two_checkerboard_of_a_transposed_convolution():
    img = _cells()
    img[::2, ::2] += 3.0  # one kernel position brighter: the transposed-conv signature
    assert lattice_ratio(img) > 100


def test_refuses_what_is_not_an_image():
    with pytest.raises(ValueError, match="2-D image"):
        lattice_ratio(np.zeros((8, 8)))
    with pytest.raises(ValueError, match="2-D image"):
        lattice_ratio(np.zeros((3, 64, 64)))
