"""The Train widget: fine-tune by default, compact form, curves, preview, Stop/Resume."""

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


def test_defaults_pick_the_pair_and_fine_tune_the_bundled_model(trainer):
    from napari_defocus_deblur.inference.models import ZOO_DIR

    _, widget = trainer
    assert widget.oof.value.name == "blurred"
    assert widget.in_focus.value.name == "in focus"
    assert widget.form.depth_um.value == 10.0
    assert widget.form.start_from.value == "auto"
    assert widget.form.start_from.current_choice == "auto → bbbc006-unet"  # the default
    assert widget.init() == str(ZOO_DIR / "bbbc006-unet")  # not random weights


def test_form_is_compact_with_the_rest_under_advanced(trainer):
    _, widget = trainer
    shown = [w.name for w in widget.form if not w.native.isHidden()]
    assert shown == ["data", "oof", "in_focus", "depth_um", "start_from", "minutes"]
    assert widget.advanced.native.isHidden()
    widget.advanced_button.native.click()
    assert not widget.advanced.native.isHidden() and widget.advanced_shown
    network = ("scales", "fusion", "base_channels", "levels")  # fine-tuning: fixed
    assert all(widget.advanced[k].native.isHidden() for k in network)
    widget.form.start_from.value = "scratch"
    assert not any(widget.advanced[k].native.isHidden() for k in network)
    widget.form.data.value = "folder"
    shown = [w.name for w in widget.form if not w.native.isHidden()]
    assert shown == [
        "data", "folder", "channel", "depth_um", "reference_plane", "side", "pairing",
        "start_from", "minutes",
    ]  # fmt: skip


def test_save_to_is_not_a_long_path_cut_on_the_left(trainer, tmp_path):
    _, widget = trainer
    edit = widget.advanced.output.line_edit.native
    assert edit.text() == ""  # empty: a fresh folder is made at Start
    assert edit.placeholderText().startswith("new in ")
    assert widget.output_folder().parent == tmp_path / "user-models"


def test_two_epochs_plot_preview_on_the_data_and_model_in_deblur_list(
    trainer, tmp_path, qtbot, notes
):
    from napari_defocus_deblur.model.checkpoint import load_checkpoint
    from napari_defocus_deblur.training import TrainState

    viewer, widget = trainer
    deblur = dock(viewer, "Deblur")
    deblur.settings.live_preview.value = False
    out = tmp_path / "run"
    tiny_training(widget, out)
    widget.start()
    assert widget.worker is not None  # started in a thread, not run inline
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert notes["error"] == []
    assert widget.last_state is TrainState.FINISHED
    assert widget.plot.epochs == [1.0, 2.0] and widget.plot.planned_epochs == 2
    assert all(np.isfinite(widget.plot.losses)) and all(np.isfinite(widget.plot.psnrs))
    assert widget.plot.baseline is not None and np.isfinite(widget.plot.baseline)
    preview, source = viewer.layers["training preview"], viewer.layers["blurred"]
    assert preview.metadata["step"] == 4
    np.testing.assert_array_equal(preview.scale, source.scale)
    top, left = np.asarray(preview.translate) / np.asarray(source.scale)
    assert top >= 0 and top + preview.data.shape[0] <= 96  # on the data, not beside it
    assert left >= 0 and left + preview.data.shape[1] <= 96
    model, info = load_checkpoint(out)
    assert model.config.scales == 2 and model.config.base_channels == 8
    assert info["depth_um"] == 10.0 and info["training"]["steps"] == 4
    assert any(str(out) in m for m in notes["info"])
    assert deblur.model_choice().path.resolve() == out.resolve()  # newest model selected


def test_stop_then_resume_continues_the_run(trainer, tmp_path, qtbot):
    from napari_defocus_deblur.model.checkpoint import load_checkpoint
    from napari_defocus_deblur.training import TrainState

    _, widget = trainer
    out = tmp_path / "stopped"
    tiny_training(widget, out, epochs=200, epoch_steps=5)
    widget.advanced.preview_every.value = 0
    assert not widget.resume_button.enabled
    widget.start()
    qtbot.waitUntil(lambda: str(widget.status.value).startswith("step"), timeout=WAIT_MS)
    widget.stop_button.native.click()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert widget.last_state is TrainState.STOPPED
    stopped_at = json.loads((out / "training_state.json").read_text())["step"]
    assert 1 <= stopped_at < 200 * 5
    assert load_checkpoint(out)[1]["training"]["state"] == "stopped"
    assert widget.resume_button.enabled and widget.start_button.enabled
    widget.resume_button.native.click()

    def step_shown() -> int:
        text = str(widget.status.value)
        return int(text.split()[1].split("/")[0]) if text.startswith("step") else -1

    qtbot.waitUntil(lambda: step_shown() > stopped_at, timeout=WAIT_MS)  # counts on
    widget.stop()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert json.loads((out / "training_state.json").read_text())["step"] > stopped_at


