"""Train widget details: an empty plot that means something, a first validation line that
does not alarm, and a preview that sits on the data."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from tests.widgets.conftest import dock


def test_empty_plot_has_no_meaningless_ticks_then_spans_the_run(qtbot):
    from napari_defocus_deblur.widgets._plot import TrainingPlot

    plot = TrainingPlot()
    qtbot.addWidget(plot)
    plot.canvas.draw()
    assert list(plot.loss_axes.get_xticks()) == []
    assert list(plot.loss_axes.get_yticks()) == [] and list(plot.psnr_axes.get_yticks()) == []
    assert plot.placeholder.get_visible() and "validation PSNR" in plot.placeholder.get_text()
    plot.start(epochs=5, baseline=20.1)
    plot.canvas.draw()
    assert not plot.placeholder.get_visible()
    assert plot.loss_axes.get_xlim() == (0.5, 5.5)
    low, high = plot.psnr_axes.get_ylim()
    assert low < 20.1 < high and len(plot.loss_line.get_xdata()) == 0
    plot.add_point(1, 0.2, 22.0)
    assert plot.epochs == [1.0] and len(plot.psnr_axes.get_yticks()) > 0
    plot.mark_kept(0, 21.5)  # the starting model was kept: ringed left of epoch 1
    assert list(plot.kept_marker.get_xdata()) == [0.0] and plot.loss_axes.get_xlim()[0] == -0.5
    assert plot.psnr_axes.get_ylim()[0] < 21.5
    plot.clear()
    assert plot.planned_epochs is None and plot.placeholder.get_visible()
    assert len(plot.kept_marker.get_xdata()) == 0


def test_first_validation_line_of_a_new_network_does_not_alarm():
    from napari_defocus_deblur.training import EpochEnd
    from napari_defocus_deblur.widgets._train_events import epoch_text

    untrained = EpochEnd(epoch=0, step=0, train_loss=math.nan, val_loss=3.0, val_psnr=1.97,
                         val_ssim=0.01)  # fmt: skip
    text = epoch_text(untrained, 20.1, scratch=True)
    assert "1.97" not in text
    assert text == "validation fields ready (input 20.10 dB); training a new network…"
    start = epoch_text(untrained, 20.1, scratch=False)
    assert start == "starting model: validation PSNR 1.97 dB (input 20.10 dB)"
    later = EpochEnd(epoch=3, step=30, train_loss=0.1, val_loss=0.1, val_psnr=24.5, val_ssim=0.7)
    assert epoch_text(later, 20.1, scratch=True) == (
        "epoch 3 · validation PSNR 24.50 dB (input 20.10 dB), SSIM 0.7000"
    )


def test_preview_of_a_stack_field_sits_on_its_plane_and_region(make_napari_viewer):
    """Old code put every stack preview at the origin with unit scale: off the data."""
    from napari_defocus_deblur.widgets._train_events import PREVIEW_LAYER, show_preview
    from napari_defocus_deblur.widgets._train_job import Preview

    viewer = make_napari_viewer()
    stack = viewer.add_image(
        np.zeros((4, 64, 64), np.float32), scale=(2.0, 0.5, 0.5), translate=(10.0, 0.0, 0.0),
        colormap="cyan", name="oof",
    )  # fmt: skip
    widget = dock(viewer, "Train deblur model")
    widget._source_layer = stack
    show_preview(widget, Preview(step=7, image=np.ones((32, 32), np.float32), offset=(1, 8, 16)))
    layer = viewer.layers[PREVIEW_LAYER]
    assert layer.data.shape == (1, 32, 32)
    np.testing.assert_array_equal(layer.scale, (2.0, 0.5, 0.5))
    np.testing.assert_array_equal(layer.translate, (12.0, 4.0, 8.0))
    assert layer.colormap.name == "cyan" and layer.blending == "translucent_no_depth"
    assert layer.metadata["step"] == 7


def test_stack_field_ids_give_plane_offsets():
    from napari_defocus_deblur.widgets._train_job import _field_offset

    assert _field_offset("plane0003") == (3, 0, 0)
    assert _field_offset("y00120x00348") == (120, 348)
    assert _field_offset("a01_s1") is None


def test_started_event_plans_the_x_axis(make_napari_viewer):
    from napari_defocus_deblur.training import Started
    from napari_defocus_deblur.widgets._train_events import handle_event

    widget = dock(make_napari_viewer(), "Train deblur model")
    widget.last_config = SimpleNamespace(from_scratch=False)
    handle_event(widget, Started(total_steps=40, start_step=0, steps_per_epoch=8,
                                 n_train_fields=3, n_val_fields=1, device="cpu",
                                 parameters=1234, input_val_psnr=20.1,
                                 input_val_ssim=0.3))  # fmt: skip
    assert widget.plot.planned_epochs == 5 and widget.plot.baseline == 20.1
    assert widget.status.value.startswith("fine-tuning: 1,234 parameters on cpu")


def test_a_fine_tuned_model_below_its_start_is_reported_as_such(qtbot):
    from pathlib import Path

    from qtpy.QtWidgets import QWidget

    from napari_defocus_deblur.training import Finished, TrainState
    from napari_defocus_deblur.widgets._train_events import handle_event

    calls, marks, native = [], [], QWidget()
    qtbot.addWidget(native)
    widget = SimpleNamespace(status=SimpleNamespace(value=""), last_state=None, native=native)
    widget.plot = SimpleNamespace(mark_kept=lambda *args: marks.append(args))
    widget.model_finished = lambda *args: calls.append(args)
    worse = Finished(TrainState.FINISHED, Path("m"), 133, 26.14, 26.34, 19.5)
    handle_event(widget, worse)
    assert widget.status.value.startswith("finished after 133 steps; model in m; validation")
    assert "0.20 dB BELOW the model it started from (26.34 dB)" in widget.status.value
    assert calls[-1][2] == worse.outcome() and calls[-1][3] is True  # a warning
    handle_event(widget, Finished(TrainState.FINISHED, Path("m"), 2261, 29.12, 26.34, 19.5))
    assert widget.status.value.endswith("+2.78 dB against the model it started from)")
    assert calls[-1][3] is False
    kept_start = Finished(TrainState.FINISHED, Path("m"), 133, 26.34, 26.34, 19.5, kept_epoch=0)
    handle_event(widget, kept_start)
    assert widget.status.value.endswith("so the saved model is that model, unchanged")
    assert calls[-1][3] is False  # nothing lost: no warning
    assert marks == [(0, 26.34)]  # only a run that kept its best epoch rings one
