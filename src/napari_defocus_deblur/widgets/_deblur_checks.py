"""Parts of the Deblur widget that keep it consistent, each a small controller it owns:
the depth control (layer metadata, the estimator) and the channel warning with its offer.

Each gets the widgets it works on when it is made; none reads another's attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from magicgui.widgets import Label, PushButton

from napari_defocus_deblur.channels import channel_label, channel_of, check_channel
from napari_defocus_deblur.widgets._common import (
    check_image_layer,
    current_plane_index,
    quietly,
    report_exception,
)
from napari_defocus_deblur.widgets._deblur_form import DEPTH_RANGE_UM
from napari_defocus_deblur.widgets._layout import word_wrap
from napari_defocus_deblur.widgets._microscope import layer_microscope
from napari_defocus_deblur.widgets._models import layer_depth_um, nearest_model, plane_sides

NO_METADATA_HINT = "this layer records no distance from focus: set it here or Estimate"


def estimate_text(
    depth: float,
    blur: float | None,
    confidence: float,
    deblur_um: float | None = None,
    lead: str = "estimate",
    stage_um: float | None = None,
) -> str:
    """``"estimate 31.6 µm · blur 7.2 px · confidence 0.82"`` (+ a hint when low; for an
    uncertain estimate the lower distance it is deblurred for,
    ``DefocusEstimate.deblur_depth_um``; ``lead`` names what ``depth`` is; ``stage_um``:
    what it means under a stated microscope)."""
    parts = [f"{lead} {depth:.1f} µm"]
    if stage_um is not None:
        parts[0] += f" ({stage_um:.1f} µm on your microscope)"
    if blur is not None:
        parts.append(f"blur {blur:.1f} px")
    parts.append(f"confidence {confidence:.2f}")
    if deblur_um is not None and round(deblur_um, 1) < round(depth, 1):
        parts.append(f"deblurring for {deblur_um:.1f} µm (its tiles disagree)")
    text = " · ".join(parts)
    return text + (" (low: check the depth)" if confidence < 0.5 else "")


class DepthControl:
    """Keeps the depth knob on the layer's recorded distance ("from layer metadata"),
    and runs the estimator (in a worker) for "Estimate depth".

    Parameters
    ----------
    viewer, image, settings
        The viewer, the image box and the settings form (``depth_source``, ``depth_um``).
    on_estimated
        Called on the GUI thread after an estimate moved the knob.
    """

    def __init__(self, viewer: Any, image: Any, settings: Any, on_estimated: Callable) -> None:
        self.viewer, self.image, self.settings = viewer, image, settings
        self.on_estimated = on_estimated
        self._updating = False
        self.button = PushButton(text="Estimate depth")
        self.label = word_wrap(Label(value=""))
        self.last_estimate: Any = None
        self.microscope: Any = None  # the optics stated for the last estimate
        self.worker: Any = None
        self.button.changed.connect(lambda *_: self.estimate())

    def set_depth(self, value: float) -> None:
        """Move the knob (clipped to its range) without counting as a user's change."""
        low, high = DEPTH_RANGE_UM
        with quietly(self):
            self.settings.depth_um.value = float(min(max(value, low), high))

    @property
    def updating(self) -> bool:
        """True while this controller moves the knob itself."""
        return self._updating

    def sync(self) -> None:
        """In "from layer metadata" mode the knob shows the layer's value (and the side
        box the plane's side, for z-stacks that record signed stage offsets)."""
        if self.settings.depth_source.value != "metadata":
            if self.label.value == NO_METADATA_HINT:
                self.label.value = ""
            return
        layer = self.image.value
        index = current_plane_index(layer, self.viewer) if layer is not None else None
        depth = None if layer is None else layer_depth_um(layer, index or None)
        if depth is None:
            self.label.value = NO_METADATA_HINT
            return
        if self.label.value == NO_METADATA_HINT:
            self.label.value = ""
        self.set_depth(depth)
        sides = plane_sides(layer)
        if sides is not None and index and 0 <= index[-1] < len(sides):
            self.settings.side.value = sides[index[-1]]

    def estimate(self) -> None:
        """Estimate the defocus of the current plane in a worker; the knob follows it (to
        the distance the one-click path would deblur for)."""
        from napari.qt.threading import create_worker

        from napari_defocus_deblur.widgets._deblur_job import estimate_plane

        try:
            layer = self.image.value
            data = check_image_layer(layer, self.viewer, role="input")
            index = current_plane_index(layer, self.viewer) if data.ndim > 2 else ()
            plane = np.asarray(data[index], dtype=np.float32)
            self.microscope = layer_microscope(self.settings, layer)
        except Exception as exc:
            report_exception(exc, "Estimating the depth")
            return
        worker = create_worker(
            estimate_plane, plane, self.microscope, _start_thread=False, _ignore_errors=True
        )
        worker.returned.connect(self._on_estimate)
        worker.errored.connect(lambda exc: report_exception(exc, "Estimating the depth"))
        self.button.enabled = False
        worker.finished.connect(lambda: setattr(self.button, "enabled", True))
        self.label.value = "estimating…"
        self.worker = worker
        worker.start()

    def _on_estimate(self, estimate: Any) -> None:
        self.last_estimate = estimate
        with quietly(self):
            if self.settings.depth_source.value != "auto":
                self.settings.depth_source.value = "manual"
        told = float(estimate.deblur_depth_um)  # what "auto" would tell the network
        stated = self.microscope  # the knob is then a stage offset under it
        self.set_depth(round((stated.stage_um(told) if stated else told) * 2) / 2)
        self.label.value = estimate_text(
            float(estimate.depth_um),
            float(estimate.blur_radius_px),
            float(estimate.confidence),
            told,
            stage_um=estimate.stage_um if self.settings.own_microscope.value else None,
        )
        self.on_estimated()

    def show_result(self, result: Any) -> None:
        """After a run: the distance the network was told for estimated planes; a stale
        estimate (which would contradict the result) is cleared."""
        if result.estimated:
            self.label.value = estimate_text(
                float(np.mean(result.depths_um)),
                None,
                min(result.confidences),
                lead="deblurred for",
            )
        elif self.label.value.startswith(("estimate", "deblurred for")):
            self.label.value = ""


