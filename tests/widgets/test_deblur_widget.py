"""The Deblur widget end to end: result layer, names and status, stacks, cancel, errors."""

from __future__ import annotations

import numpy as np
import pytest

from tests.widgets.conftest import dock, make_checkpoint

WAIT_MS = 60_000
SHAPE = (64, 80)
INPUT = "w1 Hoechst 33342 34 µm"
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


def deblur_widget(viewer):
    """Dock the widget with the live preview off (each test starts its jobs itself)."""
    widget = dock(viewer, "Deblur")
    widget.settings.live_preview.value = False
    return widget


def run_and_wait(widget, qtbot, button: str = "run_button") -> None:
    getattr(widget, button).native.click()
    qtbot.waitUntil(lambda: not widget.jobs.busy, timeout=WAIT_MS)


def test_both_widgets_dock_through_the_manifest_as_magicgui_containers(make_napari_viewer):
    from magicgui.widgets import Container

    from napari_defocus_deblur.widgets import DeblurWidget, TrainWidget

    viewer = make_napari_viewer()
    deblur, train = dock(viewer, "Deblur"), dock(viewer, "Train deblur model")
    assert isinstance(deblur, DeblurWidget) and isinstance(deblur, Container)
    assert isinstance(train, TrainWidget) and isinstance(train, Container)


def test_sample_opened_after_docking_preselects_the_nuclei_image(make_napari_viewer):
    """After File > Open Sample the top layer is w2 phalloidin; the w1 model wants w1."""
    viewer = make_napari_viewer()
    widget = deblur_widget(viewer)
    viewer.open_sample("napari-defocus-deblur", "simulated_field")
    assert viewer.layers.selection.active.name == "w2 phalloidin 34 µm"
    assert widget.image.value.name == INPUT
    assert widget.channel_message is None


def test_deblur_sample_adds_then_replaces_and_says_which(sample_viewer, tiny_checkpoint, qtbot):
    from napari_defocus_deblur.inference import deblur, load_model

    viewer = sample_viewer
    widget = deblur_widget(viewer)
    assert widget.image.value.name == INPUT
    assert widget.settings.depth_source.value == "metadata" and widget.depth_um() == 34.0
    widget.add_model(tiny_checkpoint)
    assert widget.model_choice().path == tiny_checkpoint.resolve()
    n_before = len(viewer.layers)
    run_and_wait(widget, qtbot)
    assert widget.status.value == f"added '{RESULT}'"
    source, result = viewer.layers[INPUT], viewer.layers[RESULT]
    assert viewer.layers.index(result) == viewer.layers.index(source) + 1
    assert result.visible and not source.visible
    assert result.data.shape == SHAPE and result.data.dtype == np.float32
    np.testing.assert_array_equal(result.scale, source.scale)
    assert result.metadata["depths_um"] == [34.0]
    expected = deblur(
        np.asarray(source.data, np.float32), model=load_model(tiny_checkpoint), device="cpu"
    )
    np.testing.assert_allclose(result.data, expected, rtol=1e-5, atol=1e-3)
    result.data = np.zeros(SHAPE, np.float32)  # re-run must overwrite this layer
    run_and_wait(widget, qtbot)
    assert widget.status.value == f"replaced '{RESULT}'"  # not "added" a second time
    assert len(viewer.layers) == n_before + 1
    np.testing.assert_allclose(viewer.layers[RESULT].data, expected, rtol=1e-5, atol=1e-3)


