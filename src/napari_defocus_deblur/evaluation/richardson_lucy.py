"""Richardson-Lucy deconvolution: the classical, physics-based anchor of the evaluation.

FFT-based, with the image padded by reflection by at least the PSF's half-size on every
side so the circular convolution neither wraps bright content across borders nor
darkens the edges; the padding is cropped off the result. Divisions are guarded and
the estimate is kept non-negative, so the iteration is stable for any image whose
values are >= 0 (negative values are clipped to 0 first).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
from scipy import fft as sfft

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.simulate.optics import FFTConvolution

#: Iteration counts tried when choosing the number of iterations on validation fields.
DEFAULT_CANDIDATES = (1, 2, 3, 5, 8, 12, 20, 30, 50, 80, 120, 200, 300, 500, 800)
_EPS = 1e-6


def _check(image: np.ndarray, psf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    image = np.asarray(image, dtype=np.float64)
    psf = np.asarray(psf, dtype=np.float64)
    if image.ndim != 2 or psf.ndim != 2:
        raise UserInputError(
            f"Richardson-Lucy needs a 2-D image and a 2-D PSF, got {image.shape} and {psf.shape}"
        )
    if not np.all(np.isfinite(psf)) or psf.min() < 0 or not psf.sum() > 0:
        raise UserInputError("the PSF must be finite, non-negative and have a positive sum")
    if not np.all(np.isfinite(image)):
        raise UserInputError("the image contains NaN or infinite values")
    return np.clip(image, 0.0, None).astype(np.float32), (psf / psf.sum()).astype(np.float32)


def iter_richardson_lucy(
    image: np.ndarray, psf: np.ndarray, iterations: Iterable[int]
) -> Iterator[tuple[int, np.ndarray]]:
    """Yield ``(n, estimate)`` after each requested number of iterations ``n``.

    One run serves every count, so choosing the iteration number on validation
    fields costs as much as running the largest count once.

    Parameters
    ----------
    image
        2-D image (any real dtype); negative values are clipped to 0.
    psf
        2-D point spread function (normalised to sum 1 here).
    iterations
        Iteration counts >= 0 to report, in any order.

    Yields
    ------
    tuple[int, numpy.ndarray]
        The count and a float32 estimate with ``image``'s shape (0 -> the input).
    """
    image, psf = _check(image, psf)
    wanted = sorted({int(n) for n in iterations})
    if not wanted or wanted[0] < 0:
        raise UserInputError(f"iteration counts must be >= 0, got {list(iterations)}")
    h, w = image.shape
    ph, pw = psf.shape
    py, px = ph // 2 + 1, pw // 2 + 1
    pad_mode = "reflect" if py < h and px < w else "symmetric"
    padded = np.pad(image, ((py, py), (px, px)), mode=pad_mode)
    shape = (
        sfft.next_fast_len(padded.shape[0], real=True),
        sfft.next_fast_len(padded.shape[1], real=True),
    )
    padded = np.pad(
        padded,
        ((0, shape[0] - padded.shape[0]), (0, shape[1] - padded.shape[1])),
        mode="symmetric",
    )
    conv = FFTConvolution(psf, shape, (psf.shape[0] // 2, psf.shape[1] // 2), np.float32)
    estimate = padded.copy()
    floor = np.float32(_EPS * max(float(padded.max()), 1.0))
    done = 0
    for target in wanted:
        while done < target:
            blurred = conv.convolve(estimate)
            ratio = padded / np.maximum(blurred, floor)
            estimate = np.maximum(estimate * conv.correlate(ratio), 0.0)
            done += 1
        yield target, estimate[py : py + h, px : px + w].copy()


def richardson_lucy(image: np.ndarray, psf: np.ndarray, iterations: int) -> np.ndarray:
    """Deconvolve ``image`` by ``psf`` with ``iterations`` Richardson-Lucy updates.

    Parameters
    ----------
    image
        2-D image in camera units (negative values are clipped to 0).
    psf
        2-D PSF, e.g. :func:`napari_defocus_deblur.simulate.optics.defocus_psf`.
    iterations
        Number of multiplicative updates (0 returns the image unchanged).

    Returns
    -------
    numpy.ndarray
        float32 estimate with the image's shape and (approximately) its total flux.
    """
    for _, estimate in iter_richardson_lucy(image, psf, [iterations]):
        return estimate
    raise AssertionError("unreachable")  # pragma: no cover
