"""Rows of a focus map: the distance a field is deblurred for."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.focusmap import FieldRow, FocusMap
from napari_defocus_deblur.focusmap.fix import fix_jobs


def row(path: str, depth: float, confidence: float, tiles: list[float] | None) -> FieldRow:
    grid = None if tiles is None else np.array([tiles])
    return FieldRow(path, "A01", 1, 1, 1, 1, depth, confidence, 2.0, tile_depths_um=grid)


def test_an_uncertain_field_is_fixed_at_the_low_end_of_its_tiles(tmp_path):
    """As on the one-click path (``DefocusEstimate.deblur_depth_um``): a field whose tiles
    disagree is deblurred for the 10th percentile of its readings, a confident one for its
    median, a row saved without its tile map for its median."""
    sure = row(str(tmp_path / "a.tif"), 20.0, 0.8, [19.0, 20.0, 21.0])
    unsure = row(str(tmp_path / "b.tif"), 14.1, 0.2, [6.9, 21.3])
    unknown = row(str(tmp_path / "c.tif"), 14.1, 0.2, None)
    assert sure.deblur_depth_um == 20.0
    assert unsure.deblur_depth_um == pytest.approx(np.percentile([6.9, 21.3], 10))
    assert unknown.deblur_depth_um == 14.1
    fmap = FocusMap((sure, unsure, unknown), (8, 12))
    jobs = fix_jobs(fmap, tmp_path / "out", 8.0, overwrite=False)
    assert [j.depth_um for j in jobs] == [20.0, unsure.deblur_depth_um, 14.1]
