"""The Focus map dock: the heat map fills in, hovering shows a well's figures, clicking
opens its fields with the within-field depth map on top."""

from __future__ import annotations

import numpy as np
import pytest

from tests.focusmap.helpers import coded_estimator, coded_plate

DEPTHS = {("a01", 1): 2.0, ("a01", 2): 4.0, ("b03", 1): 14.0}


@pytest.fixture
def widget(make_napari_viewer, qtbot, tmp_path, monkeypatch):
    from napari_defocus_deblur.widgets.focus_map import FocusMapWidget

    coded_estimator(monkeypatch)
    viewer = make_napari_viewer()
    w = FocusMapWidget(viewer)
    viewer.window.add_dock_widget(w, name="Focus map")
    w.settings.plate.value = coded_plate(tmp_path / "plate", DEPTHS)
    assert w.run_map()
    qtbot.waitUntil(lambda: not w.busy, timeout=20000)
    return w


def _event(w, name, well_row, well_col):
    from matplotlib.backend_bases import MouseEvent

    x, y = w.plot.axes.transData.transform((well_col - 1, well_row - 1))
    return MouseEvent(name, w.plot.canvas, x, y, button=1)


def test_heat_map_shows_the_plate(widget):
    grid = widget.plot.well_image()
    assert grid.shape == (8, 12)
    assert grid[0, 0] == pytest.approx(3.0) and grid[1, 2] == pytest.approx(14.0)
    assert int(np.isfinite(np.ma.filled(grid, np.nan)).sum()) == 2
    assert widget.fix_button.text == "Deblur fields above 8 µm (1)" and widget.fix_button.enabled
    assert widget.progress.value == widget.progress.max == 3
    widget.plot.canvas.callbacks.process(
        "motion_notify_event", _event(widget, "motion_notify_event", 2, 3)
    )
    assert widget.hover.value.startswith("B03: median 14.0 µm")


def test_clicking_a_well_opens_its_fields_with_depth_maps(widget):
    from napari_defocus_deblur.estimate import STRIDE, TILE

    viewer = widget.viewer
    widget.plot.canvas.callbacks.process(
        "button_press_event", _event(widget, "button_press_event", 1, 1)
    )
    names = [layer.name for layer in viewer.layers]
    assert names == [
        "A01 s1 w1 (2.0 µm)", "A01 s1 w1 depth map (µm)",
        "A01 s2 w1 (4.0 µm)", "A01 s2 w1 depth map (µm)",
    ]  # fmt: skip
    image, overlay = viewer.layers[0], viewer.layers[1]
    assert overlay.data.shape == (3, 5)  # half-overlapping tiles of a 260 x 400 field
    assert tuple(overlay.scale) == (STRIDE, STRIDE)  # one cell per tile centre
    assert overlay.data[0, 0] == pytest.approx(2.5)  # the within-field gradient
    # the overlay covers the image's centre tiles; site 2 lies beside site 1
    assert overlay.translate[0] == pytest.approx(2 + (TILE - 1) / 2)
    assert viewer.layers[2].translate[1] == pytest.approx(image.data.shape[1] + 16)


def test_deblur_button_runs_the_fix_on_the_map(widget, qtbot, tmp_path, monkeypatch, notes):
    import napari_defocus_deblur.focusmap as focusmap
    from napari_defocus_deblur.focusmap import FieldFixed, FixResult

    assert not widget.run_fix() and "choose a folder" in notes["error"][-1]
    calls = []

    def fake_fix(fmap, folder, above, microscope=None):
        calls.append((fmap, folder, above, microscope))
        rows = fmap.above(above)
        for i, r in enumerate(rows, 1):
            yield FieldFixed(r.path, f"{folder}/x.tif", r.depth_um, None, i, len(rows))
        return FixResult(("x.tif",), (), "fake", len(rows))

    monkeypatch.setattr(focusmap, "iter_fix", fake_fix)
    widget.settings.fix_folder.value = tmp_path / "fixed"
    widget.settings.above_um.value = 3.5
    assert widget.fix_button.text == "Deblur fields above 3.5 µm (2)"
    assert widget.run_fix()
    qtbot.waitUntil(lambda: not widget.busy, timeout=10000)
    assert calls[0][0] is widget.fmap and calls[0][1:] == (str(tmp_path / "fixed"), 3.5, None)
    assert widget.status.value == "deblurred 1 of 2 field(s)"


def test_a_field_recording_finer_pixels_gets_its_depth_map_on_its_own_pixels(
    widget, qtbot, tmp_path
):
    from napari_defocus_deblur.estimate import STRIDE, TILE

    fine = coded_plate(tmp_path / "fine", DEPTHS, shape=(520, 800), pixel_um=0.3225)
    widget.settings.plate.value = fine
    assert widget.run_map()
    qtbot.waitUntil(lambda: not widget.busy, timeout=20000)
    widget.plot.canvas.callbacks.process(
        "button_press_event", _event(widget, "button_press_event", 1, 1)
    )
    image, overlay = widget.viewer.layers[0], widget.viewer.layers[1]
    assert image.data.shape == (520, 800)
    assert overlay.data.shape == (3, 5)  # read binned 2 x 2: the tiles of 260 x 400
    assert tuple(overlay.scale) == (2 * STRIDE, 2 * STRIDE)  # tiles twice as wide here
    grid_centre = 2 + (TILE - 1) / 2  # the first tile's centre on the binned grid
    assert overlay.translate[0] == pytest.approx(2 * grid_centre + 0.5)


def test_a_stated_microscope_maps_stage_offsets_and_reaches_the_fix(
    widget, qtbot, tmp_path, monkeypatch, notes
):
    import napari_defocus_deblur.focusmap as focusmap
    from napari_defocus_deblur.focusmap import FixResult
    from napari_defocus_deblur.simulate.microscope import Microscope

    form = widget.settings
    assert form.na.native.isHidden()  # hidden until ticked: the usual case stays simple
    form.own_microscope.value = True
    assert not form.na.native.isHidden() and not form.pixel_size_um.native.isHidden()
    form.na.value = 0.6
    assert widget.run_map()
    qtbot.waitUntil(lambda: not widget.busy, timeout=20000)
    b03 = widget.fmap.fields_of("B03")[0]
    stage = Microscope(na=0.6).stage_um(14.0)
    assert b03.depth_um == pytest.approx(14.0) and b03.distance_um == pytest.approx(stage)
    assert widget.plot.well_image()[1, 2] == pytest.approx(stage)
    calls = []

    def fake_fix(fmap, folder, above, microscope=None):
        calls.append(microscope)
        return FixResult()
        yield

    monkeypatch.setattr(focusmap, "iter_fix", fake_fix)
    form.fix_folder.value = tmp_path / "fixed"
    form.above_um.value = 3.0
    assert widget.run_fix()
    qtbot.waitUntil(lambda: not widget.busy, timeout=10000)
    assert calls == [Microscope(na=0.6)]
    form.immersion.value, form.na.value = "dry", 1.2  # a dry objective cannot reach NA 1.2
    assert not widget.run_map() and "too wide" in notes["error"][-1]
