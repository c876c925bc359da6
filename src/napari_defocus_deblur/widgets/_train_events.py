"""How the Train widget reacts to the events of its worker (runs on the GUI thread)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.widgets._common import is_alive
from napari_defocus_deblur.widgets._heartbeat import StillWorking
from napari_defocus_deblur.widgets._layers import HELPER_KEY, put_image

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
    if isinstance(event, StillWorking):
        base = str(widget.status.value).split(" · still working")[0]
        widget.status.value = f"{base} · still working ({event.seconds:.0f} s)"
    elif isinstance(event, DataReady):
        _data_ready(widget, event)
    elif isinstance(event, Started):
        _started(widget, event)
    elif isinstance(event, StepEnd):
        started, first = getattr(widget, "clock", (time.monotonic(), 0))
        widget.status.value = step_text(
            event.step, getattr(widget, "total_steps", -1), time.monotonic() - started,
            event.step - first, getattr(widget, "best_psnr", None),
        )  # fmt: skip
    elif isinstance(event, EpochEnd):
        widget.status.value = epoch_text(event, widget.plot.baseline, _scratch(widget))
        best = getattr(widget, "best_psnr", None)
        if event.epoch >= 1 and math.isfinite(event.val_psnr):
            widget.best_psnr = event.val_psnr if best is None else max(best, event.val_psnr)
        if event.epoch >= 1:  # epoch 0 is the network before training (no training loss)
            widget.plot.add_point(event.epoch, event.train_loss, event.val_psnr)
    elif isinstance(event, CheckpointSaved):
        widget.last_checkpoint = event.path
    elif isinstance(event, Preview):
        show_preview(widget, event)
    elif isinstance(event, Finished):
        state = event.state.value.replace("_", " ")
        widget.last_state = event.state
        outcome = event.outcome()
        scores = f"; {outcome}" if outcome else ""
        widget.status.value = (
            f"{state} after {event.steps} steps; model in {event.checkpoint}{scores}"
        )
        if event.kept_epoch is not None and event.val_psnr is not None:
            widget.plot.mark_kept(event.kept_epoch, event.val_psnr)
        widget.model_finished(event.checkpoint, state, outcome, event.below_start)


def _clock(seconds: float) -> str:
    hours, rest = divmod(round(seconds), 3600)
    return (
        f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
    )


def _data_ready(widget: Any, event: Any) -> None:
    """Data loaded: field counts, how the pixels were sampled, the planes paired."""
    widget.sampling = f" ({event.sampling})" if event.sampling else ""
    widget.status.value = (
        f"{event.n_train} training and {event.n_val} validation fields{widget.sampling}; starting…"
    )
    if event.pairing and getattr(widget, "pairing", None) is not None:
        widget.pairing.loaded(event.pairing)


def _started(widget: Any, event: Any) -> None:
    """The run started: the plot's epochs and the input's score to beat."""
    widget.total_steps = event.total_steps
    widget.clock = (time.monotonic(), event.start_step)
    widget.best_psnr = None
    epochs = math.ceil(event.total_steps / max(event.steps_per_epoch, 1))
    widget.plot.start(epochs, event.input_val_psnr)
    verb = "training from scratch" if _scratch(widget) else "fine-tuning"
    widget.status.value = (
        f"{verb}: {event.parameters:,} parameters on {event.device}; the unprocessed "
        f"input scores {event.input_val_psnr:.2f} dB on the validation fields"
        f"{getattr(widget, 'sampling', '')}"
    )


def step_text(step: int, total: int, elapsed_s: float, done: int, best_psnr: float | None) -> str:
    """``"step 40 of 200 · 1:20 elapsed · 5:20 left · best validation 27.31 dB"``.

    ``done`` steps of this run took ``elapsed_s`` (a resumed run counts from its start);
    the time left assumes the same pace. Without a known total only the step is shown.
    """
    parts = [f"step {step} of {total}" if total and total > 0 else f"step {step}"]
    parts.append(f"{_clock(elapsed_s)} elapsed")
    if total and total > 0 and done > 0:
        parts.append(f"{_clock(elapsed_s / done * max(total - step, 0))} left")
    if best_psnr is not None:
        parts.append(f"best validation {best_psnr:.2f} dB")
    return " · ".join(parts)


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


def folder_placement(
    layers: list, folder: Any, depth_um: float | None, event: Any
) -> tuple[Any, tuple[int, ...] | None]:
    """``(layer, offset)`` of a folder-mode preview crop in an open BBBC006 layer of the
    same root and channel (the reader's ``fields`` and ``planes``), or ``(None, None)``."""
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.io.pairing import root_planes

    if depth_um is None or event.field_id is None:
        return None, None
    root = Path(folder.root).resolve()
    reference = getattr(folder, "reference_plane", None)
    try:  # the planes the training data paired (default: below the data's focus plane)
        plane = root_planes(root, depth_um, reference, getattr(folder, "side", None))[0]
    except UserInputError:
        return None, None
    for layer in layers:
        meta = getattr(layer, "metadata", None) or {}
        fields, planes = list(meta.get("fields") or []), list(meta.get("planes") or [])
        if meta.get("channel") != folder.channel or event.field_id not in fields:
            continue
        if Path(str(meta.get("root", ""))).resolve() != root or plane not in planes:
            continue
        lead = (fields.index(event.field_id),) if layer.ndim == 4 else ()
        return layer, (*lead, planes.index(plane), *event.crop)
    return None, None


def show_preview(widget: Any, event: Any) -> None:
    """Put the preview crop in the "training preview" layer, on its place in the data."""
    viewer = widget.viewer
    source, offset = getattr(widget, "_source_layer", None), event.offset
    if source is not None and source not in viewer.layers:
        source = None
    folder = getattr(widget, "last_source", None)
    if source is None and offset is None and hasattr(folder, "root"):
        depth = getattr(widget.last_config, "depth_um", None)
        source, offset = folder_placement(list(viewer.layers), folder, depth, event)
    scale, translate = preview_placement(source, offset)
    image = np.asarray(event.image, dtype=np.float32)
    image = image.reshape((1,) * (len(scale) - 2) + image.shape[-2:])
    lo, hi = (float(v) for v in np.percentile(image, [0.1, 99.9]))
    limits = (lo, hi if hi > lo and math.isfinite(hi) else lo + 1.0)
    old = next((ly for ly in viewer.layers if ly.name == PREVIEW_LAYER), None)
    layer, new = put_image(
        viewer, old, PREVIEW_LAYER, image, limits, scale=scale, translate=translate,
        metadata={HELPER_KEY: "training preview", "step": event.step},
    )  # fmt: skip
    if new:
        layer.colormap = source.colormap.name if source is not None else "gray"
        layer.blending = "translucent_no_depth"
        if hasattr(layer, "bounding_box"):  # outline: this square is the preview crop
            layer.bounding_box.visible = True
            layer.bounding_box.points = False
