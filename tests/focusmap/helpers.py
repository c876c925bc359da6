"""Small plates on disk for the focus-map tests (CLI and widget tests use them too)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.bbbc006 import format_name


def coded_plate(
    folder: Path, depths: dict[tuple[str, int], float], shape=(260, 400), pixel_um=None
) -> Path:
    """BBBC006-named uint16 TIFFs whose pixels encode a depth (``100 * depth_um``); read
    by :func:`coded_estimator` they come back as exactly that depth. ``pixel_um``: the
    pixel size the files record (TIFF resolution), else none."""
    import tifffile

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for (well, site), depth in depths.items():
        img = np.full(shape, round(100 * depth), dtype=np.uint16)
        img[0, 0] += rng.integers(0, 1)  # content is irrelevant to the coded estimator
        extra = {}
        if pixel_um is not None:  # an ImageJ TIFF in micrometres
            extra = {"resolution": (1 / pixel_um, 1 / pixel_um), "imagej": True}
            extra["metadata"] = {"unit": "um"}
        tifffile.imwrite(folder / format_name(well, site, 1), img, **extra)
    return folder


def coded_estimator(monkeypatch) -> list[tuple[int, ...]]:
    """Replace the per-tile estimator by one that reads the coded depth (fast, exact);
    returns the list of image shapes it was called on."""
    from napari_defocus_deblur import estimate

    calls: list[tuple[int, ...]] = []

    def fake(image, stride=estimate.STRIDE, microscope=None):
        if microscope is not None:  # as the real estimator reads a stated microscope's pixels
            image = microscope.for_estimator(image)
        calls.append(np.shape(image))
        if min(np.shape(image)) < estimate.TILE:  # the real estimator's refusal
            raise UserInputError(f"too small for the estimator: {np.shape(image)}")
        ny, nx, _y0, _x0 = estimate.tile_grid(np.shape(image))
        grid = np.full((ny, nx), float(np.median(image)) / 100.0)
        grid[0, 0] += 0.5  # a within-field gradient the overlay shows
        return estimate.TileDepths(grid, True)

    monkeypatch.setattr(estimate, "estimate_tiles", fake)
    return calls
