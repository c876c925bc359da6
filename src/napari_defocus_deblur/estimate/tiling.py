"""How the estimator cuts an image into tiles: ``TILE``-pixel squares ``STRIDE`` apart
covering the image's centre (the within-field depth map of ``estimate_tiles``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from napari_defocus_deblur.simulate.microscope import Microscope

#: Tile side (pixels) of the per-tile estimates.
TILE = 128
#: Step (pixels) between neighbouring tiles: half a tile, so a nucleus cut by one tile's
#: border lies inside its neighbour (sparse 10 µm fields: docs/inference.md).
STRIDE = TILE // 2


def tile_grid(
    shape: tuple[int, ...], tile: int = TILE, stride: int = STRIDE
) -> tuple[int, int, int, int]:
    """``(ny, nx, y0, x0)``: the tiles of :func:`tiles_of` and the corner of the first
    (tile ``(i, j)`` starts at row ``y0 + i * stride``, column ``x0 + j * stride``)."""
    h, w = shape[-2:]
    ny, nx = (max(1, (side - tile) // stride + 1) for side in (h, w))
    covered = (tile + (ny - 1) * stride, tile + (nx - 1) * stride)
    return ny, nx, max(0, (h - covered[0]) // 2), max(0, (w - covered[1]) // 2)


def tiles_of(image: np.ndarray, tile: int = TILE, stride: int = STRIDE) -> list[np.ndarray]:
    """``tile`` x ``tile`` tiles ``stride`` pixels apart covering the image's centre
    (row-major; ``stride=tile``: side by side)."""
    ny, nx, y0, x0 = tile_grid(image.shape, tile, stride)
    return [
        image[y0 + i * stride : y0 + i * stride + tile, x0 + j * stride : x0 + j * stride + tile]
        for i in range(ny)
        for j in range(nx)
    ]


def tile_placement(
    shape: tuple[int, int], microscope: Microscope | None = None
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where the tiles of ``estimate_tiles(image, microscope=microscope)`` lie on an image
    of ``shape``, in the image's own pixels: the spacing of neighbouring tile centres
    (rows, columns) and the centre of the first tile. Pixels finer than BBBC006's are
    read binned onto its grid (``Microscope.for_estimator``), so their tiles are wider."""
    regrid = None
    if microscope is not None and microscope.finer_than_bbbc006:
        regrid = microscope.regrid(shape)
    read_shape = shape if regrid is None else regrid.grid_shape
    _ny, _nx, y0, x0 = tile_grid(read_shape)
    scale = (1.0, 1.0)
    if regrid is not None:
        scale = (regrid.padded[0] / read_shape[0], regrid.padded[1] / read_shape[1])
    centre = (TILE - 1) / 2
    first = ((y0 + centre + 0.5) * scale[0] - 0.5, (x0 + centre + 0.5) * scale[1] - 0.5)
    return (STRIDE * scale[0], STRIDE * scale[1]), first
