"""Image quality metrics: PSNR and SSIM from ``skimage.metrics``, with one convention.

A leaf module (imports nothing else of the package but :mod:`~napari_defocus_deblur.errors`),
so training, evaluation and the widgets all score the same way without importing each
other.

Normalisation convention (used everywhere in this package: training validation, the
``evaluate`` command and the documentation tables)
----------------------------------------------------------------------------------
Unless ``data_range`` is given, both images are first mapped to ``[0, 1]`` with the
**ground truth's** minimum and maximum, ``v -> (v - min(ref)) / (max(ref) - min(ref))``
(the prediction is *not* clipped), and the metrics are computed with ``data_range=1``.
For PSNR this equals ``skimage.metrics.peak_signal_noise_ratio(pred, ref,
data_range=max(ref) - min(ref))``; for SSIM it makes the score independent of the
camera offset and gain. With an explicit ``data_range`` no mapping is done and the
results equal skimage's with that ``data_range``. SSIM uses skimage's defaults: a 7x7
uniform window, K1 = 0.01, K2 = 0.03, sample covariance, mean over the window-valid
interior.
"""

from __future__ import annotations

import numpy as np

from napari_defocus_deblur.errors import UserInputError

#: One-line statement of the convention, written into CLI output and JSON reports.
NORMALIZATION = (
    "PSNR/SSIM on images mapped to [0, 1] by the ground truth's min/max "
    "(data_range = 1, prediction not clipped); SSIM: 7x7 uniform window, K1 = 0.01, "
    "K2 = 0.03 (skimage.metrics defaults)"
)
#: Short machine-readable name of the convention.
NORMALIZATION_NAME = "ground-truth-minmax"

_WIN = 7


def _prepare(
    pred: np.ndarray, ref: np.ndarray, data_range: float | None
) -> tuple[np.ndarray, np.ndarray, float]:
    """Both images as float64, mapped by the convention; returns ``(pred, ref, range)``."""
    pred = np.asarray(pred, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    if pred.shape != ref.shape:
        raise UserInputError(
            f"prediction and reference differ in shape: {pred.shape} vs {ref.shape}"
        )
    if data_range is not None:
        if not data_range > 0:
            raise UserInputError(f"data_range must be positive, got {data_range}")
        return pred, ref, float(data_range)
    lo, hi = float(ref.min()), float(ref.max())
    span = hi - lo
    if not span > 0:
        raise UserInputError("the reference image is constant; PSNR/SSIM are undefined")
    return (pred - lo) / span, (ref - lo) / span, 1.0


def psnr(pred: np.ndarray, ref: np.ndarray, data_range: float | None = None) -> float:
    """Peak signal-to-noise ratio of ``pred`` against the ground truth ``ref``, in dB.

    Parameters
    ----------
    pred, ref
        Arrays of the same shape (any dtype).
    data_range
        ``None`` (default): the module's ground-truth min/max convention. Otherwise the
        peak value used as is, like ``skimage.metrics.peak_signal_noise_ratio``.

    Returns
    -------
    float
        ``10 log10(data_range**2 / MSE)``; ``inf`` for identical images.
    """
    from skimage.metrics import peak_signal_noise_ratio

    p, r, dr = _prepare(pred, ref, data_range)
    if np.array_equal(p, r):
        return float("inf")
    return float(peak_signal_noise_ratio(r, p, data_range=dr))


def ssim(pred: np.ndarray, ref: np.ndarray, data_range: float | None = None) -> float:
    """Mean structural similarity of ``pred`` and ``ref`` (skimage's default settings).

    Parameters
    ----------
    pred, ref
        Arrays of the same shape, at least 7 pixels along every axis.
    data_range
        As in :func:`psnr`.

    Returns
    -------
    float
        ``skimage.metrics.structural_similarity`` of the (mapped) inputs.
    """
    from skimage.metrics import structural_similarity

    p, r, dr = _prepare(pred, ref, data_range)
    if min(p.shape) < _WIN:
        raise UserInputError(
            f"SSIM needs images of at least {_WIN} pixels per side, got {p.shape}"
        )
    return float(structural_similarity(p, r, win_size=_WIN, data_range=dr))
