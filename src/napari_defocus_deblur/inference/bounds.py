"""Normalisation bounds of a plane, fast for 8- and 16-bit camera data.

For integer pixels of at most 16 bits the percentiles come from a histogram
(``np.bincount``), bit-identical to ``np.percentile``'s default linear method and about
five times faster on a 696 x 520 field, so the CPU keeps up with a GPU. Other types use
:meth:`PercentileNormalization.bounds` directly.
"""

from __future__ import annotations

import numpy as np

from napari_defocus_deblur.normalization import PercentileNormalization


def percentiles(image: np.ndarray, qs: tuple[float, ...]) -> list[float]:
    """``np.percentile(image, qs)`` for integer images of at most 16 bits, via a histogram."""
    flat = np.asarray(image).ravel()
    offset = -int(np.iinfo(flat.dtype).min) if flat.dtype.kind == "i" else 0
    values = flat.astype(np.int32) + offset if offset else flat
    cum = np.cumsum(np.bincount(values, minlength=1))
    n = int(cum[-1])
    out = []
    for q in qs:
        v = (np.float64(q) / 100) * (n - 1)
        i = int(np.floor(v))
        t = v - i
        a = np.float64(np.searchsorted(cum, i, side="right") - offset)
        b = np.float64(np.searchsorted(cum, min(i + 1, n - 1), side="right") - offset)
        diff = b - a  # the same two-sided lerp as numpy, for identical rounding
        out.append(float(b - diff * (1 - t) if t >= 0.5 else a + diff * t))
    return out


def plane_bounds(plane: np.ndarray, norm: PercentileNormalization) -> tuple[float, float]:
    """``norm.bounds(plane)``, computed from a histogram for 8/16-bit integer planes."""
    if plane.dtype.kind not in "ui" or plane.dtype.itemsize > 2:
        return norm.bounds(plane)
    lo, hi = percentiles(plane, (norm.low, norm.high))
    if not hi > lo:  # flat image: the same rule as PercentileNormalization.bounds
        hi = lo + max(1.0, abs(lo))
    return lo, hi