def test_mismatched_shapes_give_a_notification(make_napari_viewer, notes, tmp_path):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((64, 80), np.float32), name="in focus")
    viewer.add_image(np.zeros((64, 64), np.float32), name="blurred")
    widget = dock(viewer, "Train deblur model")
    widget.oof.value = viewer.layers["blurred"]
    widget.in_focus.value = viewer.layers["in focus"]
    widget.advanced.output.value = str(tmp_path / "never")
    widget.start_button.native.click()
    assert widget.worker is None
    assert len(notes["error"]) == 1
    assert "'blurred' is 64x64 but 'in focus' is 64x80" in notes["error"][0]
    assert not (tmp_path / "never").exists()


def test_no_layer_and_labels_layer_give_notifications(make_napari_viewer, notes):
    viewer = make_napari_viewer()
    widget = dock(viewer, "Train deblur model")
    widget.start_button.native.click()
    assert widget.worker is None
    assert notes["error"][-1].startswith("no image layer chosen as out-of-focus image")
    viewer.add_labels(np.zeros((64, 64), np.uint8), name="nuclei")
    widget.start_button.native.click()
    assert notes["error"][-1] == (
        "'nuclei' is a Labels layer; choose an image layer as out-of-focus image"
    )
    assert widget.oof.choices == ()  # labels are never offered


def test_folder_mode_errors_are_notifications(make_napari_viewer, notes, tmp_path, qtbot):
    viewer = make_napari_viewer()
    widget = dock(viewer, "Train deblur model")
    widget.form.data.value = "folder"
    widget.start_button.native.click()
    assert notes["error"][-1] == "choose the training data folder"
    widget.form.folder.value = str(tmp_path / "nowhere")
    widget.advanced.output.value = str(tmp_path / "out")
    widget.start_button.native.click()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert notes["error"][-1].startswith("data folder not found")


def test_settings_map_to_train_config_fields(tmp_path):
    from napari_defocus_deblur.training import TrainConfig
    from napari_defocus_deblur.training.defaults import device_defaults
    from napari_defocus_deblur.widgets._train_form import DEFAULTS, config_kwargs

    values = {**DEFAULTS, "epochs": 7, "lr": 2e-4, "minutes": 1.5}
    scratch = TrainConfig(output_dir=tmp_path, **config_kwargs(values, "scratch", "cpu"))
    assert (scratch.epochs, scratch.steps, scratch.max_minutes) == (7, None, 1.5)
    assert (scratch.scales, scratch.fusion, scratch.base_channels) == (4, "sum", 32)
    assert scratch.batch == device_defaults("cpu")["batch"]  # 0 = the device's default
    assert scratch.lr == pytest.approx(2e-4)
    plain = TrainConfig(output_dir=tmp_path)
    assert (scratch.crop, scratch.val_fraction) == (plain.crop, plain.val_fraction)
    tune = TrainConfig(output_dir=tmp_path, **config_kwargs(values, "bbbc006-sum", "cpu"))
    assert (tune.init, tune.scales, tune.fusion) == ("bbbc006-sum", None, None)
    assert (plain.keep, tune.keep) == ("best", "best")
    last = {**values, "keep": "last"}
    assert TrainConfig(output_dir=tmp_path, **config_kwargs(last, "scratch", "cpu")).keep == "last"


def test_zero_reads_auto_in_the_integer_boxes(trainer):
    """magicgui's integer boxes (superqt) ignored Qt's special value text: "0" showed."""
    from superqt.spinbox._intspin import _EmitPolicy

    _, widget = trainer
    a = widget.advanced
    a.epochs.value, a.preview_every.value = 0, 0
    assert a.epochs.native.lineEdit().text() == "auto"
    assert a.preview_every.native.lineEdit().text() == "each epoch"
    a.epochs.value = 3
    assert a.epochs.native.lineEdit().text() == "3"
    a.epochs.native.lineEdit().setText("auto")  # typed back, then Enter / focus out
    a.epochs.native._interpret(_EmitPolicy.EmitIfChanged)
    assert a.epochs.value == 0 and a.epochs.native.lineEdit().text() == "auto"
