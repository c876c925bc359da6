"""The Train widget trains from the z-stacks the plugin's reader opens (issue 23 item 1)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.widgets.conftest import dock, tiny_training

WAIT_MS = 90_000


@pytest.fixture
def opened_folder(make_napari_viewer, tmp_path):
    """A tiny simulated BBBC006 folder (3 fields, planes 16 and 33, 2 channels) opened
    with the plugin's reader, as File > Open does."""
    from napari_defocus_deblur.simulate.dataset import write_dataset

    root = write_dataset(tmp_path / "b6", 3, planes=(16, 33), shape=(64, 64), seed=1)
    viewer = make_napari_viewer()
    viewer.open(str(root), plugin="napari-defocus-deblur")
    return viewer


@pytest.fixture
def opened_below_folder(make_napari_viewer, tmp_path):
    """The same with planes 0 and 16: z_00 lies 32 µm below the simulator's focus z_16,
    the side folder-mode training pairs by default."""
    from napari_defocus_deblur.simulate.dataset import write_dataset

    root = write_dataset(tmp_path / "b6", 3, planes=(0, 16), shape=(64, 64), seed=1)
    viewer = make_napari_viewer()
    viewer.open(str(root), plugin="napari-defocus-deblur")
    return viewer


def test_reader_folder_trains_in_three_clicks(opened_folder, tmp_path, qtbot, notes):
    from napari_defocus_deblur.model.checkpoint import load_checkpoint
    from napari_defocus_deblur.training import TrainState

    viewer = opened_folder
    widget = dock(viewer, "Train deblur model")  # click 2 (click 1: File > Open)
    stack = widget.oof.value
    assert stack.data.shape == (3, 2, 64, 64) and stack.metadata["channel"] == 1
    assert widget.oof.label == "Z-stack" and widget.in_focus.native.isHidden()
    assert widget.choice.stack.focus_plane.value == 0  # plane 16: offset 0 in metadata
    assert widget.choice.stack.info.value == (
        "3 fields: plane 1 (34 µm from focus) → in-focus plane 0 (metadata)"
    )
    out = tmp_path / "run"
    tiny_training(widget, out)  # (test speed only: a tiny network)
    widget.start_button.native.click()  # click 3
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert notes["error"] == []
    assert widget.last_state is TrainState.FINISHED
    _, info = load_checkpoint(out)
    assert info["depth_um"] == 34.0 and info["channel"] in (1, None)
    preview = viewer.layers["training preview"]
    assert preview.ndim == 4  # placed on its field and plane of the stack
    np.testing.assert_allclose(preview.scale, stack.scale)
    assert preview.translate[1] == pytest.approx(stack.scale[1])  # on plane 1 (33)


def test_cross_channel_pair_is_refused(make_napari_viewer, sharp_and_blurred, notes):
    sharp, blurred = sharp_and_blurred
    viewer = make_napari_viewer()
    viewer.add_image(sharp, name="w2 in focus", metadata={"depth_um": 0.0, "channel": 2})
    viewer.add_image(blurred, name="w1 blurred", metadata={"depth_um": 10.0, "channel": 1})
    widget = dock(viewer, "Train deblur model")
    assert widget.oof.value.name == "w1 blurred"
    assert "no in-focus image of channel 1" in widget.choice.stack.info.value  # says why
    widget.in_focus.value = viewer.layers["w2 in focus"]
    widget.start()
    assert widget.worker is None
    assert len(notes["error"]) == 1 and "same channel" in notes["error"][0]