def test_slice_then_stack_then_slice_names_say_what_was_done(
    make_napari_viewer, tiny_checkpoint, qtbot
):
    viewer = make_napari_viewer()
    stack = np.random.default_rng(1).random((3, 32, 48)).astype(np.float32)
    viewer.add_image(stack, name="stack", scale=(2.0, 0.5, 0.5), translate=(10.0, 0, 0))
    viewer.dims.set_point(0, 10.0 + 2 * 2.0)  # world z of plane 2
    widget = deblur_widget(viewer)
    widget.add_model(tiny_checkpoint)
    assert widget.run_button.text == "Run slice" and not widget.apply_button.native.isHidden()
    run_and_wait(widget, qtbot)
    result = viewer.layers["stack · deblurred plane 2 at 34 µm sum"]
    assert result.data.shape == (1, 32, 48) and result.metadata["plane"] == [2]
    np.testing.assert_array_equal(result.translate, (14.0, 0.0, 0.0))
    run_and_wait(widget, qtbot, "apply_button")
    whole = viewer.layers["stack · deblurred 34 µm sum"]
    assert whole.data.shape == (3, 32, 48) and len(viewer.layers) == 2
    assert widget.status.value == "replaced 'stack · deblurred 34 µm sum'"
    whole.data = np.zeros((3, 32, 48), np.float32)
    run_and_wait(widget, qtbot)  # one slice again: written into the stack result
    assert widget.status.value == "updated plane 2 of 'stack · deblurred 34 µm sum'"
    assert viewer.layers["stack · deblurred 34 µm sum"].data[2].any()
    assert not viewer.layers["stack · deblurred 34 µm sum"].data[0].any()


def test_whole_stack_with_a_chosen_model_uses_each_planes_own_depth(
    make_napari_viewer, tiny_checkpoint, qtbot
):
    """The old widget named (and ran) a whole stack after the plane under the slider."""
    viewer = make_napari_viewer()
    stack = np.random.default_rng(3).random((2, 32, 32)).astype(np.float32) * 100
    viewer.add_image(stack, name="z-stack", metadata={"stage_offsets_um": [0.0, -30.0]})
    viewer.dims.set_point(0, 0)
    widget = deblur_widget(viewer)
    widget.add_model(tiny_checkpoint)  # a chosen model, not auto
    assert widget.settings.model.value == str(tiny_checkpoint.resolve())
    assert widget.depth_um() == 0.0  # the plane under the slider is in focus
    run_and_wait(widget, qtbot, "apply_button")
    result = viewer.layers["z-stack · deblurred 0-30 µm per plane sum"]
    assert result.metadata["depths_um"] == [0.0, 30.0]


def test_gui_thread_runs_while_deblurring_and_cancel_stops(
    make_napari_viewer, tiny_checkpoint, qtbot, notes
):
    from qtpy.QtCore import QTimer

    viewer = make_napari_viewer()
    viewer.add_image(np.random.default_rng(2).random((12, 96, 96)).astype(np.float32), name="z")
    widget = deblur_widget(viewer)
    widget.add_model(tiny_checkpoint)
    ticks: list[bool] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(widget.jobs.busy))
    timer.start()
    widget.apply_button.native.click()
    assert widget.jobs.busy and not widget.apply_button.enabled
    planes_seen: list[int] = []

    def on_progress(event):
        planes_seen.append(event.plane)
        if event.plane >= 2:
            widget.cancel_button.native.click()

    widget.jobs.worker.yielded.connect(on_progress)
    qtbot.waitUntil(lambda: not widget.jobs.busy, timeout=WAIT_MS)
    timer.stop()
    assert sum(ticks) >= 3  # the event loop kept running during the job
    assert max(planes_seen) < 11  # stopped before the last plane
    assert not [ly for ly in viewer.layers if "deblurred" in ly.name]
    assert notes["info"] == ["deblurring cancelled"]
    assert widget.apply_button.enabled and not widget.cancel_button.enabled


def test_wrong_input_gives_notifications_not_exceptions(make_napari_viewer, tmp_path, notes):
    viewer = make_napari_viewer()
    widget = deblur_widget(viewer)
    widget.run_button.native.click()
    assert notes["error"][-1].startswith("no image layer chosen as input")
    viewer.add_labels(np.zeros((32, 32), np.uint8), name="nuclei")
    widget.run_button.native.click()
    assert notes["error"][-1] == "'nuclei' is a Labels layer; choose an image layer as input"
    assert widget.image.choices == ()
    viewer.add_image(np.zeros((8, 8), np.float32), name="tiny")
    widget.run_button.native.click()
    assert notes["error"][-1] == "'tiny' is 8x8 pixels; images need at least 16 x 16 pixels"
    viewer.add_image(np.zeros((32, 32, 3), np.uint8), name="rgb", rgb=True)
    widget.select_image(viewer.layers["rgb"])
    widget.run_button.native.click()
    assert notes["error"][-1].startswith("'rgb' is an RGB image")
    (tmp_path / "not-a-model").mkdir()
    widget.add_model(tmp_path / "not-a-model")
    assert "config.json is missing" in notes["error"][-1]
    assert not widget.jobs.busy


