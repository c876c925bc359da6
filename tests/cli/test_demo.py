"""``defocus-deblur demo``: the sample field with both widgets docked, 34 µm selected."""

from __future__ import annotations

import pytest

pytest.importorskip("qtpy")

SAMPLE_34 = "w1 Hoechst 33342 34 µm"


@pytest.fixture(autouse=True)
def _fresh_settings(monkeypatch, tmp_path):
    """Widget settings (magicgui persist) from a fresh cache, as on a first start."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_setup_viewer_loads_sample_docks_widgets_and_selects_34um(make_napari_viewer):
    from napari_defocus_deblur.cli.demo import setup_viewer
    from napari_defocus_deblur.widgets import DeblurWidget, TrainWidget

    viewer = make_napari_viewer()
    deblur, train = setup_viewer(viewer)
    assert isinstance(deblur, DeblurWidget) and isinstance(train, TrainWidget)
    assert len(viewer.layers) == 12
    assert viewer.layers.selection.active.name == SAMPLE_34
    assert [ly.name for ly in viewer.layers if ly.visible] == [SAMPLE_34]
    assert deblur.image.value.name == SAMPLE_34
    assert deblur.settings.depth_source.value == "metadata" and deblur.depth_um() == 34.0
    assert deblur.channel_message is None
    assert train.oof.value.name == SAMPLE_34
    assert train.in_focus.value.name == "w1 Hoechst 33342 in focus"
    assert deblur.compare.reference.value.name == "w1 Hoechst 33342 in focus"
    docked = set(viewer.window.dock_widgets)
    assert "Deblur (napari-defocus-deblur)" in docked
    assert "Train deblur model (napari-defocus-deblur)" in docked
    assert not deblur.jobs.busy  # nothing runs before the user asks


def test_demo_window_opens_maximised_with_the_camera_on_the_image(make_napari_viewer, qtbot):
    """The old demo opened at 1089 x 973 with a ~200 px canvas strip."""
    from napari_defocus_deblur.cli.demo import MIN_WINDOW, setup_viewer, show_window

    viewer = make_napari_viewer()
    setup_viewer(viewer)
    window = viewer.window._qt_window
    window.resize(1089, 973)
    free = window.screen().availableGeometry()
    viewer.camera.zoom = 100.0
    width, height = show_window(viewer)
    qtbot.waitUntil(lambda: viewer.camera.zoom < 100.0, timeout=5000)  # reset_view ran
    assert window.isMaximized()
    assert (width, height) == (free.width(), free.height())
    if free.width() >= MIN_WINDOW[0] and free.height() >= MIN_WINDOW[1]:
        assert width >= MIN_WINDOW[0] and height >= MIN_WINDOW[1]


def test_demo_command_no_run_builds_and_closes(capsys, qtbot):
    from napari_defocus_deblur.cli import main

    assert main(["demo", "--no-run"]) == 0
    out = capsys.readouterr().out
    assert "demo ready: 12 layers" in out
    assert f"selected: {SAMPLE_34}" in out
    assert "widgets: DeblurWidget, TrainWidget" in out


def test_demo_deblurs_the_sample_out_of_the_box_with_a_measured_gain(make_napari_viewer, qtbot):
    """The bundled zoo (real weights) restores the demo's 34 µm field; the widget shows it."""
    from napari_defocus_deblur.cli.demo import setup_viewer

    viewer = make_napari_viewer()
    deblur, _ = setup_viewer(viewer)
    assert deblur.model_choice().name == "bbbc006-unet"  # the default network
    deblur.run_button.native.click()
    qtbot.waitUntil(lambda: not deblur.jobs.busy, timeout=120_000)
    qtbot.waitUntil(lambda: deblur.compare.verdict is not None, timeout=60_000)  # off-thread
    raw_psnr, raw_ssim = deblur.compare.metrics["raw"]
    psnr, ssim = deblur.compare.metrics["restored"]
    # measured: +4.83 dB, SSIM 0.34 -> 0.75 (zoo v3 U-Net, stage c 2,500; v2 sum +1.34)
    assert psnr > raw_psnr + 2.0 and ssim > raw_ssim + 0.2
    assert deblur.compare.cells["restored"][0].value == f"{psnr:.2f}"
    assert deblur.status.value == f"added '{SAMPLE_34} · deblurred 34 µm unet'"
