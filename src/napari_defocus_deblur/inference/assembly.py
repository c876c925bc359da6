"""From planes to normalised tiles and back: the tile stream of :func:`.api.iter_deblur`.

:class:`PlaneAssembler` cuts every plane (or channel group) of an ``(N, C, H, W)``
stack into tiles normalised with that plane's percentile bounds, and puts the
predicted tiles back together (blending overlaps) in the input's units.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from napari_defocus_deblur.inference.bounds import plane_bounds
from napari_defocus_deblur.inference.tiling import Blender, TilePlan, extract_tile
from napari_defocus_deblur.normalization import PercentileNormalization

#: ``(plane index, tile row origin, tile column origin)`` of one tile.
TileTag = tuple[int, int, int]


class PlaneAssembler:
    """Normalised tiles out of ``units``, predictions back into :attr:`out`.

    Parameters
    ----------
    units
        ``(N, C, H, W)`` stack of planes (or channel groups).
    plan
        How every plane is cut into tiles.
    norm
        Percentile normalisation applied to each plane on its own.
    """

    def __init__(self, units: np.ndarray, plan: TilePlan, norm: PercentileNormalization) -> None:
        self.units = units
        self.plan = plan
        self.norm = norm
        self.out = np.zeros(units.shape, np.float32)
        self._bounds: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._blenders: dict[int, tuple[Blender, int]] = {}

    def tiles(self) -> Iterator[tuple[TileTag, np.ndarray]]:
        """``(tag, normalised float32 tile)`` for every tile of every plane, in order.

        The bounds of a plane are measured when its first tile is requested.
        """
        plan = self.plan
        for u, unit in enumerate(self.units):
            lo, hi = _bounds(unit, self.norm)
            self._bounds[u] = (lo, hi)
            if not plan.single:
                self._blenders[u] = (Blender(plan, self.out[u]), plan.n_tiles)
            scale = (1.0 / (hi - lo)).astype(np.float32)[:, None, None]
            for y0, x0 in plan.origins():
                part = extract_tile(unit, plan, y0, x0).astype(np.float32)
                part -= lo.astype(np.float32)[:, None, None]
                part *= scale
                yield (u, y0, x0), part

    def add(self, tag: TileTag, prediction: np.ndarray) -> None:
        """Put the prediction for the tile ``tag`` in place; finish its plane if complete."""
        u, y0, x0 = tag
        if self.plan.single:  # the whole plane in one piece: nothing to blend
            self.out[u] = prediction
            self._restore_units(u)
            return
        blender, left = self._blenders[u]
        blender.add(prediction, y0, x0)
        self._blenders[u] = (blender, left - 1)
        if left == 1:  # the plane's last tile: divide by the weight sum
            blender.finish()
            del self._blenders[u]
            self._restore_units(u)

    def _restore_units(self, u: int) -> None:
        """Map the finished plane ``u`` back to the input's units."""
        lo, hi = self._bounds.pop(u)
        self.out[u] *= (hi - lo).astype(np.float32)[:, None, None]
        self.out[u] += lo.astype(np.float32)[:, None, None]


def batched(items: Iterator, size: int) -> Iterator[tuple[list, np.ndarray]]:
    """Group ``(tag, array)`` pairs into ``(tags, stacked arrays)`` of ``size`` (last: fewer)."""
    tags: list = []
    arrays: list[np.ndarray] = []
    for tag, array in items:
        tags.append(tag)
        arrays.append(array)
        if len(arrays) == size:
            yield tags, np.stack(arrays)
            tags, arrays = [], []
    if arrays:
        yield tags, np.stack(arrays)


def _bounds(unit: np.ndarray, norm: PercentileNormalization) -> tuple[np.ndarray, np.ndarray]:
    pairs = [plane_bounds(channel, norm) for channel in unit]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
