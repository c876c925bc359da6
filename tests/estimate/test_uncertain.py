"""The distance told for an uncertain estimate: the low end of its tiles' readings."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.estimate.uncertain import deblur_depth


@pytest.mark.parametrize(
    ("tiles", "depth", "confidence", "expected"),
    [
        (np.array([[5.0, 30.0, np.nan]]), 17.5, 0.1, 7.5),  # NaN tiles are left out
        (np.array([[5.0, 30.0]]), 17.5, 0.3, 17.5),  # at the threshold: the median
        (None, 17.5, 0.1, 17.5),  # readings unknown (a saved row without its map)
        (np.array([[np.nan, np.nan]]), 17.5, 0.1, 17.5),  # no reading: the median
        (np.array([[20.0, 20.0, 2.0]]), 4.0, 0.1, 4.0),  # never above the median given
    ],
)
def test_deblur_depth(tiles, depth, confidence, expected):
    assert deblur_depth(tiles, depth, confidence) == pytest.approx(expected)
