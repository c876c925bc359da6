"""The Deblur widget end to end on the sample: result layer, re-run, cancel, errors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.widgets.conftest import dock

WAIT_MS = 60_000
SHAPE = (64, 80)
INPUT = "w1 Hoechst 33342 34 um"
RESULT = f"{INPUT} · deblurred 34 µm sum"


@pytest.fixture
def sample_viewer(make_napari_viewer):
    """A viewer holding a small simulated sample field (12 layers)."""
    from napari_defocus_deblur.simulate.sample import make_sample_field

    viewer = make_napari_viewer()
    for data, kwargs, _ in make_sample_field(shape=SHAPE):
        viewer.add_image(data, **kwargs)
    viewer.layers.selection.active = viewer.layers[INPUT]
    return viewer


def run_and_wait(widget, qtbot) -> None:
    widget.run_button.click()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)


def test_both_widgets_dock_through_the_manifest(make_napari_viewer):
    from napari_defocus_deblur.widgets import DeblurWidget, TrainWidget

    viewer = make_napari_viewer()
    assert isinstance(dock(viewer, "Deblur"), DeblurWidget)
    assert isinstance(dock(viewer, "Train deblur model"), TrainWidget)


def test_deblur_sample_adds_result_next_to_input_and_rerun_replaces_it(
    sample_viewer, tiny_checkpoint, qtbot, notes
):
    from napari_defocus_deblur.inference import deblur, load_model

    viewer = sample_viewer
    widget = dock(viewer, "Deblur")
    assert widget.layer_picker.currentText() == INPUT
    assert widget.depth_combo.currentText() == "from metadata (34 µm)"
    widget.add_model(tiny_checkpoint)
    assert widget.model_choice().path == tiny_checkpoint.resolve()
    n_before = len(viewer.layers)
    run_and_wait(widget, qtbot)
    assert notes["error"] == []
    assert len(viewer.layers) == n_before + 1
    source = viewer.layers[INPUT]
    result = viewer.layers[RESULT]
    assert viewer.layers.index(result) == viewer.layers.index(source) + 1
    assert result.visible and not source.visible  # shown instead of blended with the input
    assert result.data.shape == source.data.shape == SHAPE
    assert result.data.dtype == np.float32
    np.testing.assert_array_equal(result.scale, source.scale)
    np.testing.assert_array_equal(result.translate, source.translate)
    lo, hi = result.contrast_limits
    assert result.data.min() <= lo < hi <= result.data.max()
    expected = deblur(
        np.asarray(source.data, np.float32), model=load_model(tiny_checkpoint), device="cpu"
    )
    np.testing.assert_allclose(result.data, expected, rtol=1e-5, atol=1e-3)

    result.data = np.zeros(SHAPE, np.float32)  # re-run must overwrite this layer
    run_and_wait(widget, qtbot)
    assert len(viewer.layers) == n_before + 1
    assert [ly.name for ly in viewer.layers if "deblurred" in ly.name] == [RESULT]
    np.testing.assert_allclose(viewer.layers[RESULT].data, expected, rtol=1e-5, atol=1e-3)


def test_current_slice_of_a_stack_lands_on_that_plane(make_napari_viewer, tiny_checkpoint, qtbot):
    viewer = make_napari_viewer()
    stack = np.random.default_rng(1).random((3, 32, 48)).astype(np.float32)
    viewer.add_image(stack, name="stack", scale=(2.0, 0.5, 0.5), translate=(10.0, 0, 0))
    viewer.dims.set_point(0, 10.0 + 2 * 2.0)  # world z of plane 2
    widget = dock(viewer, "Deblur")
    widget.add_model(tiny_checkpoint)
    assert widget.planes_combo.isEnabled()
    run_and_wait(widget, qtbot)
    result = viewer.layers["stack · deblurred 34 µm sum"]
    assert result.data.shape == (1, 32, 48)
    np.testing.assert_array_equal(result.translate, (14.0, 0.0, 0.0))
    assert result.metadata["plane"] == [2]
    widget.planes_combo.setCurrentIndex(widget.planes_combo.findData("stack"))
    run_and_wait(widget, qtbot)
    assert viewer.layers["stack · deblurred 34 µm sum"].data.shape == (3, 32, 48)
    assert len(viewer.layers) == 2


def test_gui_thread_runs_while_deblurring_and_cancel_stops(
    make_napari_viewer, tiny_checkpoint, qtbot, notes
):
    from qtpy.QtCore import QTimer

    viewer = make_napari_viewer()
    viewer.add_image(np.random.default_rng(2).random((12, 96, 96)).astype(np.float32), name="z")
    widget = dock(viewer, "Deblur")
    widget.add_model(tiny_checkpoint)
    widget.planes_combo.setCurrentIndex(widget.planes_combo.findData("stack"))
    ticks: list[bool] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(widget.worker is not None))
    timer.start()
    widget.run_button.click()
    assert widget.worker is not None and not widget.run_button.isEnabled()
    planes_seen: list[int] = []

    def on_progress(event):
        planes_seen.append(event.plane)
        if event.plane >= 2:
            widget.cancel_button.click()

    widget.worker.yielded.connect(on_progress)
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    timer.stop()
    assert sum(ticks) >= 3  # the event loop kept running during the job
    assert max(planes_seen) < 11  # stopped before the last plane
    assert "z · deblurred 34 µm sum" not in viewer.layers
    assert notes["info"] == ["deblurring cancelled"]
    assert widget.run_button.isEnabled() and not widget.cancel_button.isEnabled()


def test_wrong_input_gives_notifications_not_exceptions(make_napari_viewer, tmp_path, notes):
    viewer = make_napari_viewer()
    widget = dock(viewer, "Deblur")
    widget.run_button.click()
    assert notes["error"][-1].startswith("no image layer chosen as input")
    viewer.add_labels(np.zeros((32, 32), np.uint8), name="nuclei")
    widget.run_button.click()
    assert notes["error"][-1] == "'nuclei' is a Labels layer; choose an image layer as input"
    assert widget.layer_picker.count() == 0
    viewer.add_image(np.zeros((8, 8), np.float32), name="tiny")
    widget.run_button.click()
    assert notes["error"][-1] == "'tiny' is 8x8 pixels; images need at least 16 x 16 pixels"
    viewer.add_image(np.zeros((32, 32, 3), np.uint8), name="rgb", rgb=True)
    widget.layer_picker.set_layer("rgb")
    widget.run_button.click()
    assert notes["error"][-1].startswith("'rgb' is an RGB image")
    (tmp_path / "not-a-model").mkdir()
    widget.add_model(tmp_path / "not-a-model")
    assert "config.json is missing" in notes["error"][-1]
    assert widget.worker is None


def test_auto_model_follows_depth_and_per_plane_offsets(
    make_napari_viewer, empty_zoo, tmp_path, qtbot
):
    from napari_defocus_deblur.inference import deblur
    from tests.widgets.conftest import make_checkpoint

    near = make_checkpoint(tmp_path / "m10", 10.0, seed=1)
    far = make_checkpoint(tmp_path / "m34", 34.0, seed=2)
    viewer = make_napari_viewer()
    stack = np.random.default_rng(3).random((2, 32, 32)).astype(np.float32) * 100
    viewer.add_image(stack, name="z-stack", metadata={"stage_offsets_um": [-12.0, 30.0]})
    widget = dock(viewer, "Deblur")
    for path in (near, far):
        widget.add_model(path)
    widget.model_combo.setCurrentIndex(0)  # auto
    viewer.dims.set_point(0, 0)
    assert widget.depth_combo.currentText() == "from metadata (12 µm)"
    assert widget.model_combo.currentText() == "auto → m10"
    viewer.dims.set_point(0, 1)
    assert widget.depth_combo.currentText() == "from metadata (30 µm)"
    assert widget.model_combo.currentText() == "auto → m34"
    widget.planes_combo.setCurrentIndex(widget.planes_combo.findData("stack"))
    run_and_wait(widget, qtbot)
    result = viewer.layers["z-stack · deblurred 10-34 µm (per plane) sum"]
    for plane, ckpt in ((0, near), (1, far)):
        expected = deblur(stack[plane], model=ckpt, device="cpu")
        np.testing.assert_allclose(result.data[plane], expected, rtol=1e-5, atol=1e-3)


def test_no_model_at_all_is_a_notification(make_napari_viewer, empty_zoo, notes):
    viewer = make_napari_viewer()
    viewer.add_image(np.ones((32, 32), np.float32), name="img")
    widget = dock(viewer, "Deblur")
    assert widget.model_combo.currentText() == "auto (no model installed: train or Add…)"
    widget.run_button.click()
    assert widget.worker is None
    assert notes["error"] == [
        "no deblurring model is installed: train one with 'Train deblur model' "
        "or Add… a checkpoint folder"
    ]
