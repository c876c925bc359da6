"""Sharpness and ringing of a restoration without a reference."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.evaluation.no_reference import ringing_share, sharpness


def _nuclei(shape=(128, 128), seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    img = np.full(shape, 120.0)
    for y, x in rng.uniform(10, 118, size=(12, 2)):
        img += 600.0 * (np.hypot(yy - y, xx - x) < 6)
    return img


def test_blurring_lowers_the_sharpness():
    from scipy.ndimage import gaussian_filter

    img = _nuclei()
    assert sharpness(gaussian_filter(img, 4.0)) < 0.5 * sharpness(img)


def test_a_restoration_that_keeps_the_dark_floor_has_no_ringing():
    img = _nuclei()
    assert ringing_share(img, img * 1.5 - 60.0) == 0.0  # 120 -> 120: floor kept


def test_dark_rims_count_as_ringing():
    img = _nuclei()
    rimmed = img.copy()
    rimmed[:8, :] = img.min() - 25.0  # 8 of 128 rows pushed 25 ADU below the floor
    assert ringing_share(img, rimmed) == pytest.approx(8 / 128)
    assert ringing_share(img, rimmed, margin_adu=30.0) == 0.0
