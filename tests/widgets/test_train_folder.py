"""Folder mode pairs BBBC006 planes as the CLI does: "Reference plane" and "Side" are
``--reference-plane`` and ``--side`` (issue 20), and the widget shows the CLI's line."""

from __future__ import annotations

import pytest

from tests.widgets.conftest import dock, tiny_training

WAIT_MS = 90_000


@pytest.fixture
def simulated_root(tmp_path):
    """3 fields, planes 16 (the simulator's focus) and 33 (34 µm above it), channel 1."""
    from napari_defocus_deblur.simulate.dataset import write_dataset

    return write_dataset(tmp_path / "b6", 3, planes=(16, 33), channels=(1,), shape=(64, 64))


def _folder_mode(widget, root, depth: float = 34.0) -> None:
    widget.form.data.value = "folder"
    widget.form.folder.value = str(root)
    widget.form.channel.value = 1
    widget.form.depth_um.value = depth


def test_defaults_are_the_datas_focus_below_it_and_say_what_to_change(
    make_napari_viewer, qtbot, simulated_root
):
    widget = dock(make_napari_viewer(), "Train deblur model")
    assert widget.form.reference_plane.value == -1 and widget.form.side.value == "below"
    assert widget.form.side.native.isHidden()  # image-layers mode: no plane boxes
    _folder_mode(widget, simulated_root)
    assert not widget.form.side.native.isHidden() and not widget.pairing.info.native.isHidden()
    qtbot.waitUntil(lambda: not widget.pairing.busy, timeout=WAIT_MS)
    text = widget.pairing.info.value
    assert text.startswith("⚠ 34 µm below z_16 is outside BBBC006")
    assert "'Reference plane'" in text and "--" not in text  # the box, not the CLI flag
    assert widget.form.reference_plane.native.lineEdit().text() == "auto (z_16)"  # shown
    assert widget.form.reference_plane.value == -1


def test_side_and_reference_plane_pair_as_the_cli(make_napari_viewer, qtbot, simulated_root):
    from napari_defocus_deblur.training import TrainingData
    from napari_defocus_deblur.widgets._train_job import FolderSource

    widget = dock(make_napari_viewer(), "Train deblur model")
    _folder_mode(widget, simulated_root)
    widget.form.side.value = "above"
    qtbot.waitUntil(lambda: not widget.pairing.busy, timeout=WAIT_MS)
    line = "paired z_33 (34 µm above z_16) with z_16 for 3 fields, channel w1"
    assert widget.pairing.info.value == line
    cli = TrainingData.from_dataset(simulated_root, 34.0, side="above").pairing[0].text()
    assert cli == line  # what `defocus-deblur train --side above` prints
    assert widget.pairing.source() == FolderSource(simulated_root, 1, None, "above")
    widget.form.reference_plane.value = 0  # 34 µm above z_00 is z_17: not in this folder
    qtbot.waitUntil(lambda: not widget.pairing.busy, timeout=WAIT_MS)
    assert widget.pairing.info.value.startswith("⚠")
    assert widget.pairing.source().reference_plane == 0


def test_folder_training_above_focus_reports_its_pairing_and_places_the_preview(
    make_napari_viewer, qtbot, simulated_root, tmp_path, notes
):
    viewer = make_napari_viewer()
    viewer.open(str(simulated_root), plugin="napari-defocus-deblur")
    stack = viewer.layers[0]
    widget = dock(viewer, "Train deblur model")
    tiny_training(widget, tmp_path / "run")
    _folder_mode(widget, simulated_root)
    widget.form.side.value = "above"
    widget.start()
    qtbot.waitUntil(lambda: widget.worker is None, timeout=WAIT_MS)
    assert notes["error"] == []
    assert widget.pairing.info.value.startswith("paired z_33 (34 µm above z_16) with z_16")
    assert widget.last_source.side == "above"
    preview = viewer.layers["training preview"]
    assert preview.translate[1] == pytest.approx(stack.scale[1])  # plane z_33, not z_16
