"""The fixed robustness test set."""

from __future__ import annotations

import numpy as np

from napari_defocus_deblur.simulate.robustness import (
    CONTENT_TYPES,
    OPTICS_SETTINGS,
    cells,
    simulate_cell,
)


def test_the_set_spans_the_prior():
    todo = cells()
    robust = [c for c in todo if c.part == "robustness"]
    assert len(OPTICS_SETTINGS) >= 5 and len(CONTENT_TYPES) >= 3
    assert {c.depth_um for c in robust} == {10.0, 22.0, 34.0}
    assert {c.setting for c in robust} == set(OPTICS_SETTINGS)
    assert any(c.above_focus for c in robust) and any(not c.above_focus for c in robust)
    blur = [v[2] for v in OPTICS_SETTINGS.values()]
    assert any(1.4 <= b <= 1.6 for b in blur) and any(1.7 <= b <= 1.9 for b in blur)
    assert len({c.seed for c in todo}) == len(todo)
    assert {c.depth_um for c in todo if c.part == "paper"} == {10.0, 16.0, 22.0, 28.0, 34.0}


def test_cells_are_fixed_by_their_seeds():
    cell = next(c for c in cells() if c.setting == "wide-1.8x" and c.depth_um == 34.0)
    a, sa = simulate_cell(cell)
    b, sb = simulate_cell(cell)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sa, sb)
    assert a.shape == (260, 348)
    # defocus removes fine detail: the blurred image has less gradient energy
    assert np.abs(np.diff(a.astype(float))).mean() < np.abs(np.diff(sa.astype(float))).mean()
