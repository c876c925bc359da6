"""Side-by-side view and PSNR/SSIM against a reference layer."""

from __future__ import annotations

import numpy as np
import pytest

from tests.widgets.conftest import dock

WAIT_MS = 60_000


@pytest.fixture
def deblurred(make_napari_viewer, sharp_and_blurred, tiny_checkpoint, qtbot):
    viewer = make_napari_viewer()
    sharp, blurred = sharp_and_blurred
    viewer.add_image(sharp, name="in focus")
    viewer.add_labels(np.zeros(sharp.shape, np.uint8), name="labels")
    viewer.add_image(blurred, name="blurred")
    widget = dock(viewer, "Deblur")
    widget.settings.live_preview.value = False
    widget.select_image(viewer.layers["blurred"])
    widget.add_model(tiny_checkpoint)
    widget.run_button.native.click()
    qtbot.waitUntil(lambda: not widget.jobs.busy, timeout=WAIT_MS)
    return viewer, widget


def _grid(viewer):
    return viewer.canvas.grid if hasattr(viewer, "canvas") else viewer.grid


def test_compare_toggles_labelled_side_by_side_and_back(deblurred):
    viewer, widget = deblurred
    restored = "blurred · deblurred 34 µm sum"
    viewer.layers["labels"].visible = False
    before = {ly.name: ly.visible for ly in viewer.layers}
    viewer.camera.zoom = 50.0  # zoomed far in: the panes would show slivers
    assert not _grid(viewer).enabled
    widget.compare.compare_button.native.click()
    assert _grid(viewer).enabled and widget.compare.comparing
    assert {ly.name for ly in viewer.layers if ly.visible} == {"blurred", restored}
    # raw on the left, restored on the right, in one row, each pane says what it shows
    layers = list(viewer.layers)
    positions = {ly.name: _grid(viewer).position(i, layers) for i, ly in enumerate(layers)}
    assert positions["blurred"] == (0, 0) and positions[restored] == (0, 1)
    for name in ("blurred", restored):
        assert viewer.layers[name].name_overlay.visible
    assert viewer.camera.zoom < 50.0  # the camera was reset to fit both panes
    assert widget.compare.compare_button.text == "Back to normal view"
    widget.compare.compare_button.native.click()
    assert not _grid(viewer).enabled
    assert {ly.name: ly.visible for ly in viewer.layers} == before
    assert not viewer.layers[restored].name_overlay.visible


def test_compare_before_deblurring_is_a_notification(make_napari_viewer, notes):
    viewer = make_napari_viewer()
    viewer.add_image(np.zeros((32, 32), np.float32), name="raw")
    widget = dock(viewer, "Deblur")
    widget.compare.compare_button.native.click()
    assert not widget.compare.compare_button.native.isChecked()
    assert not _grid(viewer).enabled
    assert notes["error"] == ["nothing to compare yet: run Deblur on the chosen image first"]


def test_metrics_match_skimage_for_the_chosen_reference(deblurred, qtbot):
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    viewer, widget = deblurred
    labels = widget.compare.cells
    assert labels["raw"][0].value == "–"  # no reference yet (no metadata says in focus)
    widget.compare.reference.value = viewer.layers["in focus"]
    assert widget.compare.metrics == {}  # scored in a worker, not on the GUI thread
    qtbot.waitUntil(lambda: widget.compare.verdict is not None, timeout=WAIT_MS)
    assert widget.compare.verdict.matches and widget.compare.note.value == ""
    ref = np.asarray(viewer.layers["in focus"].data, np.float64)
    span = ref.max() - ref.min()
    for key, name in (("raw", "blurred"), ("restored", "blurred · deblurred 34 µm sum")):
        img = np.asarray(viewer.layers[name].data, np.float64)
        p = peak_signal_noise_ratio(ref, img, data_range=span)
        s = structural_similarity(
            (img - ref.min()) / span, (ref - ref.min()) / span, data_range=1.0
        )
        got_p, got_s = widget.compare.metrics[key]
        assert got_p == pytest.approx(p, rel=1e-9)
        assert got_s == pytest.approx(s, rel=1e-7, abs=1e-9)
        assert labels[key][0].value == f"{p:.2f}"
        assert labels[key][1].value == f"{s:.4f}"
    widget.compare.reference.value = None
    assert labels["restored"][1].value == "–"


def test_reference_of_another_shape_is_a_notification(deblurred, notes):
    viewer, widget = deblurred
    viewer.add_image(np.ones((40, 40), np.float32), name="other field")
    widget.compare.reference.value = viewer.layers["other field"]
    assert notes["error"][-1].startswith("the reference is 40x40 but the input is 96x96")
    assert widget.compare.metrics == {}


def test_reference_of_another_field_is_warned_and_not_scored(deblurred, qtbot, notes):
    from scipy.ndimage import gaussian_filter

    viewer, widget = deblurred
    other = gaussian_filter(np.random.default_rng(7).random((96, 96)), 1.5) * 1000 + 100
    viewer.add_image(other.astype(np.float32), name="other field")
    widget.compare.reference.value = viewer.layers["other field"]
    qtbot.waitUntil(lambda: widget.compare.verdict is not None, timeout=WAIT_MS)
    assert not widget.compare.verdict.matches
    assert widget.compare.metrics == {}
    assert {cell.value for cells in widget.compare.cells.values() for cell in cells} == {"–"}
    assert "does not show the same field" in widget.compare.note.value
    assert notes["warning"] == ["reference 'other field' shows another field: no PSNR/SSIM"]


def test_shifted_reference_is_aligned_and_told(deblurred, qtbot):
    viewer, widget = deblurred
    sharp = np.asarray(viewer.layers["in focus"].data)
    viewer.add_image(np.roll(sharp, (3, -4), axis=(0, 1)), name="moved")
    widget.compare.reference.value = viewer.layers["moved"]
    qtbot.waitUntil(lambda: widget.compare.verdict is not None, timeout=WAIT_MS)
    assert widget.compare.verdict.shift == (-3, 4)
    assert "shifted by -3, +4 px" in widget.compare.note.value
    assert set(widget.compare.metrics) == {"raw", "restored"}


def test_reference_with_other_pixel_size_is_matched_and_told(deblurred, qtbot):
    viewer, widget = deblurred
    raw = viewer.layers["blurred"]
    raw.scale, raw.translate = (0.645, 0.645), (10.0, 20.0)
    reference = viewer.layers["in focus"]
    widget.compare.reference.value = reference
    qtbot.waitUntil(lambda: widget.compare.verdict is not None, timeout=WAIT_MS)
    np.testing.assert_allclose(reference.scale, (0.645, 0.645))
    np.testing.assert_allclose(reference.translate, (10.0, 20.0))
    assert "took the pixel size of 'blurred' (0.645, was 1x1)" in widget.compare.note.value
