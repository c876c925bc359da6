"""How far an estimate's tiles agree, and which distance to tell a network when they do not.

Kept apart from the estimator itself: the estimate (``DefocusEstimate.depth_um``, the
median of the tiles) is a measurement; its confidence (:func:`tile_confidence`) says how
far the tiles back it, and what a network is told for it is a decision that weighs the
cost of erring deep against erring shallow (:func:`deblur_depth`).
"""

from __future__ import annotations

import math

import numpy as np

#: Estimates less confident than this are uncertain: their tiles disagree, or few tiles
#: hold signal (run-plan notes, hatched wells of a focus map, :func:`deblur_depth`).
LOW_CONFIDENCE = 0.3
#: Percentile of the tile readings an uncertain estimate is deblurred for.
UNCERTAIN_PERCENTILE = 10.0
#: Fewer tiles with signal than this cannot show that they agree: the confidence is scaled
#: by their number over this (a 520 x 696 field holds 12 tiles on 1.29 µm pixels, 2 on
#: 1.935 µm ones).
FEW_TILES = 4
#: A tile reading at most this distance (µm) reads in focus.
IN_FOCUS_UM = 1.0
#: A field whose median reads out of focus while at least this share of its tiles read
#: in focus is partly sharp: the confidence is scaled by the share that does not (a
#: sharp, sparse field on coarse pixels had half its tiles at 0-0.5 µm, half at 9-11).
IN_FOCUS_SHARE = 0.25
#: The confidence rule's parameters (part of ``estimator_id``: a focus map re-reads rows
#: whose confidence another rule gave).
CONFIDENCE_RULE = [FEW_TILES, IN_FOCUS_UM, IN_FOCUS_SHARE]


def tile_confidence(
    readings: np.ndarray, depth_um: float, n_tiles: int, spread_scale_um: float
) -> float:
    """0..1: how far the tile readings (µm, tiles with signal) back their median
    ``depth_um``, out of ``n_tiles`` tiles in all.

    The agreement ``exp(-spread / spread_scale_um)`` (spread: the median absolute
    deviation; 5 µm for a single tile) times ``0.5 + 0.5 * share`` of tiles with signal,
    scaled down for fewer than :data:`FEW_TILES` tiles and for a partly sharp field
    (:data:`IN_FOCUS_SHARE`).
    """
    readings = np.asarray(readings, dtype=np.float64)
    n = readings.size
    spread = float(np.median(np.abs(readings - depth_um))) if n > 1 else 5.0
    confidence = math.exp(-spread / spread_scale_um) * (0.5 + 0.5 * n / n_tiles)
    confidence *= min(1.0, n / FEW_TILES)
    sharp = float(np.mean(readings <= IN_FOCUS_UM)) if n else 0.0
    if depth_um > IN_FOCUS_UM and sharp >= IN_FOCUS_SHARE:
        confidence *= 1.0 - sharp
    return round(confidence, 3)


def deblur_depth(tile_depths_um: np.ndarray | None, depth_um: float, confidence: float) -> float:
    """The distance to tell a network for an estimate: ``depth_um`` (the median of the
    tiles), or, when the estimate is uncertain (``confidence`` below
    :data:`LOW_CONFIDENCE`), the 10th percentile of the tile readings, never above the
    median.

    Telling a network more blur than an image has costs far more than telling it less:
    on sparse, smooth fields 10 µm from focus the shipped U-Net told 1.3 times the
    distance falls below the input on 14 of 15 fields (by up to 9 dB), told 0.7 times it
    gains 4-8 dB on every one (docs/inference.md, "Uncertain estimates"). The tiles of
    such fields disagree (few hold nuclei), and a high median is what harms them.

    Parameters
    ----------
    tile_depths_um
        The per-tile readings (``TileDepths.depths_um``; NaN: no signal), or
        None when they are not known.
    depth_um, confidence
        The field's estimate and its confidence (``defocus_from_tiles``).

    Returns
    -------
    float
        Micrometres to deblur for.
    """
    if not confidence < LOW_CONFIDENCE or tile_depths_um is None:
        return float(depth_um)
    readings = np.asarray(tile_depths_um, dtype=np.float64)
    readings = readings[np.isfinite(readings)]
    if readings.size == 0:
        return float(depth_um)
    return float(min(depth_um, np.percentile(readings, UNCERTAIN_PERCENTILE)))
