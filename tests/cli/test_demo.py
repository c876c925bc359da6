"""``defocus-deblur demo``: the sample field with both widgets docked, 34 um selected."""

from __future__ import annotations

import pytest

pytest.importorskip("qtpy")

SAMPLE_34 = "w1 Hoechst 33342 34 um"


def test_setup_viewer_loads_sample_docks_widgets_and_selects_34um(make_napari_viewer):
    from napari_defocus_deblur.cli.demo import setup_viewer
    from napari_defocus_deblur.widgets import DeblurWidget, TrainWidget

    viewer = make_napari_viewer()
    deblur, train = setup_viewer(viewer)
    assert isinstance(deblur, DeblurWidget) and isinstance(train, TrainWidget)
    assert len(viewer.layers) == 12
    assert viewer.layers.selection.active.name == SAMPLE_34
    assert [ly.name for ly in viewer.layers if ly.visible] == [SAMPLE_34]
    assert deblur.layer_picker.currentText() == SAMPLE_34
    assert deblur.depth_combo.currentText() == "from metadata (34 µm)"
    assert deblur.depth_um() == 34.0
    assert train.oof_picker.currentText() == SAMPLE_34
    assert train.in_focus_picker.currentText() == "w1 Hoechst 33342 in focus"
    assert deblur.compare.reference_picker.currentText() == "w1 Hoechst 33342 in focus"
    docked = set(viewer.window.dock_widgets)
    assert "Deblur (napari-defocus-deblur)" in docked
    assert "Train deblur model (napari-defocus-deblur)" in docked


def test_demo_command_no_run_builds_and_closes(capsys, qtbot):
    from napari_defocus_deblur.cli import main

    assert main(["demo", "--no-run"]) == 0
    out = capsys.readouterr().out
    assert "demo ready: 12 layers" in out
    assert f"selected: {SAMPLE_34}" in out
    assert "widgets: DeblurWidget, TrainWidget" in out


def test_demo_deblurs_the_sample_out_of_the_box_with_a_measured_gain(make_napari_viewer, qtbot):
    """The bundled zoo (real weights) restores the demo's 34 um field; the widget shows it."""
    from napari_defocus_deblur.cli.demo import setup_viewer

    viewer = make_napari_viewer()
    deblur, _ = setup_viewer(viewer)
    assert deblur.model_choice().name == "bbbc006-sum"
    deblur.run_button.click()
    qtbot.waitUntil(lambda: deblur.worker is None, timeout=120_000)
    raw_psnr, raw_ssim = deblur.compare.metrics["raw"]
    psnr, ssim = deblur.compare.metrics["restored"]
    assert psnr > raw_psnr + 2.0 and ssim > raw_ssim
    assert deblur.compare.labels["restored"][0].text() == f"{psnr:.2f}"
