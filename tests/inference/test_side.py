"""Side of focus: planes above focus are told a distance allowing for the focal shift."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import deblur, save_model
from napari_defocus_deblur.inference.plan import METADATA, TOLD, plan_run
from napari_defocus_deblur.inference.plane_depths import PlaneDepth, depth_notes, for_network
from napari_defocus_deblur.inference.side import (
    FOCAL_SHIFT_SHARE,
    FOCAL_SHIFT_UM,
    check_side,
    distance_for_network,
    equal_blur_below_um,
    trained_side,
)
from napari_defocus_deblur.model import condition_on_depth
from tests.inference.helpers import field, tiny_model

ABOVE_PAIRING = {"data": {"pairing": [{"depth_um": 10.0, "side": "above"}]}}


@pytest.fixture
def learnt_above(tmp_path):
    net = condition_on_depth(tiny_model())
    return save_model(net, tmp_path / "above", depth_um=10, training=ABOVE_PAIRING)


@pytest.mark.parametrize("above_um", [10.0, 22.0, 34.0])
def test_the_focal_shift_is_the_simulators(above_um):
    """On the nominal optics, ``d`` above focus passes the contrast of ``d - 3.25`` below
    better than one micrometre either side of it, or than ``d`` itself."""
    from napari_defocus_deblur.simulate.equivalence import band_transfer
    from napari_defocus_deblur.simulate.prior import PRESETS

    nominal = PRESETS["nominal"].draw(np.random.default_rng(0)).optics
    above = band_transfer(above_um, nominal)
    candidates = [above_um - FOCAL_SHIFT_UM + s for s in (0.0, -1.0, 1.0, FOCAL_SHIFT_UM)]
    errors = [np.sum((band_transfer(-z, nominal) - above) ** 2) for z in candidates]
    assert int(np.argmin(errors)) == 0


def test_distances_for_each_side_and_network():
    assert distance_for_network(10.0, "below") == 10.0
    assert distance_for_network(10.0, "above") == pytest.approx(10.0 - 0.5 * 3.25)
    assert distance_for_network(34.0, "above") == pytest.approx(32.375)
    assert distance_for_network(2.0, "above") == pytest.approx(1.0)  # in focus either way
    assert distance_for_network(0.0, "above") == 0.0
    assert distance_for_network(10.0, "above", "above") == 10.0
    assert distance_for_network(10.0, "below", "above") == pytest.approx(11.625)
    assert distance_for_network(10.0, "above", share=1.0) == pytest.approx(6.75)
    assert distance_for_network(10.0, "above", share=0.0) == 10.0
    assert equal_blur_below_um(2.0) == 0.0 and equal_blur_below_um(34.0) == 30.75
    assert 0.0 < FOCAL_SHIFT_SHARE <= 1.0


@pytest.mark.parametrize("value", ["left", "", None, 1, True])
def test_a_side_is_below_or_above(value):
    assert check_side(" Above ") == "above"
    with pytest.raises(UserInputError, match="side must be 'below' or 'above'"):
        check_side(value)


def test_the_side_a_network_learnt_comes_from_its_pairing_record():
    assert trained_side(None) == "below"
    assert trained_side({"training": ABOVE_PAIRING}) == "above"
    mixed = {"data": {"pairing": [{"side": "above"}, {"side": "below"}]}}
    assert trained_side({"training": mixed}) == "below"
    assert trained_side({"training": {"data": {"pairing": []}}}) == "below"  # a prior
    assert trained_side({"training": {"data": {"pairing": [None, "x"]}}}) == "below"


def test_planes_keep_their_stage_offset_and_convert_once():
    planes = (PlaneDepth(10.0, TOLD, side="above"), PlaneDepth(22.0, METADATA))
    told = for_network(planes, "below")
    assert [p.depth_um for p in told] == pytest.approx([8.375, 22.0])
    assert [p.stage_um for p in told] == [10.0, None]
    assert for_network(told, "below") == told  # planned twice: the same distances
    assert told[0].describe() == "8.4 µm (told 10 µm above focus)"
    (note,) = depth_notes(told)
    assert note.startswith("1 of 2 plane(s) lie above focus: 10 µm above was deblurred for 8.4")


def test_the_plan_tells_planes_above_focus_the_shorter_distance(conditioned):
    image = field((48, 56))
    plan = plan_run(image, 10.0, conditioned, "cpu", side="above")
    assert plan.depths_um.tolist() == pytest.approx([8.375])
    assert plan.planes[0].stage_um == 10.0 and plan.planes[0].side == "above"
    assert any("lie above focus" in n for n in plan.notes)
    stack = np.stack([image, image])
    both = plan_run(stack, "auto", conditioned, "cpu", metadata_depth_um=[16.0, 16.0],
                    side=["below", "above"])  # fmt: skip
    assert both.depths_um.tolist() == pytest.approx([16.0, 14.375])
    with pytest.raises(UserInputError, match="side must be"):
        plan_run(image, 10.0, conditioned, "cpu", side="sideways")


def test_the_network_and_the_focus_gate_are_told_the_shorter_distance(conditioned):
    """5 µm above focus is 3.4 µm for the run: the focus gate keeps 7.5 % of the
    network's change instead of 40 % (it passes planes within 3 µm through)."""
    image = field((48, 56), seed=4)
    above = deblur(image, 5.0, model=conditioned, device="cpu", side="above")
    np.testing.assert_array_equal(above, deblur(image, 3.375, model=conditioned, device="cpu"))
    below = deblur(image, 5.0, model=conditioned, device="cpu")
    assert np.abs(above - image).max() < 0.2 * np.abs(below - image).max()


def test_a_network_that_learnt_above_focus_is_told_below_focus_planes_longer(learnt_above):
    image = field((48, 56))
    assert plan_run(image, 10.0, learnt_above, "cpu", side="above").depths_um.tolist() == [10.0]
    below = plan_run(image, 10.0, learnt_above, "cpu")
    assert below.depths_um.tolist() == pytest.approx([11.625])
    assert "as the network learnt planes above focus" in " ".join(below.notes)


def test_a_network_not_told_distances_keeps_the_request_as_it_was(tmp_path):
    plain = save_model(tiny_model(), tmp_path / "plain", depth_um=34)
    plan = plan_run(field((48, 56)), 10.0, plain, "cpu", side="above")
    assert plan.depths_um is None and plan.planes[0].stage_um is None
    assert not any("focus:" in n for n in plan.notes)