def renamed_note(layer: Any) -> str:
    """A note when a layer's name and its metadata name different channels (a layer
    renamed "w2" that still records channel 1): the metadata is what counts."""
    if layer is None:
        return ""
    named, recorded = channel_of(str(layer.name)), channel_of(layer.metadata or {})
    if named is None or recorded is None or named == recorded:
        return ""
    return (
        f"'{layer.name}' is named {channel_label(named)} but records "
        f"{channel_label(recorded)} in its metadata; the metadata is used."
    )


class ChannelCheck:
    """The warning shown when the model was trained on another channel than the image's,
    and the offer of an installed model of the image's channel."""

    def __init__(self) -> None:
        self.warning = word_wrap(Label(value=""))
        self.use_button = PushButton(text="Use matching model")
        self.message: str | None = None
        self.offered: Any = None
        self.warning.visible = self.use_button.visible = False

    def check(
        self, layer: Any, choice: Any, models: Sequence[Any], depth: float, fusion: str
    ) -> None:
        """Compare the image's channel with ``choice``'s; offer the nearest matching model."""
        channel = channel_of(layer)
        message = None
        if layer is not None and choice is not None:
            message = check_channel(
                {"channel": choice.channel}, channel, image=layer.name, model_name=choice.name
            )
        self.offered = None
        details = ""
        if message is not None:
            same = [m for m in models if m.channel == channel]
            self.offered = nearest_model(same, depth, fusion, channel)
            if self.offered is None:
                details = (
                    f"No installed model is trained on {channel_label(channel)}: fine-tune "
                    "one with 'Train deblur model' on pairs of this channel."
                )
        self.message = message if not details else f"{message}. {details}"
        shown = " ".join(filter(None, [self.message, renamed_note(layer)]))
        self.warning.value = f"⚠ {shown}" if shown else ""
        self.warning.visible = bool(shown)
        offer = self.offered
        self.use_button.text = f"Use {offer.name}" if offer else "Use matching model"
        self.use_button.visible = offer is not None

    def use(self, box: Any) -> None:
        """Switch the model ``box`` to the offered model (the warning's offer)."""
        if self.offered is not None:
            box.value = str(self.offered.path)
