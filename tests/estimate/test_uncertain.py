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


def test_tiles_that_agree_give_confidence_by_their_spread_and_share():
    from napari_defocus_deblur.estimate.uncertain import tile_confidence

    agreeing = np.array([30.0, 31.0, 29.0, 30.0, 32.0, 30.0])
    # spread 0.5 µm, every tile with signal: exp(-0.5 / 6)
    assert tile_confidence(agreeing, 30.0, 6, 6.0) == pytest.approx(0.920, abs=1e-3)
    assert tile_confidence(agreeing, 30.0, 12, 6.0) == pytest.approx(0.690, abs=1e-3)


def test_few_tiles_cannot_show_that_they_agree():
    from napari_defocus_deblur.estimate.uncertain import tile_confidence

    two = np.array([4.6, 17.4])  # a sharp, sparse field on 1.935 µm pixels
    full = np.exp(-6.4 / 6.0)
    assert tile_confidence(two, 11.0, 2, 6.0) == pytest.approx(full * 2 / 4, abs=1e-3)
    assert tile_confidence(np.array([30.0] * 4), 30.0, 4, 6.0) == 1.0  # four tiles: no cut


def test_a_partly_sharp_field_is_uncertain():
    from napari_defocus_deblur.estimate.uncertain import LOW_CONFIDENCE, tile_confidence

    sharp_half = np.array([0.0, 0.0, 0.5, 8.7, 9.9, 11.3])  # median 4.6, half in focus
    confidence = tile_confidence(sharp_half, 4.6, 12, 6.0)
    assert confidence == pytest.approx(np.exp(-4.6 / 6.0) * 0.75 * 0.5, abs=1e-3)
    assert confidence < LOW_CONFIDENCE  # so it is deblurred for the low end: 0 µm
    assert deblur_depth(sharp_half, 4.6, confidence) == pytest.approx(0.0)
    one_in_focus = np.array([0.5, 8.7, 9.9, 11.3, 10.0])  # a fifth: not cut
    assert tile_confidence(one_in_focus, 9.9, 5, 6.0) == pytest.approx(
        np.exp(-1.2 / 6.0), abs=1e-3
    )
    in_focus = np.array([0.0, 0.2, 0.4, 0.9])  # the median in focus too: nothing to cut
    assert tile_confidence(in_focus, 0.3, 4, 6.0) == pytest.approx(np.exp(-0.2 / 6.0), abs=1e-3)
