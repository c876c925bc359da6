"""A reference must show the input's field before PSNR/SSIM are shown (issue 23 item 2)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.evaluation.reference import NCC_MIN, check_reference, ncc


def _cells(seed: int, shape=(160, 200)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return gaussian_filter(rng.random(shape), 2.0) * 2000 + 100


def test_true_pair_matches_and_unrelated_field_does_not():
    from napari_defocus_deblur.simulate.optics import blur, defocus_psf

    sharp = _cells(0)
    blurred = blur(sharp, defocus_psf(10.0))
    good = check_reference(blurred, sharp, 10.0)
    assert good.matches and good.correlation > 0.9 and not good.shifted
    assert good.message() == ""
    bad = check_reference(blurred, _cells(1), 10.0)
    assert not bad.matches and bad.correlation < NCC_MIN
    assert "does not show the same field" in bad.message("ref", "raw")


def test_shifted_reference_is_aligned_and_told():
    sharp = _cells(2)
    blurred = gaussian_filter(sharp, 2.0)
    moved = np.roll(sharp, (5, -9), axis=(0, 1))
    check = check_reference(blurred, moved)  # depth unknown: the best trial distance
    assert check.matches and check.shift == (-5, 9)
    assert "shifted by -5, +9 px" in check.message()
    a, b = check.overlap(blurred, moved)
    assert a.shape == b.shape == (155, 191)
    np.testing.assert_array_equal(b, sharp[:155, 9:])  # lines up with the input
    assert ncc(a, gaussian_filter(b, 2.0)) > 0.99


def test_shape_mismatch_is_one_line():
    with pytest.raises(UserInputError, match="same field"):
        check_reference(np.zeros((20, 20)), np.zeros((20, 21)))


def _real(real_bbbc006):
    import tifffile
    from skimage.io import imread

    z00 = [tifffile.imread(p) for p in sorted((real_bbbc006 / "defocus-z00").glob("*.tif"))]
    sharp = [imread(p) for p in sorted((real_bbbc006 / "in-focus").glob("*.png"))]
    return [np.asarray(a, dtype=np.float64) for a in z00], [
        np.asarray(a, dtype=np.float64) for a in sharp
    ]


def test_real_mismatched_pairs_are_all_refused(real_bbbc006):
    """20 real z_00 images (32 µm) against in-focus images of other wells: none scored."""
    z00, sharp = _real(real_bbbc006)
    verdicts = [check_reference(z00[i], sharp[i % len(sharp)], 32.0) for i in range(20)]
    assert not any(v.matches for v in verdicts), [round(v.correlation, 2) for v in verdicts]


def test_real_true_and_shifted_pairs_are_scored(real_bbbc006):
    """Real in-focus images blurred to 32 µm (+ shot noise) match their source, also when
    the source is shifted; a simulated pair of a different field does not."""
    from napari_defocus_deblur.simulate.optics import blur, defocus_psf

    _, sharp = _real(real_bbbc006)
    rng = np.random.default_rng(0)
    for i, image in enumerate(sharp):
        blurred = rng.poisson(np.maximum(blur(image, defocus_psf(32.0)), 0)).astype(float)
        assert check_reference(blurred, image, 32.0).matches
        shifted = check_reference(blurred, np.roll(image, (7, -11), axis=(0, 1)), 32.0)
        assert shifted.matches  # within a pixel: the roll's wrapped border blurs in
        assert abs(shifted.shift[0] + 7) <= 1 and abs(shifted.shift[1] - 11) <= 1
        assert not check_reference(blurred, sharp[(i + 1) % len(sharp)], 32.0).matches
