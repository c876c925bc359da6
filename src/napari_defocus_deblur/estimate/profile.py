"""From a tile to micrometres: whether a tile can be read (signal, an optical spectrum),
the band profile of its power spectrum and the fitted perceptrons that map profiles to a
depth-equivalent defocus (``estimate_defocus``)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def log_band_edges(n: int = 24) -> np.ndarray:
    """Edges of ``n`` log-spaced bands over 0.012-0.5 cycles per pixel."""
    return np.geomspace(0.012, 0.5, n + 1)


#: Band edges of the spectral profile, cycles per pixel (24 bands).
BAND_EDGES = log_band_edges()


#: Share of a tile's power beyond 0.5 cycles/pixel above which it is not an optical image
#: (a microscope's transfer function falls towards high frequencies; a checkerboard has
#: all its power there).
MAX_CORNER_POWER = 0.5


def has_signal(tile: np.ndarray) -> bool:
    """Whether a tile's contrast stands well above its shot noise."""
    lo, hi = np.percentile(tile, (5, 99.5))
    return (hi - lo) > 8.0 * max(math.sqrt(max(lo, 1.0)) * 0.6, 1.0)


def optical(tiles: list[np.ndarray]) -> np.ndarray:
    """Whether most of each tile's power lies within 0.5 cycles/pixel (as through a lens)."""
    if not tiles:
        return np.zeros(0, dtype=bool)
    h, w = tiles[0].shape
    corner = np.hypot(np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]) >= 0.5
    answers = []
    for tile in tiles:
        t = np.asarray(tile, dtype=np.float64)
        power = np.abs(np.fft.rfft2(t - t.mean())) ** 2
        total = power.sum()
        answers.append(not total > 0 or power[corner].sum() <= MAX_CORNER_POWER * total)
    return np.array(answers, dtype=bool)


def band_profile(tile: np.ndarray, edges: np.ndarray = BAND_EDGES) -> np.ndarray:
    """Log10 power of a tile in the bands between ``edges`` (cycles per pixel, ascending;
    default :data:`BAND_EDGES`), minus its strongest band."""
    return band_profiles(np.asarray(tile)[None], edges)[0]


def band_profiles(tiles: Sequence[np.ndarray], edges: np.ndarray = BAND_EDGES) -> np.ndarray:
    """:func:`band_profile` of each of ``tiles`` (2-D, all of one shape): ``(len(tiles),
    bands)``. The window and every frequency's band are worked out once for all tiles
    (repeated for each tile, that work took three times as long as the tile's FFT on a
    2-core AVX2 CPU); the numbers are those of one tile at a time, bit for bit."""
    from scipy import fft

    h, w = np.shape(tiles[0]) if len(tiles) else (1, 1)
    window = np.outer(np.hanning(h), np.hanning(w))
    radius = np.hypot(fft.fftfreq(h)[:, None], fft.rfftfreq(w)[None, :])
    n = len(edges) - 1
    index = (np.digitize(radius, edges) - 1).ravel()
    inside = np.flatnonzero((index >= 0) & (index < n))
    band = index[inside]
    counts = np.maximum(np.bincount(band, minlength=n), 1)
    sums = np.empty((len(tiles), n))
    for k, tile in enumerate(tiles):
        t = np.asarray(tile, dtype=np.float64)
        power = np.abs(fft.rfft2((t - t.mean()) * window)) ** 2
        sums[k] = np.bincount(band, power.ravel()[inside], minlength=n)
    logp = np.log10(sums / counts + 1e-12)
    return logp - logp.max(axis=1, keepdims=True)


def _perceptron(x: np.ndarray, layers: list[dict]) -> np.ndarray:
    """One fitted perceptron (ReLU between layers) on standardised profiles."""
    for i, layer in enumerate(layers):
        x = x @ np.asarray(layer["w"]).T + np.asarray(layer["b"])
        if i < len(layers) - 1:
            x = np.maximum(x, 0.0)
    return x[:, 0]


def predict_depths(profiles: np.ndarray, coef: dict) -> np.ndarray:
    """The perceptron(s) of ``coef`` applied to band profiles (one row per tile), µm.

    ``coef`` holds one perceptron (``layers``) or an ensemble (``members``, each with its
    ``layers``, fitted from other random starts; their mean answer varies less from one
    fitting to the next, so the reading is a smoother function of the blur). Where
    ``coef`` holds a ``calibration`` curve (knots ``raw`` -> ``depth``, fitted on
    simulated nominal-optics fields apart from the perceptrons'), the raw answers are
    mapped through it so that they read in nominal-equivalent micrometres. The map is
    monotone, so the median over tiles commutes with it.
    """
    x = (np.atleast_2d(profiles) - np.asarray(coef["mu"])) / np.asarray(coef["sd"])
    members = coef.get("members") or [coef]
    raw = np.mean([_perceptron(x, m["layers"]) for m in members], axis=0)
    curve = coef.get("calibration")
    if curve is None:
        return raw
    knots_raw, knots_depth = np.asarray(curve["raw"]), np.asarray(curve["depth"])
    inside = np.interp(raw, knots_raw, knots_depth)
    # beyond the end knots: continue with slope 1 rather than flatten
    return np.where(
        raw < knots_raw[0],
        knots_depth[0] + raw - knots_raw[0],
        np.where(raw > knots_raw[-1], knots_depth[-1] + raw - knots_raw[-1], inside),
    )