def test_auto_model_follows_depth_and_per_plane_offsets(
    make_napari_viewer, empty_zoo, tmp_path, qtbot
):
    from napari_defocus_deblur.inference import deblur

    near = make_checkpoint(tmp_path / "m10", 10.0, seed=1)
    far = make_checkpoint(tmp_path / "m34", 34.0, seed=2)
    viewer = make_napari_viewer()
    stack = np.random.default_rng(3).random((2, 32, 32)).astype(np.float32) * 100
    viewer.add_image(stack, name="z-stack", metadata={"stage_offsets_um": [-12.0, -30.0]})
    widget = deblur_widget(viewer)
    for path in (near, far):
        widget.add_model(path)
    widget.settings.model.value = "auto"
    viewer.dims.set_point(0, 0)
    assert widget.depth_um() == 12.0
    assert widget.settings.model.current_choice == "auto → m10"
    viewer.dims.set_point(0, 1)
    assert widget.depth_um() == 30.0
    assert widget.settings.model.current_choice == "auto → m34"
    run_and_wait(widget, qtbot, "apply_button")
    result = viewer.layers["z-stack · deblurred 12-30 µm per plane sum"]
    for plane, ckpt in ((0, near), (1, far)):
        expected = deblur(stack[plane], model=ckpt, device="cpu")
        np.testing.assert_allclose(result.data[plane], expected, rtol=1e-5, atol=1e-3)


def test_no_model_at_all_is_a_notification(make_napari_viewer, empty_zoo, notes):
    viewer = make_napari_viewer()
    viewer.add_image(np.ones((32, 32), np.float32), name="img")
    widget = deblur_widget(viewer)
    assert widget.settings.model.current_choice == "auto (no model installed: train or Add…)"
    widget.run_button.native.click()
    assert not widget.jobs.busy
    assert notes["error"] == [
        "no deblurring model is installed: train one with 'Train deblur model' or Add… a "
        "checkpoint folder"
    ]


def test_a_slice_written_into_a_result_opened_from_a_file_keeps_a_record_per_plane(
    make_napari_viewer, tiny_checkpoint, qtbot
):
    """A result opened from a TIFF may record one distance for its whole stack; a slice
    written into it starts a per-plane record instead of failing."""
    viewer = make_napari_viewer()
    stack = np.random.default_rng(2).random((3, 32, 48)).astype(np.float32)
    viewer.add_image(stack, name="stack")
    opened = viewer.add_image(
        np.zeros_like(stack), name="stack · deblurred bbbc006-unet",
        metadata={"deblurred_from": "stack", "depths_um": [32.0]},
    )  # fmt: skip
    viewer.dims.set_point(0, 1)
    widget = deblur_widget(viewer)
    widget.add_model(tiny_checkpoint)
    run_and_wait(widget, qtbot)
    assert widget.status.value == "updated plane 1 of 'stack · deblurred 34 µm sum'"
    assert opened.data[1].any() and not opened.data[0].any()
    assert opened.metadata["stage_um"][1] == 34.0 and opened.metadata["sides"][1] == "below"
    assert np.isnan(opened.metadata["depths_um"][0])


def test_averaging_one_pass_runs_the_network_once_and_says_so(
    sample_viewer, tiny_checkpoint, qtbot
):
    from napari_defocus_deblur.inference import deblur, load_model

    widget = deblur_widget(sample_viewer)
    widget.add_model(tiny_checkpoint)
    assert widget.settings.averaging.value == "auto"
    widget.settings.averaging.value = "one"
    run_and_wait(widget, qtbot)
    result = sample_viewer.layers[RESULT]
    source = np.asarray(sample_viewer.layers[INPUT].data, np.float32)
    model = load_model(tiny_checkpoint)
    one = deblur(source, model=model, device="cpu", views=1, phases=1)
    np.testing.assert_allclose(result.data, one, rtol=1e-5, atol=1e-3)
    assert not np.allclose(one, deblur(source, model=model, device="cpu"), atol=1e-3)
    assert result.metadata["views"] == [1] and result.metadata["phases"] == [1]
