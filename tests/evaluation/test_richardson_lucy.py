"""Richardson-Lucy: improves a blurred image, keeps flux, no border artefacts, caches."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import fftconvolve

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.evaluation.richardson_lucy import (
    iter_richardson_lucy,
    richardson_lucy,
)
from napari_defocus_deblur.evaluation.rl_tuning import cached_iterations, choose_iterations


def _disk(radius: int) -> np.ndarray:
    yy, xx = np.mgrid[-radius : radius + 1, -radius : radius + 1]
    psf = (yy**2 + xx**2 <= radius**2).astype(float)
    return psf / psf.sum()


def _blurred(seed=0, shape=(70, 90), radius=5):
    rng = np.random.default_rng(seed)
    sharp = np.full(shape, 100.0)
    for _ in range(30):
        y, x = rng.integers(4, shape[0] - 4), rng.integers(4, shape[1] - 4)
        sharp[y - 2 : y + 2, x - 2 : x + 2] += 1000
    psf = _disk(radius)
    pad = radius * 3
    blurred = fftconvolve(np.pad(sharp, pad, mode="reflect"), psf, mode="same")[pad:-pad, pad:-pad]
    return blurred + rng.normal(0, 1.0, shape), sharp, psf


def test_deconvolution_improves_psnr_and_keeps_flux():
    blurred, sharp, psf = _blurred()
    out = richardson_lucy(blurred, psf, 30)
    assert out.shape == blurred.shape and out.dtype == np.float32
    assert out.min() >= 0
    assert psnr(out, sharp) > psnr(blurred, sharp) + 3.0
    assert out.sum() == pytest.approx(blurred.sum(), rel=0.05)


def test_constant_image_stays_constant_up_to_the_borders():
    flat = np.full((40, 50), 123.0)
    out = richardson_lucy(flat, _disk(6), 20)
    np.testing.assert_allclose(out, 123.0, rtol=1e-4)


def test_zero_iterations_and_iteration_path():
    blurred, _, psf = _blurred(shape=(40, 40))
    counts = [n for n, _ in iter_richardson_lucy(blurred, psf, [5, 0, 2])]
    assert counts == [0, 2, 5]
    np.testing.assert_allclose(richardson_lucy(blurred, psf, 0), blurred, rtol=1e-6)
    path = dict(iter_richardson_lucy(blurred, psf, [2, 5]))
    np.testing.assert_allclose(path[5], richardson_lucy(blurred, psf, 5), rtol=1e-6)


def test_bad_inputs():
    with pytest.raises(UserInputError, match="2-D"):
        richardson_lucy(np.zeros((4, 4, 4)), _disk(1), 3)
    with pytest.raises(UserInputError, match="non-negative"):
        richardson_lucy(np.ones((8, 8)), -_disk(1), 3)
    with pytest.raises(UserInputError, match="NaN"):
        richardson_lucy(np.full((8, 8), np.nan), _disk(1), 3)
    with pytest.raises(UserInputError, match=">= 0"):
        richardson_lucy(np.ones((8, 8)), _disk(1), -1)


def test_iterations_chosen_on_validation_and_cached(tmp_path):
    pairs = [_blurred(seed=s, shape=(48, 48))[:2] for s in (1, 2)]
    psf = _disk(5)
    best, scores = choose_iterations(pairs, psf, candidates=(0, 3, 30))
    assert best in (3, 30) and scores[best] > scores[0]
    n, cached = cached_iterations("k", pairs, psf, tmp_path)
    assert not cached and (tmp_path / "rl_iterations.json").is_file()
    n2, cached2 = cached_iterations("k", pairs, psf, tmp_path)
    assert cached2 and n2 == n
