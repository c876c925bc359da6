"""Distances told under a stated microscope reach each network in the micrometres it learnt."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import deblur, save_model
from napari_defocus_deblur.inference.plan import ESTIMATED, TOLD, plan_run, run_models
from napari_defocus_deblur.inference.plane_depths import PlaneDepth
from napari_defocus_deblur.inference.units import (
    in_network_units,
    learnt_bbbc006_grid,
    learnt_bbbc006_um,
    trained_microscope,
)
from napari_defocus_deblur.model import condition_on_depth
from napari_defocus_deblur.simulate import microscope
from napari_defocus_deblur.simulate.microscope import Microscope
from tests.inference.helpers import field, tiny_model

#: 1.21 times BBBC006's focal shift: 34 µm blurs as 41.1 µm does under BBBC006's optics.
LONGER_SHIFT = Microscope(focal_shift_scale=1.21)
OWN_STACKS = {
    "data": {"source": "/data/my-stacks", "pairing": [{"blurred_plane": None, "side": None}]}
}


#: A network fine-tuned on one's own stacks of 0.3225 µm pixels binned onto BBBC006's grid.
BINNED_STACKS = {"data": {**OWN_STACKS["data"], "pixel_size_um": 0.3225, "on_bbbc006_grid": True}}


@pytest.fixture
def own_net(tmp_path):
    net = condition_on_depth(tiny_model())
    return save_model(net, tmp_path / "own", depth_um=34, training=OWN_STACKS)


@pytest.fixture
def binned_net(tmp_path):
    net = condition_on_depth(tiny_model())
    return save_model(net, tmp_path / "binned", depth_um=34, training=BINNED_STACKS)


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


def test_an_image_of_finer_pixels_is_deblurred_on_bbbc006s_grid_and_brought_back(conditioned):
    fine = Microscope(pixel_size_um=0.3225)
    image = field((96, 112), seed=4)
    plan = plan_run(image, 20.0, conditioned, "cpu", microscope=fine)
    assert plan.regrid.grid_shape == (48, 56)
    assert any("binned 2 x 2 onto the networks' 0.645 µm grid" in n for n in plan.notes)
    out = deblur(image, 20.0, model=conditioned, device="cpu", microscope=fine)
    on_grid = deblur(plan.regrid.apply(image), 20.0, model=conditioned, device="cpu")
    assert out.shape == image.shape
    assert np.allclose(out, plan.regrid.restore(on_grid), atol=1e-3)
    # within the depth of field the image comes back as it was, fine pixels and all
    assert np.array_equal(deblur(image, 2.0, model=conditioned, microscope=fine), image)
    usual = plan_run(image, 20.0, conditioned, "cpu", microscope=LONGER_SHIFT)
    assert usual.regrid is None


def test_a_network_of_ones_own_stacks_sees_the_image_on_its_own_pixels(own_net):
    fine = Microscope(pixel_size_um=0.3225)
    assert plan_run(field((48, 56)), 20.0, own_net, "cpu", microscope=fine).regrid is None


def test_a_regridding_plan_refuses_an_image_of_another_size(conditioned):
    fine = Microscope(pixel_size_um=0.3225)
    plan = plan_run(field((96, 112)), 20.0, conditioned, "cpu", microscope=fine)
    with pytest.raises(UserInputError, match=r"made for 1 plane\(s\) of 96x112 pixels"):
        deblur(field((96, 114)), plan=plan)


def test_coarse_pixels_are_told_the_coarse_estimators_reading_on_the_grid(conditioned):
    from napari_defocus_deblur.estimate import estimate_defocus

    coarse = Microscope(pixel_size_um=1.29)
    told = plan_run(field((48, 56)), 20.0, conditioned, "cpu", microscope=coarse)
    assert told.regrid.grid_shape == (96, 112)
    image = field((160, 160))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # within the coarse estimator's reach: no warning
        read = plan_run(image, "auto", conditioned, "cpu", microscope=coarse)
    assert not any("not reliable" in n for n in read.notes)
    reading = estimate_defocus(image, coarse).deblur_depth_um
    assert read.depths_um[0] == pytest.approx(reading, abs=1e-4)
    assert reading != pytest.approx(estimate_defocus(image).deblur_depth_um, abs=0.5)


def test_pixels_beyond_the_coarse_estimator_are_estimated_with_a_warning():
    from napari_defocus_deblur.estimate import estimate_defocus

    coarsest = Microscope(pixel_size_um=3.2)
    microscope._warn_once.cache_clear()  # said once per process
    with pytest.warns(UserWarning, match="not reliable"):
        estimate_defocus(field((160, 160)), coarsest)


def test_pixels_too_coarse_for_the_networks_are_refused_in_one_line(conditioned, own_net):
    for pixels in (2.0, 3.2):
        with pytest.raises(UserInputError, match=r"µm pixels are too coarse for the networks"):
            plan_run(field((48, 56)), 20.0, conditioned, "cpu", microscope=Microscope(
                pixel_size_um=pixels))  # fmt: skip
    at_limit = plan_run(field((48, 56)), 20.0, conditioned, "cpu",
                        microscope=Microscope(pixel_size_um=1.935))  # fmt: skip
    assert at_limit.regrid.grid_shape == (144, 168)
    own = plan_run(field((48, 56)), 20.0, own_net, "cpu", microscope=Microscope(pixel_size_um=3.2))
    assert own.regrid is None  # a network of one's own stacks sees its own pixels


def test_which_networks_learnt_bbbc006s_grid_and_which_pixels_they_expect():
    assert learnt_bbbc006_grid(None) and trained_microscope(None) is None  # bundled
    assert not learnt_bbbc006_grid({"training": OWN_STACKS})  # its images' own pixels
    binned = {"training": BINNED_STACKS}
    assert learnt_bbbc006_grid(binned) and not learnt_bbbc006_um(binned)
    assert trained_microscope(binned).pixel_size_um == 0.3225
    for wrong in ("0.3225", 99.0, True, None):  # a record that cannot be read: no guess
        data = {**BINNED_STACKS["data"], "pixel_size_um": wrong}
        assert trained_microscope({"training": {"data": data}}) is None


def test_a_network_of_binned_stacks_bins_images_of_its_microscope_alike(binned_net, own_net):
    image = field((96, 112), seed=5)
    plan = plan_run(image, 20.0, binned_net, "cpu")  # no pixel size stated or recorded
    assert plan.regrid.grid_shape == (48, 56)
    assert any("0.3225 µm pixels of the network's training images" in n for n in plan.notes)
    assert plan.depths_um.tolist() == [20.0]  # its own stacks' micrometres: told as given
    out = deblur(image, 20.0, model=binned_net, device="cpu")
    on_grid = deblur(  # an image already on the grid says so
        plan.regrid.apply(image), 20.0, model=binned_net, device="cpu", microscope=Microscope()
    )
    assert out.shape == image.shape
    assert np.allclose(out, plan.regrid.restore(on_grid), atol=1e-3)
    stated = plan_run(image, 20.0, binned_net, "cpu", microscope=Microscope(pixel_size_um=0.2))
    assert stated.regrid.binning == 3  # the stated pixels win over the training images'
    assert not any("training images" in n for n in stated.notes)
    assert plan_run(image, 20.0, own_net, "cpu").regrid is None


def test_an_image_recording_its_own_pixels_is_not_read_at_the_training_images(binned_net):
    image = field((96, 112), seed=5)
    for recorded in (0.645, 0.7, 1.29):  # BBBC006-like or coarser: seen as it is
        plan = plan_run(image, 20.0, binned_net, "cpu", recorded_pixel_size_um=recorded)
        assert plan.regrid is None and not any("training images" in n for n in plan.notes)
    for nothing in (None, "0.3", 0.0, 99.0):  # nothing usable recorded: the training images'
        plan = plan_run(image, 20.0, binned_net, "cpu", recorded_pixel_size_um=nothing)
        assert plan.regrid.grid_shape == (48, 56)
