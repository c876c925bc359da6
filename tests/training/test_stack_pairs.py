"""Training pairs inside one z-stack: in-focus plane, distances, one pair per field."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.training.stack_pairs import (
    FOCUS_METADATA,
    FOCUS_SHARPEST,
    plan_stack_pairs,
    sharpest_plane,
    stack_geometry,
    stack_pair_arrays,
)


def test_reader_metadata_gives_focus_and_distances():
    meta = {"stage_offsets_um": [-32.0, 0.0, 10.0, 34.0]}
    geometry = stack_geometry((4, 4, 32, 40), meta, scale=(1, 22, 0.645, 0.645))
    assert geometry.n_fields == 4 and geometry.focus_plane == 1
    pairs = plan_stack_pairs(geometry, 34.0)
    assert (pairs.plane, pairs.focus_plane, pairs.depth_um) == (3, 1, 34.0)
    assert pairs.focus_source == FOCUS_METADATA
    assert plan_stack_pairs(geometry, 31.0).plane == 0  # 32 below is nearer than 34
    assert plan_stack_pairs(geometry, 33.0).plane == 3  # tie 32/34: above focus wins
    assert "4 fields: plane 3 (34 µm from focus)" in pairs.describe()


def test_plane_spacing_from_tiff_axes_or_scale():
    geometry = stack_geometry((5, 32, 32), {"axes": "ZYX", "z_step_um": 2.5})
    assert geometry.offsets_um == (0.0, 2.5, 5.0, 7.5, 10.0) and geometry.focus_plane is None
    pairs = plan_stack_pairs(geometry, 5.0, focus_plane=0, focus_source=FOCUS_SHARPEST)
    assert (pairs.plane, pairs.depth_um, pairs.n_fields) == (2, 5.0, 1)
    labelled = stack_geometry((3, 32, 32), {}, scale=(4.0, 1, 1), axis_labels=("z", "y", "x"))
    assert labelled.offsets_um == (0.0, 4.0, 8.0)
    assert stack_geometry((3, 32, 32), {}) is None  # an (N, H, W) stack of fields
    assert stack_geometry((32, 32), {"axes": "YX"}) is None


def test_problems_are_one_line_naming_the_fix():
    geometry = stack_geometry((3, 32, 32), {"axes": "ZYX"})
    with pytest.raises(UserInputError, match="set 'In-focus plane'"):
        plan_stack_pairs(geometry, 10.0)
    with pytest.raises(UserInputError, match="outside the stack"):
        plan_stack_pairs(geometry, 10.0, focus_plane=3)
    with pytest.raises(UserInputError, match="one plane"):
        plan_stack_pairs(stack_geometry((1, 32, 32), {"axes": "ZYX"}), 1.0, focus_plane=0)


@pytest.mark.parametrize("side", [48, 160])
def test_sharpest_plane_is_found(side):
    rng = np.random.default_rng(1)
    sharp = gaussian_filter(rng.random((side, side)), 1.0) * 1000 + 100
    planes = [gaussian_filter(sharp, s) if s else sharp for s in (6, 3, 0, 2, 5)]
    assert sharpest_plane(planes) == 2


def test_arrays_pair_within_each_field():
    data = np.arange(2 * 3 * 4 * 4, dtype=np.float32).reshape(2, 3, 4, 4)
    geometry = stack_geometry(data.shape, {"stage_offsets_um": [0.0, 2.0, 4.0]})
    pairs = plan_stack_pairs(geometry, 4.0)
    oofs, sharps, ids = stack_pair_arrays(data, pairs)
    assert ids == ["field0000", "field0001"]
    np.testing.assert_array_equal(oofs[1], data[1, 2])
    np.testing.assert_array_equal(sharps[1], data[1, 0])
    single = stack_pair_arrays(data[0], pairs, tiles=2)
    assert len(single[0]) == 4 and single[2][0] == "y00000x00000"
    np.testing.assert_array_equal(single[1][0], data[0, 0, :2, :2])
