"""PSNR/SSIM follow skimage.metrics exactly, with the ground-truth min/max convention."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.evaluation.metrics import NORMALIZATION, psnr, ssim


@pytest.fixture
def pair():
    rng = np.random.default_rng(3)
    ref = rng.uniform(100, 1700, (48, 57))
    pred = ref + rng.normal(0, 40, ref.shape)
    return pred, ref


def test_psnr_known_value():
    ref = np.tile([0.0, 2.0], (8, 4))  # range 2
    pred = ref + 0.2  # mse 0.04 -> (2 / 0.2)**2 = 100 -> 20 dB
    assert psnr(pred, ref) == pytest.approx(20.0, abs=1e-12)
    assert psnr(ref, ref) == float("inf")


def test_psnr_matches_skimage_with_gt_range(pair):
    pred, ref = pair
    expected = peak_signal_noise_ratio(ref, pred, data_range=ref.max() - ref.min())
    assert psnr(pred, ref) == pytest.approx(expected, rel=1e-12)
    assert psnr(pred, ref, data_range=4095) == pytest.approx(
        peak_signal_noise_ratio(ref, pred, data_range=4095), rel=1e-12
    )


def test_ssim_matches_skimage_on_gt_minmax_images(pair):
    pred, ref = pair
    lo, span = ref.min(), ref.max() - ref.min()
    expected = structural_similarity((pred - lo) / span, (ref - lo) / span, data_range=1.0)
    assert ssim(pred, ref) == pytest.approx(expected, rel=1e-10)
    assert ssim(pred, ref, data_range=4095) == pytest.approx(
        structural_similarity(pred, ref, data_range=4095), rel=1e-10
    )
    assert ssim(ref, ref) == pytest.approx(1.0)


def test_metrics_ignore_offset_and_gain(pair):
    pred, ref = pair
    assert psnr(3 * pred + 50, 3 * ref + 50) == pytest.approx(psnr(pred, ref), rel=1e-9)
    assert ssim(3 * pred + 50, 3 * ref + 50) == pytest.approx(ssim(pred, ref), rel=1e-9)
    assert "ground truth's min/max" in NORMALIZATION


def test_metric_errors():
    with pytest.raises(UserInputError, match="differ in shape"):
        psnr(np.zeros((8, 8)), np.zeros((8, 9)))
    with pytest.raises(UserInputError, match="constant"):
        ssim(np.zeros((8, 8)), np.ones((8, 8)))
    with pytest.raises(UserInputError, match="at least 7"):
        ssim(np.arange(36.0).reshape(6, 6), np.arange(36.0).reshape(6, 6))
