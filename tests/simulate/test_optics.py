from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.signal import fftconvolve

from napari_defocus_deblur.simulate import optics


def _radius(kernel: np.ndarray) -> float:
    """RMS radius of a kernel in pixels."""
    c = kernel.shape[0] // 2
    y, x = np.indices(kernel.shape) - c
    return float(np.sqrt((kernel * (x**2 + y**2)).sum()))


@pytest.mark.parametrize("depth", [0, 10, 34, -32])
def test_psf_is_normalised_centred_and_symmetric(depth):
    k = optics.defocus_psf(depth)
    assert k.dtype == np.float64 and k.ndim == 2
    assert k.shape[0] == k.shape[1] and k.shape[0] % 2 == 1
    assert k.sum() == pytest.approx(1.0, abs=1e-12)
    assert k.min() >= 0
    np.testing.assert_allclose(k, k[::-1, ::-1], atol=1e-12)
    np.testing.assert_allclose(k, k.T, atol=1e-12)


def test_in_focus_psf_is_nearly_a_delta():
    k = optics.defocus_psf(0)
    c = k.shape[0] // 2
    assert k[c, c] > 0.5


def test_blur_grows_with_depth_like_the_geometric_disc():
    radii = [_radius(optics.defocus_psf(d)) for d in (10, 16, 22, 28, 34)]
    assert all(b > a for a, b in itertools.pairwise(radii))
    # a uniform disc of radius R has an RMS radius R / sqrt(2)
    for depth, rms in zip((22, 34), radii[2:5:2]):
        disc = optics.blur_radius_um(depth) / optics.PIXEL_SIZE_UM / np.sqrt(2)
        assert rms == pytest.approx(disc, rel=0.15)


def test_focal_shift_factor_scales_defocus():
    a = optics.defocus_psf(20, focal_shift_factor=1.5, defocus_spread=0)
    b = optics.defocus_psf(30, focal_shift_factor=1.0, defocus_spread=0)
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, atol=1e-12)
    assert 1.2 <= optics.FOCAL_SHIFT_FACTOR <= 1.45  # calibrated on real z_00


def test_size_argument_and_cached_copies():
    k = optics.defocus_psf(10, 520.0, size=21)
    assert k.shape == (21, 21) and k.sum() == pytest.approx(1.0)
    k[:] = 0
    assert optics.defocus_psf(10, 520.0, size=21).sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="positive odd"):
        optics.defocus_psf(10, size=20)
    with pytest.raises(ValueError, match="na must be within"):
        optics.defocus_psf(10, na=1.5)


def test_blur_matches_reflect_padded_fftconvolve_and_keeps_flux():
    rng = np.random.default_rng(0)
    image = rng.random((40, 50))
    kernel = rng.random((9, 7))
    kernel /= kernel.sum()
    ref = fftconvolve(np.pad(image, ((4, 4), (3, 3)), mode="reflect"), kernel, mode="valid")
    np.testing.assert_allclose(optics.blur(image, kernel), ref, atol=1e-12)
    flat = np.full((30, 30), 7.0)
    np.testing.assert_allclose(optics.blur(flat, optics.defocus_psf(34)), 7.0, rtol=1e-9)
