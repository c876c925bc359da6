"""The Train widget: live curves, preview, Stop, model hand-over, errors as notifications."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.widgets.conftest import dock, tiny_training

WAIT_MS = 90_000


@pytest.fixture
def trainer(make_napari_viewer, sharp_and_blurred):
    viewer = make_napari_viewer()
    sharp, blurred = sharp_and_blurred
    viewer.add_image(sharp, name="in focus", metadata={"depth_um": 0.0, "channel": 1})
    viewer.add_image(blurred, name="blurred", metadata={"depth_um": 10.0, "channel": 1})
    widget = dock(viewer, "Train deblur model")
    return viewer, widget


def test_defaults_pick_blurred_and_in_focus_layers(trainer):
    _, widget = trainer
    assert widget.oof_picker.currentText() == "blurred"
    assert widget.in_focus_picker.currentText() == "in focus"
    assert widget.depth_spin.value() == 10.0


def test_two_epochs_plot_preview_and_model_in_deblur_list(trainer, tmp_path, qtbot, notes):
    from napari_defocus_deblur.model.checkpoint import load_checkpoint
    from napari_defocus_deblur.training import TrainState

    viewer, widget = trainer
    deblur = dock(viewer, "Deblur")
    out = tmp_path / "run"
    tiny_training(widget, out)
    widget.start()
    assert widget.worker is not None  # started in a thread, not run inline
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert notes["error"] == []
    assert widget.last_state is TrainState.FINISHED
    assert widget.plot.epochs == [1.0, 2.0]
    assert len(widget.plot.loss_line.get_xdata()) == 2
    assert len(widget.plot.psnr_line.get_ydata()) == 2
    assert all(np.isfinite(widget.plot.losses)) and all(np.isfinite(widget.plot.psnrs))
    assert widget.plot.baseline is not None and np.isfinite(widget.plot.baseline)
    preview = viewer.layers["training preview"]
    assert preview.data.ndim == 2 and preview.data.shape[0] >= 16
    assert preview.metadata["step"] == 4
    model, info = load_checkpoint(out)
    assert model.config.scales == 2 and model.config.base_channels == 8
    assert info["depth_um"] == 10.0
    assert info["training"]["steps"] == 4
    assert any(str(out) in m for m in notes["info"])
    listed = [choice.path.resolve() for choice in deblur._models]
    assert out.resolve() in listed
    assert deblur.model_choice().path.resolve() == out.resolve()  # newest model selected


def test_stop_mid_training_leaves_loadable_checkpoint(trainer, tmp_path, qtbot):
    from napari_defocus_deblur.model.checkpoint import load_checkpoint
    from napari_defocus_deblur.training import TrainState

    _, widget = trainer
    out = tmp_path / "stopped"
    tiny_training(widget, out, epochs=200, epoch_steps=5)
    widget.settings.preview_spin.setValue(0)
    widget.start()
    qtbot.waitUntil(lambda: widget.status.text().startswith("step"), timeout=WAIT_MS)
    widget.stop_button.click()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert widget.last_state is TrainState.STOPPED
    model, info = load_checkpoint(out)
    state = json.loads((out / "training_state.json").read_text())
    assert 1 <= state["step"] < 200 * 5
    assert info["training"]["state"] == "stopped"
    assert model(__import__("torch").zeros(1, 1, 32, 32)).shape == (1, 1, 32, 32)
    assert widget.start_button.isEnabled() and not widget.stop_button.isEnabled()


def test_gui_thread_keeps_running_during_training(trainer, tmp_path, qtbot):
    from qtpy.QtCore import QTimer

    _, widget = trainer
    tiny_training(widget, tmp_path / "responsive", epochs=3, epoch_steps=3)
    ticks: list[bool] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(widget.worker is not None))
    timer.start()
    widget.start()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    timer.stop()
    assert sum(ticks) >= 5  # the event loop ran while the worker was busy


def test_mismatched_shapes_give_a_notification(make_napari_viewer, qtbot, notes, tmp_path):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((64, 80), np.float32), name="in focus")
    viewer.add_image(np.zeros((64, 64), np.float32), name="blurred")
    widget = dock(viewer, "Train deblur model")
    widget.oof_picker.set_layer("blurred")
    widget.in_focus_picker.set_layer("in focus")
    widget.output_edit.setText(str(tmp_path / "never"))
    widget.start_button.click()
    assert widget.worker is None
    assert len(notes["error"]) == 1
    assert "'blurred' is 64x64 but 'in focus' is 64x80" in notes["error"][0]
    assert not (tmp_path / "never").exists()


def test_no_layer_and_labels_layer_give_notifications(make_napari_viewer, notes):
    viewer = make_napari_viewer()
    widget = dock(viewer, "Train deblur model")
    widget.start_button.click()
    assert widget.worker is None
    assert notes["error"][-1].startswith("no image layer chosen as out-of-focus image")
    viewer.add_labels(np.zeros((64, 64), np.uint8), name="nuclei")
    widget.start_button.click()
    assert widget.worker is None
    assert notes["error"][-1] == (
        "'nuclei' is a Labels layer; choose an image layer as out-of-focus image"
    )
    assert widget.oof_picker.count() == 0  # labels are never offered


def test_folder_mode_errors_are_notifications(make_napari_viewer, notes, tmp_path, qtbot):
    viewer = make_napari_viewer()
    widget = dock(viewer, "Train deblur model")
    widget.source_combo.setCurrentIndex(widget.source_combo.findData("folder"))
    widget.start_button.click()
    assert notes["error"][-1] == "choose the training data folder"
    widget.folder_edit.setText(str(tmp_path / "nowhere"))
    widget.output_edit.setText(str(tmp_path / "out"))
    widget.start_button.click()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert notes["error"][-1].startswith("data folder not found")


def test_settings_map_to_train_config_fields(qtbot, tmp_path):
    from napari_defocus_deblur.training import TrainConfig
    from napari_defocus_deblur.widgets._train_forms import TrainSettings

    settings = TrainSettings()
    qtbot.addWidget(settings)
    settings.epochs_spin.setValue(7)
    settings.lr_spin.setValue(2e-4)
    settings.minutes_spin.setValue(1.5)
    scratch = TrainConfig(output_dir=tmp_path, **settings.config_kwargs(scratch=True))
    assert (scratch.epochs, scratch.steps, scratch.max_minutes) == (7, None, 1.5)
    assert (scratch.scales, scratch.fusion, scratch.base_channels) == (4, "sum", 32)
    assert scratch.lr == pytest.approx(2e-4)
    settings.steps_spin.setValue(300)
    assert not settings.epochs_spin.isEnabled()
    tune = TrainConfig(output_dir=tmp_path, **settings.config_kwargs(scratch=False))
    assert (tune.epochs, tune.steps, tune.scales, tune.fusion) == (None, 300, None, None)
    settings.set_scratch(False)
    assert settings.network_box.isHidden()
