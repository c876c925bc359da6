"""Overlapping tiles with smooth blending, and the automatic tile size.

A plane larger than the tile size is cut into a regular grid of equal tiles whose
origins are multiples of the network's ``size_multiple`` (so pooling grids line up
with the whole-image computation). Rows and columns are planned independently; the
bottom/right edge is reflect-padded to that multiple exactly as the network pads a
whole image. Neighbouring tiles overlap by at least ``overlap`` pixels. Inside an
overlap of ``n`` pixels each tile's weight is zero on a band of ``margin`` pixels next
to its own edge (where padding inside the network distorts the prediction), rises along
a squared-sine ramp over the ``n - 2 * margin`` pixels between and is one beyond; the
two weights of a pair sum to one. The default overlap and margin come from the model's
measured reach (:func:`overlap_for`, :mod:`.reach`); an overlap given by the caller uses
a margin of a quarter of the overlap. The 2-D weight of a tile is the outer product of
its row and column weights, so the weight sum is separable and no full-size weight image
is needed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from napari_defocus_deblur.errors import UserInputError

#: Largest automatic tile side on the CPU: bigger tiles fall out of the caches.
CPU_TILE_CAP = 1280
#: Largest automatic tile side on a GPU.
GPU_TILE_CAP = 2048
#: Most tiles sent to a GPU in one batch.
GPU_BATCH_CAP = 64
#: Activation memory of one tile pixel, in units of base_channels x bytes per value
#: (measured: ~1.1 kB per pixel for base_channels=32 in float32 on the CPU).
_FEATURE_MAPS_PER_PIXEL = 9.0


#: Overlap of neighbouring tiles (pixels) when the model's reach is not measured.
DEFAULT_OVERLAP = 128


def default_overlap(tile: int) -> int:
    """:data:`DEFAULT_OVERLAP`, but at most half the tile side (no measured reach)."""
    return int(min(DEFAULT_OVERLAP, tile // 2))


def overlap_for(margin: int, ramp: int, tile: int) -> tuple[int, int]:
    """``(overlap, margin)`` for a measured blending window and a tile side.

    The overlap is ``2 * margin + ramp``, at most half the tile; when the tile is too
    small for it, margin and ramp shrink in proportion.
    """
    want = 2 * int(margin) + int(ramp)
    room = max(int(tile) // 2, 1)
    if want <= room:
        return want, int(margin)
    return room, int(margin * room // want)


@dataclass(frozen=True)
class AxisPlan:
    """Tiles along one axis of a plane.

    ``starts`` are tile origins; every tile spans ``size`` pixels of the image padded to
    ``padded`` pixels. A single tile covering the unpadded axis has ``size == length``.
    """

    length: int
    size: int
    starts: tuple[int, ...]
    padded: int
    margin: int | None = None

    @property
    def single(self) -> bool:
        return len(self.starts) == 1 and self.size == self.length

    def weights(self) -> list[np.ndarray]:
        """The 1-D blending weight of every tile (float32, ``size`` values each)."""
        out = []
        for i, s in enumerate(self.starts):
            w = np.ones(self.size, np.float32)
            if i > 0:  # overlap with the previous tile: ramp up
                n = self.starts[i - 1] + self.size - s
                w[:n] *= ramp_weights(n, self._margin(n))
            if i + 1 < len(self.starts):  # overlap with the next tile: ramp down
                n = s + self.size - self.starts[i + 1]
                w[self.size - n :] *= 1.0 - ramp_weights(n, self._margin(n))
            out.append(w)
        return out

    def _margin(self, n: int) -> float:
        if self.margin is None or 2 * self.margin >= n:
            return n / 4
        return float(self.margin)


def ramp_weights(n: int, margin: float | None = None) -> np.ndarray:
    """Weight of the later tile across an overlap of ``n`` pixels (float32).

    0 on the first ``margin`` pixels (default ``n / 4``), a sin^2 ramp over the middle
    ``n - 2 * margin``, 1 on the last ``margin``; ``1 - w`` is the earlier tile's weight.
    """
    margin = n / 4 if margin is None else margin
    u = np.arange(n, dtype=np.float64) + 0.5
    v = np.clip((u - margin) / max(n - 2 * margin, 1e-9), 0.0, 1.0)
    return np.sin(0.5 * np.pi * v).astype(np.float32) ** 2


def plan_axis(
    length: int, tile: int, overlap: int, multiple: int, margin: int | None = None
) -> AxisPlan:
    """Plan tiles along an axis of ``length`` pixels.

    Parameters
    ----------
    length
        Image side.
    tile
        Largest tile side; the plan may use smaller, equal tiles that cover the axis
        with less waste.
    overlap
        Smallest overlap between neighbouring tiles.
    multiple
        Tile origins and sides are multiples of this (the network's ``size_multiple``).
    margin
        Zero-weight band along tile borders (default: a quarter of each overlap).
    """
    if length <= tile:
        return AxisPlan(length, length, (0,), length, margin)
    padded = -(-length // multiple) * multiple
    asked, tile = tile, (tile // multiple) * multiple
    smallest = max(2 * multiple, _round_up(overlap, multiple) + multiple)
    if tile < smallest:
        raise UserInputError(
            f"tile size {asked} is too small for overlap {overlap}: use a tile of at least "
            f"{smallest} pixels (the model needs multiples of {multiple})"
        )
    steps = _steps(padded, tile, overlap, multiple)
    while tile - multiple >= smallest:  # same number of tiles, less waste
        if _steps(padded, tile - multiple, overlap, multiple) > steps:
            break
        tile -= multiple
    last = (padded - tile) // multiple
    starts = tuple((i * last // steps) * multiple for i in range(steps + 1)) if steps else (0,)
    return AxisPlan(length, tile, starts, padded, margin)


def _round_up(value: int, multiple: int) -> int:
    return -(-value // multiple) * multiple


def _steps(padded: int, tile: int, overlap: int, multiple: int) -> int:
    last = (padded - tile) // multiple
    stride = (tile - overlap) // multiple
    return -(-last // stride) if last > 0 else 0


@dataclass(frozen=True)
class TilePlan:
    """The tiles of one plane: the product of a row plan and a column plan."""

    rows: AxisPlan
    cols: AxisPlan

    @property
    def n_tiles(self) -> int:
        return len(self.rows.starts) * len(self.cols.starts)

    @property
    def tile_shape(self) -> tuple[int, int]:
        return self.rows.size, self.cols.size

    @property
    def single(self) -> bool:
        return self.rows.single and self.cols.single

    def origins(self) -> list[tuple[int, int]]:
        """``(y0, x0)`` of every tile, row by row."""
        return [(y, x) for y in self.rows.starts for x in self.cols.starts]


def plan_tiles(
    shape: tuple[int, int],
    tile: int | tuple[int, int],
    overlap: int,
    multiple: int,
    margin: int | None = None,
) -> TilePlan:
    """Plan the tiles of a plane of ``shape`` (rows, columns); see :func:`plan_axis`."""
    th, tw = (tile, tile) if isinstance(tile, int) else tile
    return TilePlan(
        plan_axis(shape[0], th, overlap, multiple, margin),
        plan_axis(shape[1], tw, overlap, multiple, margin),
    )


def extract_tile(plane: np.ndarray, plan: TilePlan, y0: int, x0: int) -> np.ndarray:
    """The tile at ``(y0, x0)`` of a (..., H, W) array, reflect-padded past the edges."""
    th, tw = plan.tile_shape
    h, w = plane.shape[-2:]
    part = plane[..., y0 : min(y0 + th, h), x0 : min(x0 + tw, w)]
    pad_y, pad_x = th - part.shape[-2], tw - part.shape[-1]
    if pad_y or pad_x:
        widths = [(0, 0)] * (part.ndim - 2) + [(0, pad_y), (0, pad_x)]
        part = np.pad(part, widths, mode="reflect")
    return part


class Blender:
    """Accumulates weighted tile predictions of one plane into a float32 array."""

    def __init__(self, plan: TilePlan, out: np.ndarray) -> None:
        self.plan = plan
        self.out = out  # (C, H, W) float32, zero-filled by the caller
        self._wy = dict(zip(plan.rows.starts, plan.rows.weights()))
        self._wx = dict(zip(plan.cols.starts, plan.cols.weights()))
        self._sum_y = np.zeros(plan.rows.length, np.float64)
        self._sum_x = np.zeros(plan.cols.length, np.float64)
        for s, w in self._wy.items():
            n = min(plan.rows.size, plan.rows.length - s)
            self._sum_y[s : s + n] += w[:n]
        for s, w in self._wx.items():
            n = min(plan.cols.size, plan.cols.length - s)
            self._sum_x[s : s + n] += w[:n]

    def add(self, pred: np.ndarray, y0: int, x0: int) -> None:
        """Add the (C, th, tw) prediction of the tile at ``(y0, x0)``."""
        h = min(self.plan.rows.size, self.plan.rows.length - y0)
        w = min(self.plan.cols.size, self.plan.cols.length - x0)
        weight = np.outer(self._wy[y0][:h], self._wx[x0][:w])
        self.out[:, y0 : y0 + h, x0 : x0 + w] += pred[:, :h, :w] * weight

    def finish(self, rows_per_chunk: int = 256) -> np.ndarray:
        """Divide by the weight sum (in row chunks, no full-size temporary)."""
        inv_x = (1.0 / self._sum_x).astype(np.float32)
        for r in range(0, self.plan.rows.length, rows_per_chunk):
            inv_y = (1.0 / self._sum_y[r : r + rows_per_chunk]).astype(np.float32)
            self.out[:, r : r + rows_per_chunk] *= np.outer(inv_y, inv_x)
        return self.out


def _bytes_per_pixel(width: int, bytes_per_value: int) -> float:
    return _FEATURE_MAPS_PER_PIXEL * width * bytes_per_value


def auto_tile_side(
    *, width: int, device_type: str, bytes_per_value: int, free_bytes: int, multiple: int
) -> int:
    """The largest tile side that fits in the memory budget (capped per device).

    Half of the free memory (70 % on a GPU) is budgeted for the activations of one tile;
    ``width`` is the network's first-level feature channels. The CPU caps tiles at
    :data:`CPU_TILE_CAP`, a GPU at :data:`GPU_TILE_CAP`.
    """
    per_pixel = _bytes_per_pixel(width, bytes_per_value)
    gpu = device_type in ("cuda", "mps")
    budget = free_bytes * (0.7 if gpu else 0.5)
    side = int(math.sqrt(max(budget, 0) / per_pixel)) // multiple * multiple
    if side < 2 * multiple:
        need = per_pixel * (2 * multiple) ** 2 / 0.5 / 1024**2
        raise UserInputError(
            f"not enough free memory to deblur: about {need:.0f} MiB are needed for the "
            f"smallest tile, {free_bytes / 1024**2:.0f} MiB are free"
        )
    return min(side, GPU_TILE_CAP if gpu else CPU_TILE_CAP)


def batch_size(
    tile_pixels: int, *, width: int, device_type: str, bytes_per_value: int, free_bytes: int
) -> int:
    """Tiles per batch: one on the CPU; on a GPU as many as fit (at most
    :data:`GPU_BATCH_CAP`) in 70 % of the free memory."""
    if device_type not in ("cuda", "mps"):
        return 1
    per_tile = _bytes_per_pixel(width, bytes_per_value) * max(tile_pixels, 1)
    return int(max(1, min(free_bytes * 0.7 // per_tile, GPU_BATCH_CAP)))