def test_helper_layers_are_not_proposed(make_napari_viewer, sharp_and_blurred):
    from napari_defocus_deblur.widgets._layers import HELPER_KEY

    sharp, blurred = sharp_and_blurred
    viewer = make_napari_viewer()
    viewer.add_image(sharp, name="in focus", metadata={"depth_um": 0.0, "channel": 1})
    viewer.add_image(blurred, name="blurred", metadata={"depth_um": 10.0, "channel": 1})
    train = dock(viewer, "Train deblur model")
    deblur = dock(viewer, "Deblur")
    viewer.add_image(
        blurred[:32, :32], name="training preview", metadata={HELPER_KEY: "training preview"}
    )
    viewer.add_image(blurred, name="x · deblurred", metadata={"deblurred_from": "blurred"})
    assert deblur.image.value.name == "blurred"
    assert train.oof.value.name == "blurred" and train.in_focus.value.name == "in focus"


def test_folder_mode_preview_lands_on_the_open_stack(opened_below_folder, tmp_path, qtbot, notes):
    """Folder data: the preview takes the open reader layer's µm scale, field and plane."""
    viewer = opened_below_folder
    stack = viewer.layers[0] if viewer.layers[0].metadata["channel"] == 1 else viewer.layers[1]
    widget = dock(viewer, "Train deblur model")
    tiny_training(widget, tmp_path / "run")
    widget.form.data.value = "folder"
    widget.form.folder.value = stack.metadata["root"]
    widget.form.channel.value = 1
    widget.form.depth_um.value = 32.0
    widget.start()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert notes["error"] == []
    preview = viewer.layers["training preview"]
    np.testing.assert_allclose(preview.scale, stack.scale)  # µm, not pixels
    field = round(preview.translate[0] / stack.scale[0])
    assert 0 <= field < 3 and preview.translate[1] == pytest.approx(0.0)  # plane z_00
    assert 0 <= preview.translate[2] < 64 * stack.scale[2]  # the crop inside the field
    assert preview.data.shape[-2:] == (64, 64)


def test_a_stack_of_finer_pixels_trains_on_the_grid_and_previews_on_its_pixels(
    make_napari_viewer, tmp_path, qtbot, notes
):
    """A 0.3225 µm z-stack: fields binned 2 x 2 for training, the record keeps the size,
    and the preview comes back on the layer's own pixels where it belongs."""
    from napari_defocus_deblur.io.tiff import read_image, write_tiff
    from napari_defocus_deblur.model.checkpoint import load_checkpoint
    from tests.training.helpers import write_z_stacks

    write_z_stacks(tmp_path / "s", 0.3225, n=1, shape=(128, 144))
    stack, _ = read_image(tmp_path / "s" / "field0.tif")  # with a z step the widget reads
    meta = {"axes": "ZYX", "pixel_size_um": 0.3225, "z_step_um": 2.0}
    write_tiff(tmp_path / "stack.tif", stack, metadata=meta)
    viewer = make_napari_viewer()
    viewer.open(str(tmp_path / "stack.tif"), plugin="napari-defocus-deblur")
    layer = viewer.layers[0]
    widget = dock(viewer, "Train deblur model")
    qtbot.waitUntil(lambda: widget.choice.stack.worker is None, timeout=WAIT_MS)
    widget.form.depth_um.value = 4.0
    assert widget.choice.stack.info.value.startswith("1 field (cut into tiles): plane 3")
    tiny_training(widget, tmp_path / "run")
    widget.start()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert notes["error"] == []
    _, info = load_checkpoint(tmp_path / "run")
    data = info["training"]["data"]
    assert data["pixel_size_um"] == pytest.approx(0.3225) and data["on_bbbc006_grid"] is True
    assert data["train_pixels"] == 3 * 32 * 36  # four 64 x 72 tiles, binned; one validates
    assert widget.sampling == (  # said on the status line while the run starts
        " (the images' 0.3225 µm pixels binned 2 x 2 onto BBBC006's 0.645 µm grid)"
    )
    preview = viewer.layers["training preview"]
    assert preview.data.shape[-2:] == (64, 64)  # a 32-pixel grid crop, on the layer's pixels
    np.testing.assert_allclose(preview.scale, layer.scale)
    assert preview.translate[0] == pytest.approx(3 * layer.scale[0])  # on plane 3
