"""Where the estimator's tiles lie on an image (``estimate.tiling``)."""

from __future__ import annotations

import pytest

from napari_defocus_deblur.estimate.tiling import STRIDE, TILE, tile_grid, tile_placement
from napari_defocus_deblur.simulate.microscope import Microscope


def test_tiles_lie_on_the_images_own_pixels_unless_they_are_read_binned():
    spacing, first = tile_placement((260, 400))
    _ny, _nx, y0, x0 = tile_grid((260, 400))
    assert spacing == (STRIDE, STRIDE) and first == (y0 + (TILE - 1) / 2, x0 + (TILE - 1) / 2)
    assert tile_placement((260, 400), Microscope(pixel_size_um=1.29)) == (spacing, first)
    spacing, first = tile_placement((1040, 1600), Microscope(pixel_size_um=0.16125))
    assert spacing == (4 * STRIDE, 4 * STRIDE)  # binned 4 x 4 exactly
    # tile (0, 0) of the 260 x 400 grid, centred on grid pixel 65.5: image pixel 263.5
    assert first == pytest.approx(
        (4 * (y0 + (TILE - 1) / 2) + 1.5, 4 * (x0 + (TILE - 1) / 2) + 1.5)
    )
