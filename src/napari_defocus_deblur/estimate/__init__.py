"""How far out of focus is an image? ``estimate_defocus`` from the image alone.

Defocus removes image power at high spatial frequencies, more the farther from focus.
The estimator cuts the image into half-overlapping 128-pixel tiles, measures each tile's
radially averaged power spectrum in 24 log-spaced frequency bands (relative to its
strongest band, so brightness and contrast drop out), maps the band profile to a
distance with the mean of five small multilayer perceptrons (24-64-64-1, ReLU; evaluated
here in numpy), and takes the median over tiles that hold signal. The perceptrons were
fitted on side-by-side tiles of fields simulated from the ``wide`` prior (randomised
optics, camera and content; a quarter of the fields drawn within 12 µm of focus, where
the focus gate decides) and of half as many nominal-optics fields
(``scripts/calibrate_estimator.py``), and a monotone curve fitted on other nominal-optics
fields maps their answer to the depth-equivalent defocus in micrometres of stage offset
for BBBC006-like optics. The spread of the tile estimates gives the confidence; an
uncertain estimate is deblurred for the 10th percentile of its tiles
(:func:`deblur_depth`). Given a microscope with pixels finer than BBBC006's, the image is
binned onto its grid first; with coarser pixels, perceptrons fitted on such cameras read
it (:mod:`.coarse`). Anchor: Google's microscopeimagequality classifies defocus levels
of BBBC006 tiles the same way (per-tile predictions, aggregated with a certainty).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.estimate.coarse import coarse_fingerprint, coarse_ratio, coarse_readings
from napari_defocus_deblur.estimate.profile import (
    BAND_EDGES,
    band_profile,
    band_profiles,
    has_signal,
    optical,
    predict_depths,
)
from napari_defocus_deblur.estimate.tiling import STRIDE, TILE, tile_grid, tiles_of
from napari_defocus_deblur.estimate.uncertain import (
    CONFIDENCE_RULE,
    LOW_CONFIDENCE,
    deblur_depth,
    tile_confidence,
)

if TYPE_CHECKING:
    from napari_defocus_deblur.simulate.microscope import Microscope

__all__ = [
    "BAND_EDGES",
    "LOW_CONFIDENCE",
    "DefocusEstimate",
    "TileDepths",
    "band_profile",
    "blur_radius_px",
    "deblur_depth",
    "defocus_from_tiles",
    "estimate_defocus",
    "estimate_tiles",
    "estimator_id",
    "predict_depths",
    "tile_grid",
    "tiles_of",
]

#: The coefficients fitted by ``scripts/calibrate_estimator.py``.
COEFFICIENTS_FILE = "coefficients.json"


@dataclass(frozen=True)
class DefocusEstimate:
    """The answer of :func:`estimate_defocus`.

    Attributes
    ----------
    depth_um
        Depth-equivalent defocus, micrometres of stage offset at BBBC006-like optics
        (20x dry into water, calibrated nominal NA 0.5).
    blur_radius_px
        Radius of the geometric defocus disc at that depth and those optics, pixels.
    confidence
        0..1: agreement of the tile estimates and share of tiles with signal.
    tiles
        Number of tiles that contributed.
    note
        Why the estimate cannot be trusted, in one line (confidence 0), else ``""``.
    deblur_depth_um
        The distance a network is told for this image on the one-click path:
        ``depth_um``, or for an uncertain estimate the 10th percentile of the tile readings
        (:func:`deblur_depth`). None when constructed: ``depth_um``.
    stage_um
        ``depth_um`` as a stage offset below focus under the optics the caller stated
        (:meth:`~napari_defocus_deblur.simulate.microscope.Microscope.stage_um`); None
        when none were stated.
    """

    depth_um: float
    blur_radius_px: float
    confidence: float
    tiles: int
    note: str = ""
    deblur_depth_um: float | None = None
    stage_um: float | None = None

    def __post_init__(self) -> None:
        if self.deblur_depth_um is None:
            object.__setattr__(self, "deblur_depth_um", self.depth_um)


#: Largest pixel magnitude analysed: the power spectrum of larger values overflows.
MAX_MAGNITUDE = 1e100
NO_SIGNAL = "no signal: the image is blank or constant, so its blur cannot be measured"
NOT_OPTICAL = (
    "the image's power rises towards the highest frequencies (a pattern such as a "
    "checkerboard, not a microscope image), so its blur cannot be measured"
)


@lru_cache(maxsize=1)
def _coefficients() -> dict:
    path = resources.files(__package__) / COEFFICIENTS_FILE
    return json.loads(path.read_text())


def _as_image(image: object) -> np.ndarray:
    """``image`` as a finite 2-D float64 array of at least one tile (else UserInputError)."""
    try:
        arr = np.asarray(image, dtype=np.float64)
    except (TypeError, ValueError):
        raise UserInputError(
            f"defocus estimation needs a 2-D array of pixel values, got {image!r:.60}"
        ) from None
    if arr.ndim != 2 or min(arr.shape) < TILE:
        raise UserInputError(
            f"defocus estimation needs a 2-D image of at least {TILE} x {TILE} pixels, "
            f"got shape {arr.shape}"
        )
    if not np.isfinite(arr).all():
        raise UserInputError("defocus estimation needs finite pixel values (no NaN/inf)")
    if np.abs(arr).max() > MAX_MAGNITUDE:
        raise UserInputError(
            f"defocus estimation needs pixel values within +-{MAX_MAGNITUDE:.0e}; rescale "
            "the image to camera units first"
        )
    return arr


@dataclass(frozen=True, eq=False)
class TileDepths:
    """The per-tile answer of :func:`estimate_tiles`: the within-field depth map.

    Attributes
    ----------
    depths_um
        ``(ny, nx)`` float array, one depth-equivalent defocus (µm) per tile of
        :func:`tiles_of`; NaN for tiles without signal (unless no tile has signal, then
        every tile is estimated).
    with_signal
        Whether any tile had signal and an optical spectrum (False: all tiles were
        estimated regardless, and ``note`` says why they cannot be trusted).
    note
        ``""``, or why no tile can be measured (no signal; not a microscope image).
    """

    depths_um: np.ndarray
    with_signal: bool
    note: str = ""


def estimate_tiles(
    image: np.ndarray, stride: int = STRIDE, microscope: Microscope | None = None
) -> TileDepths:
    """Estimate the defocus of every tile of a 2-D fluorescence image.

    Parameters
    ----------
    image
        2-D array (Y, X), raw camera units, at least 128 x 128 pixels.
    stride
        Pixels between neighbouring tiles: half a tile (the estimator's), or ``TILE``
        for side-by-side tiles (the estimator before session 35, for comparisons).
    microscope
        The optics the image was taken with, when stated: pixels finer than BBBC006's
        are binned onto its grid first (``Microscope.for_estimator``), coarser ones are
        read by the perceptrons fitted for them (:mod:`.coarse`); the answer stays in
        BBBC006 micrometres on its grid.

    Returns
    -------
    TileDepths
        The ``(ny, nx)`` grid of per-tile depths (µm); tile ``(i, j)`` covers the
        ``TILE`` rows from ``y0 + i * stride`` and columns from ``x0 + j * stride``
        (:func:`tile_grid`) of the image as read (binned, for finer pixels).

    Raises
    ------
    UserInputError
        Not an array, not 2-D, smaller than one tile, not finite or beyond 1e100.
    """
    arr = _as_image(image if microscope is None else microscope.for_estimator(image))
    ny, nx, _y0, _x0 = tile_grid(arr.shape, TILE, stride)
    all_tiles = tiles_of(arr, TILE, stride)
    contrast = np.array([has_signal(t) for t in all_tiles], dtype=bool)
    signal = contrast.copy()
    signal[contrast] = optical([t for t, s in zip(all_tiles, contrast) if s])
    with_signal = bool(signal.any())
    note = "" if with_signal else (NOT_OPTICAL if contrast.any() else NO_SIGNAL)
    if not with_signal:
        signal[:] = True
    depths = np.full(ny * nx, np.nan)
    depths[signal] = _tile_readings([t for t, s in zip(all_tiles, signal) if s], microscope)
    return TileDepths(depths.reshape(ny, nx), with_signal, note)


def _tile_readings(tiles: list[np.ndarray], microscope: Microscope | None) -> np.ndarray:
    """Distance (µm) of each tile: the coarse perceptrons for pixels coarser than
    BBBC006's, else the grid estimator's."""
    ratio = coarse_ratio(microscope)
    if ratio is not None:
        return coarse_readings(tiles, ratio)
    coef = _coefficients()
    edges = np.asarray(coef.get("band_edges", BAND_EDGES), dtype=np.float64)
    estimates = predict_depths(band_profiles(tiles, edges), coef)
    return np.clip(estimates, coef["depth_range"][0], coef["depth_range"][1])


def defocus_from_tiles(tiles: TileDepths) -> DefocusEstimate:
    """The field's answer from its tiles: median depth, confidence from their spread
    (0, with the reason in ``note``, when no tile could be measured)."""
    coef = _coefficients()
    estimates = tiles.depths_um[np.isfinite(tiles.depths_um)]
    depth = float(np.median(estimates))
    if not tiles.with_signal:
        return DefocusEstimate(depth, blur_radius_px(depth), 0.0, 0, tiles.note or NO_SIGNAL)
    size, scale = tiles.depths_um.size, coef["spread_scale_um"]
    confidence = tile_confidence(estimates, depth, size, scale)
    told = deblur_depth(tiles.depths_um, depth, confidence)
    return DefocusEstimate(depth, blur_radius_px(depth), confidence, len(estimates), "", told)


def estimate_defocus(image: np.ndarray, microscope: Microscope | None = None) -> DefocusEstimate:
    """Estimate how far from focus a 2-D fluorescence image was taken.

    Parameters
    ----------
    image
        2-D array (Y, X), raw camera units, at least 128 x 128 pixels.
    microscope
        The optics the image was taken with, when known: the answer then also gives the
        stage offset under them (``stage_um``); pixels off BBBC006's grid are read on it
        (:func:`estimate_tiles`).

    Returns
    -------
    DefocusEstimate
        Depth-equivalent defocus (µm), blur radius (px) and confidence (0..1): the
        median of :func:`estimate_tiles`. An image without signal (blank, constant) or
        without an optical spectrum (checkerboard) gets confidence 0 and the reason in
        ``note``.

    Raises
    ------
    UserInputError
        Not an array, not 2-D, smaller than one tile, not finite or beyond 1e100.
    """
    found = defocus_from_tiles(estimate_tiles(image, microscope=microscope))
    if microscope is None:
        return found
    return replace(found, stage_um=microscope.stage_um(found.depth_um))


def estimator_id(microscope: Microscope | None = None) -> str:
    """A short fingerprint of the fitted coefficients, the tiling and the confidence rule:
    estimates made with another fitting, tiling or rule carry another id (a focus map
    reuses only rows of the same estimator). Coarser pixels add the coarse coefficients."""
    import hashlib

    tiling = {"tiling": [TILE, STRIDE], "confidence": CONFIDENCE_RULE}
    text = json.dumps({**_coefficients(), **tiling}, sort_keys=True)
    if coarse_ratio(microscope) is not None:
        text += coarse_fingerprint()
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def blur_radius_px(depth_um: float) -> float:
    """Geometric defocus-disc radius (pixels) at ``depth_um`` for the nominal optics."""
    from napari_defocus_deblur.simulate.prior import PRESETS
    from napari_defocus_deblur.simulate.pupil import Optics, geometric_radius_um

    nominal = PRESETS["nominal"]
    optics = Optics(na=nominal.na[0], defocus_scale=nominal.defocus_scale[0])
    return geometric_radius_um(depth_um, optics) / optics.pixel_size_um
