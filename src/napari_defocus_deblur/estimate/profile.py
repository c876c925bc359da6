"""From a tile to micrometres: the band profile of its power spectrum and the fitted
perceptrons that map profiles to a depth-equivalent defocus (``estimate_defocus``)."""

from __future__ import annotations

import numpy as np


def log_band_edges(n: int = 24) -> np.ndarray:
    """Edges of ``n`` log-spaced bands over 0.012-0.5 cycles per pixel."""
    return np.geomspace(0.012, 0.5, n + 1)


#: Band edges of the spectral profile, cycles per pixel (24 bands).
BAND_EDGES = log_band_edges()


def band_profile(tile: np.ndarray, edges: np.ndarray = BAND_EDGES) -> np.ndarray:
    """Log10 power of a tile in the bands between ``edges`` (cycles per pixel, ascending;
    default :data:`BAND_EDGES`), minus its strongest band."""
    from scipy import fft

    t = np.asarray(tile, dtype=np.float64)
    t = t - t.mean()
    window = np.outer(np.hanning(t.shape[0]), np.hanning(t.shape[1]))
    power = np.abs(fft.rfft2(t * window)) ** 2
    fy = fft.fftfreq(t.shape[0])[:, None]
    fx = fft.rfftfreq(t.shape[1])[None, :]
    radius = np.hypot(fy, fx)
    index = np.digitize(radius, edges) - 1
    n = len(edges) - 1
    ok = (index >= 0) & (index < n)
    sums = np.bincount(index[ok], power[ok], minlength=n)
    counts = np.bincount(index[ok], minlength=n)
    logp = np.log10(sums / np.maximum(counts, 1) + 1e-12)
    return logp - logp.max()


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
