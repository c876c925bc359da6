"""The Deblur widget runs the run plan: 0.0 µm is a depth, progress reaches the bar,
results sit where their input is (issue 22 item 1, issue 23 items 3-4)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from tests.widgets.conftest import make_checkpoint
from tests.widgets.test_deblur_widget import deblur_widget, run_and_wait


def test_in_focus_plane_at_0_um_keeps_its_depth_for_the_model_choice(
    make_napari_viewer, empty_zoo, tmp_path, qtbot
):
    """Old bug: ``d or self.depth_um()`` gave a 0.0 µm plane the slider's 30 µm (and the
    30 µm model)."""
    near = make_checkpoint(tmp_path / "m2", 2.0, seed=1)
    far = make_checkpoint(tmp_path / "m30", 30.0, seed=2)
    viewer = make_napari_viewer()
    stack = np.random.default_rng(3).random((2, 32, 32)).astype(np.float32) * 100
    viewer.add_image(stack, name="z-stack", metadata={"stage_offsets_um": [0.0, -30.0]})
    widget = deblur_widget(viewer)
    for path in (near, far):
        widget.add_model(path)
    widget.settings.model.value = "auto"
    viewer.dims.set_point(0, 1)
    assert widget.depth_um() == 30.0  # the slider shows plane 1
    run_and_wait(widget, qtbot, "apply_button")
    result = viewer.layers["z-stack · deblurred 0-30 µm per plane sum"]
    assert result.metadata["depths_um"] == [0.0, 30.0]
    assert sorted(result.metadata["models"]) == sorted(str(p.resolve()) for p in (near, far))
    assert result.metadata["views"] == [4, 4] and result.metadata["phases"] == [1, 1]


def test_depth_request_passes_recorded_zero_to_the_plan():
    from napari_defocus_deblur.widgets._deblur_form import depth_request

    class Layer:
        metadata: ClassVar = {"stage_offsets_um": [0.0, -30.0]}
        data = np.zeros((2, 16, 16))

    metadata = depth_request(Layer(), "metadata", 34.0, [(0,), (1,)], "below")
    assert metadata == ("auto", (0.0, 30.0), ("below", "below"))
    assert depth_request(Layer(), "manual", 0.0, [(0,)], "above") == (0.0, None, ("above",))
    assert depth_request(Layer(), "auto", 34.0, [(0,)], "above") == ("auto", None, ("below",))


def test_depth_request_takes_each_planes_side_from_its_signed_stage_offset():
    from napari_defocus_deblur.widgets._deblur_form import depth_request

    class Layer:  # BBBC006 z-stack: z_00 (-32 µm, below), z_16, z_21 (+10 µm, above)
        metadata: ClassVar = {"stage_offsets_um": [-32.0, 0.0, 10.0]}
        data = np.zeros((3, 16, 16))

    planes = [(0,), (1,), (2,)]
    got = depth_request(Layer(), "metadata", 34.0, planes, "above")
    assert got == ("auto", (32.0, 0.0, 10.0), ("below", "below", "above"))
    # no record of the plane: the form's side and value
    assert depth_request(Layer(), "metadata", 12.0, [()], "above") == (12.0, None, ("above",))


def test_progress_reaches_the_bar_in_tiles(make_napari_viewer, tiny_checkpoint, qtbot):
    from napari_defocus_deblur.widgets._deblur_job import PlaneProgress
    from napari_defocus_deblur.widgets._jobs import progress_text

    assert progress_text(PlaneProgress(1, 3, 2, 4)) == (
        "Deblurring · plane 2 of 3 · tile 2 of 4",
        6,
        12,
    )
    assert progress_text(PlaneProgress(0, 1, 0, 0)) == ("Deblurring · planning…", 0, 0)
    viewer = make_napari_viewer()
    stack = np.random.default_rng(0).random((2, 48, 48)).astype(np.float32) * 100
    viewer.add_image(stack, name="stack")
    widget = deblur_widget(viewer)
    widget.add_model(tiny_checkpoint)
    widget.apply_button.native.click()
    bar = widget.jobs.progress
    assert bar is not None and "planning" in bar.desc
    qtbot.waitUntil(lambda: widget.jobs.shown is not None, timeout=60_000)
    qtbot.waitUntil(lambda: not widget.jobs.busy, timeout=60_000)
    text, done, total = widget.jobs.shown
    assert total >= 2 and done == total and "plane 2 of 2" in text
    assert widget.jobs.progress is None  # closed when the job ended


def test_results_take_the_inputs_scale_and_translate(make_napari_viewer, tiny_checkpoint, qtbot):
    viewer = make_napari_viewer()
    image = np.random.default_rng(0).random((48, 48)).astype(np.float32) * 100
    viewer.add_image(image, name="raw", scale=(0.645, 0.645), translate=(5.0, 7.0))
    widget = deblur_widget(viewer)
    widget.add_model(tiny_checkpoint)
    run_and_wait(widget, qtbot)
    result = viewer.layers["raw · deblurred 34 µm sum"]
    np.testing.assert_allclose(result.scale, (0.645, 0.645))
    np.testing.assert_allclose(result.translate, (5.0, 7.0))


def test_deblur_is_offered_in_the_layers_filter_menu():
    from pathlib import Path

    from npe2 import PluginManifest

    import napari_defocus_deblur

    manifest = Path(napari_defocus_deblur.__file__).parent / "napari.yaml"
    menus = PluginManifest.from_file(manifest).contributions.menus
    commands = [item.command for item in menus["napari/layers/filter"]]
    assert commands == ["napari-defocus-deblur.deblur_widget"]


def test_slice_names_say_which_index_is_field_and_which_is_z():
    from napari_defocus_deblur.widgets._results import plane_text, result_name

    assert plane_text((1, 6), ("field", "z", "y", "x")[:2]) == "field 1, z 6"
    assert plane_text((1, 6), ("0", "1")) == "plane 1,6"  # napari's default labels
    name = result_name("w1", [34.0], "sum", plane=(1, 6), labels=("field", "z"))
    assert name == "w1 · deblurred field 1, z 6 at 34 µm sum"


def test_result_names_give_the_stage_offset_and_its_side_of_focus():
    from napari_defocus_deblur.widgets._results import result_name

    assert (
        result_name("w1", [30.0], "sum", sides=["above"]) == "w1 · deblurred 30 µm above focus sum"
    )
    assert result_name("w1", [30.0], "sum", sides=["below"]) == "w1 · deblurred 30 µm sum"
    both = result_name("w1", [30.0, 10.0], "sum", sides=["below", "above"])
    assert both == "w1 · deblurred 10-30 µm per plane, above and below focus sum"


def test_a_renamed_layer_says_its_metadata_wins(make_napari_viewer):
    viewer = make_napari_viewer()
    image = np.ones((32, 32), np.float32)
    viewer.add_image(image, name="w2 actin", metadata={"channel": 1})
    widget = deblur_widget(viewer)
    assert widget.channel_message is None  # the model (w1) fits the recorded channel
    assert "named channel 2 (phalloidin) but records channel 1" in widget.channel.warning.value
    assert not widget.channel.warning.native.isHidden()


def test_planes_above_focus_are_told_a_distance_allowing_for_the_focal_shift(
    make_napari_viewer, tmp_path, qtbot
):
    """A BBBC006 z-stack records signed stage offsets (positive: above focus); a plane
    30 µm above focus is told a shorter distance, allowing for the focal shift."""
    from napari_defocus_deblur.inference.side import distance_for_network

    conditioned = make_checkpoint(tmp_path / "cond", 34.0, condition="depth")
    viewer = make_napari_viewer()
    stack = np.random.default_rng(3).random((2, 32, 32)).astype(np.float32) * 100
    viewer.add_image(stack, name="z-stack", metadata={"stage_offsets_um": [-30.0, 30.0]})
    widget = deblur_widget(viewer)
    widget.add_model(conditioned)
    run_and_wait(widget, qtbot, "apply_button")
    result = viewer.layers[-1]
    expected = [30.0, distance_for_network(30.0, "above")]
    assert result.metadata["depths_um"] == pytest.approx(expected)
    assert result.metadata["depths_um"][1] == pytest.approx(28.375)
    # the name and the record keep the stage offsets the stack gave, with their sides
    assert result.metadata["stage_um"] == [30.0, 30.0]
    assert result.metadata["sides"] == ["below", "above"]
    assert result.name == "z-stack · deblurred 30 µm, above and below focus sum"
    # one slice written into that stack result keeps the record per plane
    viewer.dims.set_point(0, 1)
    run_and_wait(widget, qtbot)
    assert widget.status.value == f"updated plane 1 of '{result.name}'"
    assert result.metadata["sides"] == ["below", "above"]
    assert result.metadata["depths_um"] == pytest.approx(expected)
    # set by hand: the form's side of focus
    viewer.layers.remove(result)
    widget.settings.depth_source.value = "manual"
    widget.settings.depth_um.value = 10.0
    widget.settings.side.value = "above"
    run_and_wait(widget, qtbot, "apply_button")
    assert viewer.layers[-1].metadata["depths_um"] == pytest.approx([8.375, 8.375])
    assert viewer.layers[-1].name == "z-stack · deblurred 10 µm above focus sum"


def test_the_side_box_follows_the_plane_under_the_slider(make_napari_viewer, tiny_checkpoint):
    viewer = make_napari_viewer()
    stack = np.zeros((2, 32, 32), dtype=np.float32)
    viewer.add_image(stack, name="z-stack", metadata={"stage_offsets_um": [-32.0, 34.0]})
    widget = deblur_widget(viewer)
    viewer.dims.set_point(0, 1)
    assert widget.depth_um() == 34.0 and widget.settings.side.value == "above"
    viewer.dims.set_point(0, 0)
    assert widget.depth_um() == 32.0 and widget.settings.side.value == "below"
