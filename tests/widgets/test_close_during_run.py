"""Closing the Deblur dock while a job and a reference check run leaves no traceback."""

from __future__ import annotations

import threading

import numpy as np

from tests.widgets.test_deblur_widget import deblur_widget


def test_closing_the_dock_during_a_run_is_quiet(make_napari_viewer, tiny_checkpoint, qtbot):
    errors: list = []
    previous = threading.excepthook
    threading.excepthook = lambda args: errors.append(args.exc_value)
    try:
        viewer = make_napari_viewer()
        image = np.random.default_rng(0).random((600, 600)).astype(np.float32) * 100
        viewer.add_image(image, name="raw")
        viewer.add_image(image, name="ref", metadata={"depth_um": 0.0})
        widget = deblur_widget(viewer)
        widget.add_model(tiny_checkpoint)
        widget.compare.reference.value = viewer.layers["ref"]
        widget.run_button.native.click()
        assert widget.jobs.busy
        viewer.window.remove_dock_widget("all")
        qtbot.wait(50)
        widget.native.deleteLater()
        qtbot.waitUntil(lambda: widget.jobs.worker is None, timeout=60_000)
        qtbot.wait(500)
    finally:
        threading.excepthook = previous
    assert not [e for e in errors if "has been deleted" in str(e)]
    assert "raw · deblurred 34 µm sum" not in viewer.layers  # nothing added after closing
