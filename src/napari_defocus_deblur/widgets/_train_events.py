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

    if not is_alive(widget.native):
        return
    if isinstance(event, DataReady):
        widget.status.value = (
            f"{event.n_train} training and {event.n_val} validation fields; starting…"
        )
    elif isinstance(event, Started):
        widget.total_steps = event.total_steps
        epochs = math.ceil(event.total_steps / max(event.steps_per_epoch, 1))
        widget.plot.start(epochs, event.input_val_psnr)
        verb = "training from scratch" if _scratch(widget) else "fine-tuning"
        widget.status.value = (
            f"{verb}: {event.parameters:,} parameters on {event.device}; the unprocessed "
            f"input scores {event.input_val_psnr:.2f} dB on the validation fields"
        )
    elif isinstance(event, StepEnd):
        total = getattr(widget, "total_steps", -1)
        of = f"/{total}" if total and total > 0 else ""
        widget.status.value = f"step {event.step}{of} · loss {event.loss:.4g}"
    elif isinstance(event, EpochEnd):
        widget.status.value = epoch_text(event, widget.plot.baseline, _scratch(widget))
        if event.epoch >= 1:  # epoch 0 is the network before training (no training loss)
            widget.plot.add_point(event.epoch, event.train_loss, event.val_psnr)
    elif isinstance(event, CheckpointSaved):
        widget.last_checkpoint = event.path
    elif isinstance(event, Preview):
        show_preview(widget, event)
    elif isinstance(event, Finished):
        state = event.state.value.replace("_", " ")
        widget.last_state = event.state
        widget.status.value = f"{state} after {event.steps} steps; model in {event.checkpoint}"
        widget.model_finished(event.checkpoint, state)


def _scratch(widget: Any) -> bool:
    config = getattr(widget, "last_config", None)
    return bool(getattr(config, "from_scratch", False))


def epoch_text(event: Any, baseline: float | None, scratch: bool) -> str:
    """The status line after a validation pass.

    Before training (epoch 0) a network from scratch outputs noise, and its PSNR (a few
    dB) says nothing: the line then names the input's score the curve has to beat. A
    fine-tuned model's starting score is shown next to the input's.
    """
    versus = "" if baseline is None else f" (input {baseline:.2f} dB)"
    if event.epoch == 0 and scratch:
        return f"validation fields ready{versus}; training a new network…"
    if event.epoch == 0:
        return f"starting model: validation PSNR {event.val_psnr:.2f} dB{versus}"
    return (
        f"epoch {event.epoch} · validation PSNR {event.val_psnr:.2f} dB{versus}, "
        f"SSIM {event.val_ssim:.4f}"
    )


def preview_placement(source: Any, offset: tuple[int, ...] | None) -> tuple[Any, Any]:
    """``(scale, translate)`` that put a preview crop where it lies in ``source``.

    ``offset`` is ``(top, left)`` or ``(plane, top, left)`` in data pixels; the preview
    gets the source's scale and translation so it sits exactly on the matching region.
    Without a source (folder data) the crop is placed at the origin in pixels.
    """
    if source is None or offset is None:
        return np.ones(2), np.zeros(2)
    k = len(offset)
    scale = np.asarray(source.scale[-k:], dtype=float)
    translate = np.asarray(source.translate[-k:], dtype=float) + np.asarray(offset) * scale
    return scale, translate


def show_preview(widget: Any, event: Any) -> None:
    """Put the preview crop in the "training preview" layer, on its place in the data."""
    viewer = widget.viewer
    source = getattr(widget, "_source_layer", None)
    if source is not None and source not in viewer.layers:
        source = None
    scale, translate = preview_placement(source, event.offset)
    image = np.asarray(event.image, dtype=np.float32)
    image = image.reshape((1,) * (len(scale) - 2) + image.shape[-2:])
    lo, hi = (float(v) for v in np.percentile(image, [0.1, 99.9]))
    limits = (lo, hi if hi > lo and math.isfinite(hi) else lo + 1.0)
    if PREVIEW_LAYER in viewer.layers and viewer.layers[PREVIEW_LAYER].ndim == image.ndim:
        layer = viewer.layers[PREVIEW_LAYER]
        layer.data = image
        layer.scale, layer.translate = scale, translate
        layer.contrast_limits_range = limits
        layer.contrast_limits = limits
    else:
        if PREVIEW_LAYER in viewer.layers:
            viewer.layers.remove(PREVIEW_LAYER)
        layer = viewer.add_image(
            image,
            name=PREVIEW_LAYER,
            scale=scale,
            translate=translate,
            colormap=source.colormap.name if source is not None else "gray",
            blending="translucent_no_depth",
            contrast_limits=limits,
        )
        if hasattr(layer, "bounding_box"):  # outline: this square is the preview crop
            layer.bounding_box.visible = True
            layer.bounding_box.points = False
    layer.metadata["step"] = event.step
