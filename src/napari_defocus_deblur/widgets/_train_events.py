"""How the Train widget reacts to the events of its worker (runs on the GUI thread)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from napari_defocus_deblur.widgets._common import is_alive

PREVIEW_LAYER = "training preview"


def handle_event(widget: Any, event: Any) -> None:
    """Update the status line, plot, preview layer or model list for one event."""
    from napari_defocus_deblur.training import (
        CheckpointSaved,
        EpochEnd,
        Finished,
        Started,
        StepEnd,
    )
    from napari_defocus_deblur.widgets._train_job import DataReady, Preview

    if not is_alive(widget):
        return
    if isinstance(event, DataReady):
        widget.status.setText(
            f"{event.n_train} training and {event.n_val} validation fields; starting…"
        )
    elif isinstance(event, Started):
        widget.total_steps = event.total_steps
        widget.plot.set_baseline(event.input_val_psnr)
        widget.status.setText(
            f"training {event.parameters:,} parameters on {event.device}; input PSNR "
            f"{event.input_val_psnr:.2f} dB"
        )
    elif isinstance(event, StepEnd):
        total = getattr(widget, "total_steps", -1)
        of = f"/{total}" if total and total > 0 else ""
        widget.status.setText(f"step {event.step}{of} · loss {event.loss:.4g}")
    elif isinstance(event, EpochEnd):
        if event.epoch >= 1:  # epoch 0 is the untrained network (no training loss)
            widget.plot.add_point(event.epoch, event.train_loss, event.val_psnr)
        widget.status.setText(
            f"epoch {event.epoch} · validation PSNR {event.val_psnr:.2f} dB, "
            f"SSIM {event.val_ssim:.4f}"
        )
    elif isinstance(event, CheckpointSaved):
        widget.last_checkpoint = event.path
    elif isinstance(event, Preview):
        show_preview(widget, event)
    elif isinstance(event, Finished):
        state = event.state.value.replace("_", " ")
        widget.last_state = event.state
        widget.status.setText(f"{state} after {event.steps} steps; model in {event.checkpoint}")
        widget.model_finished(event.checkpoint, state)


def show_preview(widget: Any, event: Any) -> None:
    """Put the preview image in the "training preview" layer (created once)."""
    viewer = widget.viewer
    source = getattr(widget, "_source_layer", None)
    image = np.asarray(event.image, dtype=np.float32)
    translate = np.zeros(2)
    scale = np.ones(2)
    if source is not None and source in viewer.layers and event.offset is not None:
        scale = np.asarray(source.scale[-2:], dtype=float)
        translate = (
            np.asarray(source.translate[-2:], dtype=float) + np.asarray(event.offset) * scale
        )
    lo, hi = (float(v) for v in np.percentile(image, [0.1, 99.9]))
    limits = (lo, hi if hi > lo and math.isfinite(hi) else lo + 1.0)
    name = PREVIEW_LAYER
    if name in viewer.layers:
        layer = viewer.layers[name]
        layer.data = image
        layer.scale, layer.translate = scale, translate
        layer.contrast_limits_range = limits
        layer.contrast_limits = limits
    else:
        colormap = (
            source.colormap.name if source is not None and source in viewer.layers else "gray"
        )
        layer = viewer.add_image(
            image,
            name=name,
            scale=scale,
            translate=translate,
            colormap=colormap,
            contrast_limits=limits,
        )
    layer.metadata["step"] = event.step
