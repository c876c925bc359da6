"""The package's one FFT convolution (simulate's blur and evaluation's Richardson-Lucy)."""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve

from napari_defocus_deblur.simulate.optics import FFTConvolution, blur


def test_blur_is_scipys_convolution_of_the_reflected_image():
    rng = np.random.default_rng(0)
    image, kernel = rng.random((40, 52)), rng.random((9, 6))
    padded = np.pad(image, ((4, 4), (3, 2)), mode="reflect")
    np.testing.assert_allclose(blur(image, kernel), fftconvolve(padded, kernel, "valid"), 1e-10)


def test_centred_convolution_and_correlation():
    rng = np.random.default_rng(1)
    image, kernel = rng.random((32, 32)), rng.random((5, 5))
    conv = FFTConvolution(kernel, image.shape, origin=(2, 2))
    wrapped = np.pad(image, 2, mode="wrap")
    np.testing.assert_allclose(conv.convolve(image), fftconvolve(wrapped, kernel, "valid"), 1e-10)
    flipped = fftconvolve(wrapped, kernel[::-1, ::-1], "valid")
    np.testing.assert_allclose(conv.correlate(image), flipped, 1e-10)
