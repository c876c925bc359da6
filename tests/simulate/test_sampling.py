"""Images of other pixel sizes are brought onto BBBC006's grid and back."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.simulate.sampling import Regrid, integrate_pixels, off_grid


@pytest.mark.parametrize(
    ("pixel_um", "binning", "grid"),
    [(0.1625, 4, (25, 30)), (0.3225, 2, (50, 60)), (0.33, 2, (51, 61)), (0.43, 1, (67, 80)),
     (1.29, 1, (200, 240))],
)  # fmt: skip
def test_finer_pixels_bin_by_the_whole_factor_and_the_grid_keeps_the_field_of_view(
    pixel_um, binning, grid
):
    regrid = Regrid((100, 120), pixel_um)
    assert regrid.binning == binning and regrid.grid_shape == grid


def test_only_pixels_a_quarter_off_bbbc006s_leave_its_grid():
    assert not off_grid(0.645) and not off_grid(0.5) and not off_grid(0.8)
    assert off_grid(0.48) and off_grid(0.81) and off_grid(0.1625)


def test_binning_is_the_mean_of_each_block_as_a_camera_with_larger_pixels_records():
    coarse = np.random.default_rng(0).normal(300.0, 40.0, (30, 40))
    fine = np.kron(coarse, np.ones((4, 4)))
    assert np.allclose(Regrid(fine.shape, 0.645 / 4).apply(fine), coarse, atol=1e-3)


def test_odd_shapes_and_leading_axes_come_back_aligned_pixel_for_pixel():
    rows, cols = np.mgrid[0:101, 0:131]
    ramp = np.stack([2.0 * rows + cols, 3.0 * cols - rows])[:, None]  # (2, 1, 101, 131)
    regrid = Regrid((101, 131), 0.3225)
    assert regrid.padded == (102, 132)
    on_grid = regrid.apply(ramp)
    assert on_grid.shape == (2, 1, 51, 66) and on_grid.dtype == np.float32
    back = regrid.restore(on_grid)
    assert back.shape == ramp.shape
    inner = (..., slice(4, -4), slice(4, -4))  # a ramp survives bin-and-back inside
    assert np.abs(back[inner] - ramp[inner]).max() < 0.6


def test_coarse_pixels_are_interpolated_and_shrunk_back_to_the_same_image():
    image = np.random.default_rng(1).normal(500.0, 50.0, (40, 50))
    regrid = Regrid(image.shape, 1.29)
    on_grid = regrid.apply(image)
    assert on_grid.shape == (80, 100)
    assert abs(on_grid.mean() - image.mean()) < 1.0
    assert np.corrcoef(regrid.restore(on_grid).ravel(), image.ravel())[0, 1] > 0.9
    assert "interpolated onto the networks' 0.645 µm grid (80 x 100)" in regrid.note()


def test_a_coarser_camera_integrates_the_light_under_each_of_its_pixels():
    fine = np.random.default_rng(1).gamma(3.0, 100.0, (41, 53))
    whole = integrate_pixels(fine, 2)
    assert whole.shape == (20, 26)
    assert np.allclose(whole, fine[:40, :52].reshape(20, 2, 26, 2).mean(axis=(1, 3)))
    part = integrate_pixels(fine, 2.5)  # a coarse pixel covers 2.5 fine ones
    assert part.shape == (16, 21)
    weights = np.array([1.0, 1.0, 0.5]) / 2.5
    box = weights[:, None] * weights[None, :]
    assert part[0, 0] == pytest.approx((box * fine[:3, :3]).sum())
    assert np.allclose(integrate_pixels(np.full((30, 30), 7.0), 2.7), 7.0)  # light kept
    with pytest.raises(ValueError, match="widens"):
        integrate_pixels(fine, 0.5)
