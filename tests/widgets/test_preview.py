"""Live preview (debounced, cancellable), the depth knob and the Estimate button."""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.widgets.conftest import dock, make_checkpoint

WAIT_MS = 60_000


@pytest.fixture
def viewer_and_widget(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    image = np.random.default_rng(0).random((64, 64)).astype(np.float32) * 1000
    viewer.add_image(image, name="img")
    widget = dock(viewer, "Deblur")
    widget.settings.live_preview.value = False
    widget.add_model(make_checkpoint(tmp_path / "tiny", 34.0))
    return viewer, widget


def _idle(widget) -> bool:
    return not widget.jobs.busy and not widget.jobs.timer.isActive()


def _wait_for_preview(widget, qtbot) -> None:
    """Wait for the debounce timer to fire and the preview it started to end."""
    qtbot.waitUntil(lambda: widget.jobs.busy or not widget.jobs.timer.isActive())
    qtbot.waitUntil(lambda: _idle(widget), timeout=WAIT_MS)


def test_changes_start_one_debounced_preview(viewer_and_widget, qtbot):
    _, widget = viewer_and_widget
    started = widget.jobs.started
    widget.settings.live_preview.value = True
    for depth in (20.0, 21.0, 22.0):  # a knob turned quickly: one preview at the end
        widget.settings.depth_um.value = depth
    assert widget.jobs.timer.isActive() and widget.jobs.started == started
    qtbot.waitUntil(lambda: widget.jobs.started == started + 1, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not widget.jobs.busy, timeout=WAIT_MS)
    qtbot.wait(2 * widget.jobs.timer.interval())
    assert widget.jobs.started == started + 1
    assert widget.status.value == "preview: added 'img · deblurred 22 µm sum'"
    assert widget.settings.depth_source.value == "manual"  # turning the knob sets it


def test_a_newer_preview_cancels_the_running_one(qtbot):
    from napari_defocus_deblur.widgets._jobs import JobRunner

    finished: list[bool] = []
    runner = JobRunner(finished.append)
    results: list[str] = []

    def slow(name):
        for _ in range(200):
            time.sleep(0.01)
            yield None
        return name

    runner.start(slow, "old", preview=True, on_returned=results.append, action="test")
    old = runner.worker
    runner.start(slow, "new", preview=True, on_returned=results.append, action="test")
    assert runner.worker is not old and runner.started == 2
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)
    assert results == ["new"]  # the out-of-date preview never reaches the viewer
    refused = runner.start(slow, "x", preview=False, on_returned=results.append, action="t")
    assert refused and not runner.start(slow, "y", preview=True, on_returned=print, action="t")
    runner.cancel()
    qtbot.waitUntil(lambda: not runner.busy, timeout=WAIT_MS)


def test_estimate_sets_the_knob_and_shows_confidence(viewer_and_widget, qtbot, monkeypatch):
    from napari_defocus_deblur.estimate import DefocusEstimate
    from napari_defocus_deblur.widgets import _deblur_job

    _, widget = viewer_and_widget
    sure = DefocusEstimate(27.3, 6.1, 0.4, 4)
    monkeypatch.setattr(_deblur_job, "estimate_plane", lambda plane, microscope=None: sure)
    widget.depth.button.native.click()
    qtbot.waitUntil(lambda: "confidence" in widget.depth.label.value, timeout=WAIT_MS)
    assert widget.depth_um() == 27.5  # the knob's half-micrometre steps
    assert widget.settings.depth_source.value == "manual"
    assert widget.depth.label.value == (
        "estimate 27.3 µm · blur 6.1 px · confidence 0.40 (low: check the depth)"
    )


def test_an_uncertain_estimate_sets_the_knob_to_the_distance_auto_uses(
    viewer_and_widget, qtbot, monkeypatch
):
    """Tiles that disagree: the knob goes to the low end of their readings, as on the
    one-click path, and the line says both distances."""
    from napari_defocus_deblur.estimate import DefocusEstimate
    from napari_defocus_deblur.widgets import _deblur_job

    _, widget = viewer_and_widget
    unsure = DefocusEstimate(14.1, 3.0, 0.23, 2, "", 8.3)
    monkeypatch.setattr(_deblur_job, "estimate_plane", lambda plane, microscope=None: unsure)
    widget.depth.button.native.click()
    qtbot.waitUntil(lambda: "confidence" in widget.depth.label.value, timeout=WAIT_MS)
    assert widget.depth_um() == 8.5
    assert widget.depth.label.value == (
        "estimate 14.1 µm · blur 3.0 px · confidence 0.23 · deblurring for 8.3 µm (its tiles "
        "disagree) (low: check the depth)"
    )


def test_restore_defaults_button(viewer_and_widget):
    from napari_defocus_deblur.widgets._deblur_form import DEFAULTS

    _, widget = viewer_and_widget
    widget.settings.depth_um.value = 12.0
    widget.settings.fusion.value = "concat"
    widget.defaults_button.native.click()
    values = {name: widget.settings[name].value for name in DEFAULTS}
    assert values == DEFAULTS


# -- these use the lead's depth conditioning and estimator (issue 12) -----------------
def test_depth_change_changes_the_preview(make_napari_viewer, tmp_path, qtbot):
    viewer = make_napari_viewer()
    image = np.random.default_rng(1).random((64, 64)).astype(np.float32) * 1000
    viewer.add_image(image, name="img")
    widget = dock(viewer, "Deblur")
    widget.add_model(make_checkpoint(tmp_path / "cond", None, condition="depth",
                                     depths_um=(10.0, 34.0)))  # fmt: skip
    qtbot.waitUntil(
        lambda: not widget.jobs.busy and not widget.jobs.timer.isActive(), timeout=WAIT_MS
    )
    widget.settings.depth_um.value = 10.0
    _wait_for_preview(widget, qtbot)
    at_10 = np.array(viewer.layers["img · deblurred 10 µm sum"].data)
    widget.settings.depth_um.value = 34.0
    _wait_for_preview(widget, qtbot)
    at_34 = np.array(viewer.layers["img · deblurred 34 µm sum"].data)
    assert np.abs(at_34 - at_10).mean() > 1e-3 * np.abs(at_10).mean()


def test_auto_depth_estimates_each_plane_and_names_it(make_napari_viewer, tmp_path, qtbot, notes):
    from napari_defocus_deblur.estimate import estimate_defocus

    viewer = make_napari_viewer()
    stack = np.random.default_rng(2).random((2, 128, 128)).astype(np.float32) * 1000
    viewer.add_image(stack, name="z")
    widget = dock(viewer, "Deblur")
    widget.settings.live_preview.value = False
    widget.add_model(make_checkpoint(tmp_path / "tiny", 34.0))
    widget.settings.depth_source.value = "auto"
    widget.apply_button.native.click()
    qtbot.waitUntil(lambda: not widget.jobs.busy, timeout=WAIT_MS)
    assert notes["error"] == []
    result = next(ly for ly in viewer.layers if ly.metadata.get("deblurred_from") == "z")
    expected = [estimate_defocus(p).depth_um for p in stack]
    np.testing.assert_allclose(result.metadata["depths_um"], expected, rtol=1e-6)
    assert result.metadata["estimated"] and "(estimated)" in result.name
    assert all(0.0 <= c <= 1.0 for c in result.metadata["confidences"])
