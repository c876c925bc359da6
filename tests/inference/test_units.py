"""Distances told under a stated microscope reach each network in the micrometres it learnt."""

from __future__ import annotations

import pytest

from napari_defocus_deblur.inference import deblur, save_model
from napari_defocus_deblur.inference.plan import ESTIMATED, TOLD, plan_run, run_models
from napari_defocus_deblur.inference.plane_depths import PlaneDepth
from napari_defocus_deblur.inference.units import in_network_units, learnt_bbbc006_um
from napari_defocus_deblur.model import condition_on_depth
from napari_defocus_deblur.simulate.microscope import Microscope
from tests.inference.helpers import field, tiny_model

#: 1.21 times BBBC006's focal shift: 34 µm blurs as 41.1 µm does under BBBC006's optics.
LONGER_SHIFT = Microscope(focal_shift_scale=1.21)
OWN_STACKS = {
    "data": {"source": "/data/my-stacks", "pairing": [{"blurred_plane": None, "side": None}]}
}


@pytest.fixture
def own_net(tmp_path):
    net = condition_on_depth(tiny_model())
    return save_model(net, tmp_path / "own", depth_um=34, training=OWN_STACKS)


def test_which_networks_learnt_bbbc006_micrometres():
    assert learnt_bbbc006_um(None)  # no record: bundled or built
    assert learnt_bbbc006_um({"training": {"data": {"source": "prior:wide", "pairing": []}}})
    planes = {"source": "/bbbc006", "pairing": [{"blurred_plane": 0, "reference_plane": 17}]}
    assert learnt_bbbc006_um({"training": {"data": planes}})
    assert not learnt_bbbc006_um({"training": OWN_STACKS})
    assert not learnt_bbbc006_um({"training": {"data": {"source": "arrays", "pairing": []}}})


def test_a_told_distance_under_a_stated_microscope_is_converted_for_the_network(conditioned):
    image = field((48, 56))
    plan = plan_run(image, 34.0, conditioned, "cpu", microscope=LONGER_SHIFT)
    assert plan.depths_um.tolist() == pytest.approx([41.1], abs=1.0)
    assert plan.planes[0].stated_um == 34.0
    assert (
        plan.planes[0].describe().endswith("(told 34 µm below focus with the stated microscope)")
    )
    assert any("the stated microscope blurs 34 µm below focus" in n for n in plan.notes)
    same = plan_run(image, 34.0, conditioned, "cpu", microscope=Microscope())
    assert same.depths_um.tolist() == [34.0] and same.planes[0].stated_um is None


def test_the_network_gets_what_the_plan_says(conditioned):
    """At 6 µm the focus gate keeps 60 % of the network's change, at 7.3 µm 86 %."""
    image = field((48, 56), seed=3)
    stated = deblur(image, 6.0, model=conditioned, device="cpu", microscope=LONGER_SHIFT)
    told = plan_run(image, 6.0, conditioned, "cpu", microscope=LONGER_SHIFT).depths_um[0]
    assert told == pytest.approx(7.3, abs=0.3)
    assert (stated == deblur(image, float(told), model=conditioned, device="cpu")).all()
    plain = deblur(image, 6.0, model=conditioned, device="cpu")
    assert abs(stated - image).max() > 1.2 * abs(plain - image).max()


def test_above_focus_the_stated_microscope_and_the_focal_shift_both_count(conditioned):
    plan = plan_run(field((48, 56)), 20.0, conditioned, "cpu", side="above",
                    microscope=LONGER_SHIFT)  # fmt: skip
    plane = plan.planes[0]
    assert plane.stated_um == 20.0 and plane.stage_um == pytest.approx(
        LONGER_SHIFT.bbbc006_um(20.0, "above")
    )
    assert plane.depth_um < plane.stage_um  # shorter, for the focal shift
    assert "20 µm above was deblurred for" in " ".join(plan.notes)


def test_a_network_of_ones_own_stacks_is_told_the_distance_as_given(own_net):
    plan = plan_run(field((48, 56)), 34.0, own_net, "cpu", microscope=LONGER_SHIFT)
    assert plan.depths_um.tolist() == [34.0] and plan.planes[0].stated_um is None
    read = (PlaneDepth(41.1, ESTIMATED, 0.8), PlaneDepth(41.1, TOLD, stated_um=34.0))
    info = {"training": OWN_STACKS}
    estimated, told = in_network_units(read, info, LONGER_SHIFT)
    assert estimated.depth_um == pytest.approx(34.0, abs=0.6)  # the estimate, converted
    assert told.depth_um == 34.0
    assert in_network_units(read, info, None) == read


def test_the_bundled_model_is_chosen_at_the_converted_distance(zoo):
    """20 µm under 1.21 times the focal shift is 24.2 µm: nearer the 34 µm model than 10."""
    assert [p.name for p in run_models(None, 20.0, None)] == ["tiny-10um-sum"]
    stated = run_models(None, 20.0, None, microscope=LONGER_SHIFT)
    assert [p.name for p in stated] == ["tiny-34um-sum"]


def test_the_plan_says_when_the_pixels_are_unlike_bbbc006s(conditioned):
    fine = Microscope(pixel_size_um=0.3225)
    plan = plan_run(field((48, 56)), 10.0, conditioned, "cpu", microscope=fine)
    assert fine.sampling_note() in plan.notes
    usual = plan_run(field((48, 56)), 10.0, conditioned, "cpu", microscope=LONGER_SHIFT)
    assert not any("learnt nuclei" in n for n in usual.notes)
