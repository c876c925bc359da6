"""The Deblur dock's microscope: hidden until ticked, then distances are its stage offsets."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.estimate import DefocusEstimate
from napari_defocus_deblur.simulate.microscope import Microscope
from napari_defocus_deblur.widgets._microscope import (
    MICROSCOPE_DEFAULTS,
    OPTICS,
    stated_microscope,
)
from tests.widgets.conftest import make_checkpoint
from tests.widgets.test_deblur_widget import deblur_widget, run_and_wait

#: A 0.75 dry objective: 10 µm from focus blurs as 24.3 µm do under BBBC006's optics.
WIDE = Microscope(na=0.75)


def stated_dock(viewer, tmp_path, depth_um: float):
    """A Deblur dock over a 32 x 32 field with a depth-conditioned model, told
    ``depth_um`` by hand, the microscope box ticked (its values still BBBC006's)."""
    viewer.add_image(np.random.default_rng(3).random((32, 32)).astype(np.float32) * 100,
                     name="field")  # fmt: skip
    widget = deblur_widget(viewer)
    widget.add_model(make_checkpoint(tmp_path / "cond", 34.0, condition="depth"))
    form = widget.settings
    form.depth_source.value = "manual"
    form.depth_um.value = depth_um
    form.own_microscope.value = True
    return viewer, widget


def test_the_optics_are_bbbc006s_and_hidden_until_the_box_is_ticked(make_napari_viewer):
    widget = deblur_widget(make_napari_viewer())
    form = widget.settings
    assert {k: form[k].value for k in MICROSCOPE_DEFAULTS} == MICROSCOPE_DEFAULTS
    assert all(form[k].native.isHidden() for k in OPTICS)
    assert stated_microscope(form) is None
    form.own_microscope.value = True
    assert not any(form[k].native.isHidden() for k in OPTICS)
    assert stated_microscope(form).is_bbbc006  # ticked, values untouched: BBBC006's
    form.na.value = 1.2  # dry into water: beyond what the simulator models
    with pytest.raises(UserInputError, match=r"NA 1\.2 is too wide"):
        stated_microscope(form)


def test_a_distance_set_here_is_the_stage_offset_on_the_stated_microscope(
    make_napari_viewer, tmp_path, qtbot
):
    viewer, widget = stated_dock(make_napari_viewer(), tmp_path, 10.0)
    widget.settings.na.value = 0.75
    run_and_wait(widget, qtbot)
    result = viewer.layers[-1]
    assert result.metadata["depths_um"] == pytest.approx([WIDE.bbbc006_um(10.0)])
    assert result.metadata["depths_um"][0] == pytest.approx(24.3, abs=1.0)
    assert result.metadata["stage_um"] == [10.0]


def test_an_estimate_moves_the_knob_to_the_stage_offset_on_the_stated_microscope(
    make_napari_viewer,
):
    widget = deblur_widget(make_napari_viewer())
    widget.settings.own_microscope.value = True  # stated: the estimate says it on it too
    widget.depth.microscope = WIDE
    read = DefocusEstimate(24.4, 5.0, 0.9, 12, stage_um=WIDE.stage_um(24.4))
    widget.depth._on_estimate(read)
    assert widget.depth_um() == pytest.approx(10.0, abs=0.5)
    assert "estimate 24.4 µm (10.0 µm on your microscope)" in widget.depth.label.value
    widget.depth.microscope = None  # BBBC006's optics: the knob shows the estimate
    widget.depth._on_estimate(DefocusEstimate(21.4, 5.0, 0.9, 12))
    assert widget.depth_um() == 21.5 and "your microscope" not in widget.depth.label.value
    widget.settings.own_microscope.value = False  # only a layer's recorded finer pixels
    widget.depth.microscope = Microscope(pixel_size_um=0.3225)
    widget.depth._on_estimate(DefocusEstimate(21.4, 5.0, 0.9, 12, stage_um=21.4))
    assert widget.depth_um() == 21.5 and "your microscope" not in widget.depth.label.value


def test_a_layers_recorded_finer_pixels_are_honoured_until_optics_are_stated(
    make_napari_viewer, tmp_path, qtbot
):
    """A layer read from a file that records 0.3225 µm pixels runs binned onto BBBC006's
    grid; ticking the box makes the stated optics (pixels included) the rule."""
    conditioned = make_checkpoint(tmp_path / "cond", 34.0, condition="depth")
    viewer = make_napari_viewer()
    image = np.random.default_rng(4).random((64, 64)).astype(np.float32) * 100
    viewer.add_image(image, name="field", metadata={"pixel_size_um": 0.3225})
    widget = deblur_widget(viewer)
    widget.add_model(conditioned)
    widget.settings.depth_source.value = "manual"
    widget.settings.depth_um.value = 20.0
    _layer, job, _current, _text = widget.build_job()
    assert job.microscope == Microscope(pixel_size_um=0.3225)
    run_and_wait(widget, qtbot)
    assert viewer.layers[-1].data.shape == (64, 64)
    assert "0.3225 µm pixels were binned 2 x 2 onto the networks' 0.645 µm grid (32 x 32)" in (
        widget.status.value
    )
    widget.settings.own_microscope.value = True  # BBBC006's values, stated
    assert widget.build_job()[1].microscope.is_bbbc006


def test_pixels_too_coarse_for_the_networks_are_one_readable_line(
    make_napari_viewer, tmp_path, qtbot, notes
):
    viewer, widget = stated_dock(make_napari_viewer(), tmp_path, 20.0)
    widget.settings.pixel_size_um.value = 2.58  # 4x BBBC006: restorations fell below the input
    run_and_wait(widget, qtbot)
    assert [layer.name for layer in viewer.layers] == ["field"]  # nothing added
    assert any("2.58 µm pixels are too coarse for the networks" in n for n in notes["error"])
    assert all("\n" not in n for n in notes["error"])
