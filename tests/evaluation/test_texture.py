"""The invented-texture measure."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from napari_defocus_deblur.evaluation.texture import texture_ratio


def _nuclei() -> np.ndarray:
    yy, xx = np.mgrid[:128, :128]
    img = np.full((128, 128), 100.0)
    for cy, cx in ((40, 40), (90, 80), (30, 100)):  # smooth nuclei, soft edges
        img += 800.0 / (1 + np.exp((np.hypot(yy - cy, xx - cx) - 20) / 3))
    return img


def test_identical_images_score_one():
    sharp = _nuclei()
    assert texture_ratio(sharp, sharp) == 1.0


def test_invented_grain_scores_high_and_smoothing_low():
    sharp = _nuclei() + np.random.default_rng(0).normal(0, 3, (128, 128))
    grain = ndimage.gaussian_filter(np.random.default_rng(1).normal(0, 200, (128, 128)), 1.0)
    assert texture_ratio(sharp + grain, sharp) > 1.2
    assert texture_ratio(ndimage.gaussian_filter(sharp, 3), sharp) < 0.8


def test_no_nuclei_gives_none():
    assert texture_ratio(np.ones((64, 64)), np.ones((64, 64))) is None
