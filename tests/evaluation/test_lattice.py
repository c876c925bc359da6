"""lattice_ratio: a period-2/4 grid is found, natural images and noise are not flagged."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from napari_defocus_deblur.evaluation.lattice import (
    LATTICE_FREQUENCIES,
    lattice_blocks,
    lattice_ratio,
    lattice_ratios,
    ratios_of_blocks,
    set_lattice_ratio,
    set_lattice_ratios,
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


def _noise(seed, shape=(128, 128)):
    return np.random.default_rng(seed).normal(size=shape)


def test_one_noise_field_can_read_a_lattice_by_chance():
    # the Nyquist bins of a real image are real numbers: chi-square with one degree of
    # freedom, so pure noise now and then reads far above 10 (here 24 at the diagonal)
    ratios = lattice_ratios(_noise(11))
    assert ratios["nyquist_diagonal"] > 20
    assert max(v for k, v in ratios.items() if k != "nyquist_diagonal") < 5


def test_a_set_averages_chance_peaks_out():
    assert lattice_ratio(_noise(11)) > 20
    fields = [_noise(11)] + [_noise(seed) for seed in range(100, 115)]
    assert set_lattice_ratio(fields) < 3


def test_a_set_keeps_a_grid_painted_on_every_image():
    # a faint grid, at 12-40 on single fields: the set's mean spectrum keeps it
    yy, xx = np.indices((128, 128))
    grid = 0.05 * np.cos(np.pi * (yy + xx))
    fields = [_noise(seed) + grid for seed in range(16)]
    ratios = set_lattice_ratios(fields)
    assert ratios["nyquist_diagonal"] > 15
    assert max(v for k, v in ratios.items() if k != "nyquist_diagonal") < 3


def test_a_single_image_set_is_that_image():
    img = _cells()
    assert set_lattice_ratios([img]) == pytest.approx(lattice_ratios(img))


def test_a_set_refuses_mixed_shapes_and_nothing():
    with pytest.raises(ValueError, match="one shape"):
        set_lattice_ratio([_noise(0), _noise(1, (64, 128))])
    with pytest.raises(ValueError, match="at least one image"):
        set_lattice_ratio([])
    with pytest.raises(ValueError, match="2-D image"):
        set_lattice_ratio([np.zeros((8, 8))])


def test_stored_blocks_give_the_set_ratio():
    fields = [_noise(seed) + _noise(99) for seed in range(4)]
    summed = sum(lattice_blocks(f) for f in fields)
    assert summed.shape == (len(LATTICE_FREQUENCIES), 7, 7)
    assert ratios_of_blocks(summed) == pytest.approx(set_lattice_ratios(fields))
    assert ratios_of_blocks(lattice_blocks(fields[0])) == pytest.approx(lattice_ratios(fields[0]))
