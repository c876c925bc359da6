"""How the Deblur widget keeps itself consistent: depth from metadata or the estimator,
the "auto" model, the channel warning and its offer, and when a live preview runs."""

from __future__ import annotations

from typing import Any

import numpy as np

from napari_defocus_deblur.channels import channel_label, channel_of, check_channel
from napari_defocus_deblur.widgets._common import (
    check_image_layer,
    current_plane_index,
    image_layers,
    quietly,
    report_exception,
)
from napari_defocus_deblur.widgets._deblur_form import AUTO_MODEL, DEPTH_RANGE_UM
from napari_defocus_deblur.widgets._models import layer_depth_um, nearest_model
from napari_defocus_deblur.widgets._results import find_result

NO_METADATA_HINT = "this layer records no distance from focus: set it here or Estimate"


class DeblurChecks:
    """Mixed into :class:`~napari_defocus_deblur.widgets.deblur.DeblurWidget`."""

    viewer: Any
    image: Any
    settings: Any
    jobs: Any
    models: list
    _updating: bool
    _auto_image: bool
    channel_message: str | None = None
    offered_model: Any = None

    # -- depth ------------------------------------------------------------------------
    def _sync_all(self, *_: Any) -> None:
        self._sync_depth()
        self._sync_model()
        self._sync_buttons()

    def _metadata_depth(self) -> float | None:
        layer = self.image.value
        if layer is None:
            return None
        index = current_plane_index(layer, self.viewer) if layer.ndim > 2 else None
        return layer_depth_um(layer, index)

    def _set_depth(self, value: float) -> None:
        low, high = DEPTH_RANGE_UM
        with quietly(self):
            self.settings.depth_um.value = float(min(max(value, low), high))

    def _sync_depth(self) -> None:
        """In "from layer metadata" mode the depth control shows the layer's value."""
        if self.settings.depth_source.value != "metadata":
            if self.estimate_label.value == NO_METADATA_HINT:
                self.estimate_label.value = ""
            return
        depth = self._metadata_depth()
        if depth is None:
            self.estimate_label.value = NO_METADATA_HINT
            return
        if self.estimate_label.value == NO_METADATA_HINT:
            self.estimate_label.value = ""
        self._set_depth(depth)

    def _on_depth_value(self, *_: Any) -> None:
        """Turning the depth knob by hand makes it the depth ("set here")."""
        if not self._updating and self.settings.depth_source.value != "manual":
            with quietly(self):
                self.settings.depth_source.value = "manual"
        self._sync_model()

    # -- model and channel ------------------------------------------------------------
    def _sync_model(self) -> None:
        """Relabel "auto → name", lock fusion to a chosen model's, check the channel."""
        with quietly(self):
            self.settings.model.reset_choices()
            chosen = self.settings.model.value != AUTO_MODEL
            choice = self.model_choice()
            if chosen and choice is not None and choice.fusion in ("sum", "concat"):
                self.settings.fusion.value = choice.fusion
            self.settings.fusion.enabled = not chosen
        self._check_channel(choice)

    def _check_channel(self, choice: Any) -> None:
        layer = self.image.value
        channel = channel_of(layer)
        message = None
        if layer is not None and choice is not None:
            message = check_channel(
                {"channel": choice.channel}, channel, image=layer.name, model_name=choice.name
            )
        self.offered_model = None
        if message is not None:
            same = [m for m in self.models if m.channel == channel]
            self.offered_model = nearest_model(same, self.depth_um(), self.fusion(), channel)
            if self.offered_model is None:
                message += (
                    f". No installed model is trained on {channel_label(channel)}: "
                    "fine-tune one with 'Train deblur model' on pairs of this channel."
                )
        self.channel_message = message
        self.channel_warning.value = f"⚠ {message}" if message else ""
        self.channel_warning.visible = message is not None
        offer = self.offered_model
        self.use_model_button.text = f"Use {offer.name}" if offer else "Use matching model"
        self.use_model_button.visible = offer is not None

    def use_offered_model(self) -> None:
        """Switch to the model trained on the image's channel (the warning's offer)."""
        if self.offered_model is not None:
            self.settings.model.value = str(self.offered_model.path)

    def _sync_buttons(self) -> None:
        layer = self.image.value
        stack = layer is not None and layer.ndim > 2
        self.run_button.text = "Run slice" if stack else "Run"
        self.apply_button.visible = stack

    # -- image, reference and slices ------------------------------------------------------
    def _on_image_changed(self, *_: Any) -> None:
        if not self._updating:
            self._auto_image = False
        self._sync_all()
        self._default_reference()
        self.compare.update_metrics()
        self._request_preview()

    def _default_reference(self) -> None:
        """Pick the in-focus image of the image's channel as reference (unless the chosen
        reference is of that channel already)."""
        layer, current = self.image.value, self.compare.reference.value
        channel = channel_of(layer)
        if layer is None or (current is not None and channel_of(current) == channel):
            return
        for other in image_layers(self.viewer):
            same = channel_of(other) == channel and other is not layer
            if same and layer_depth_um(other) == 0.0 and other.data.shape == layer.data.shape:
                self.compare.reference.value = other
                return

    def _on_dims_changed(self, *_: Any) -> None:
        from napari_defocus_deblur.widgets._common import is_alive

        layer = self.image.value
        if not is_alive(self.native) or layer is None or layer.ndim < 3:
            return
        self._sync_depth()
        self._sync_model()
        self.compare.update_metrics()
        result = find_result(self.viewer, layer)
        if result is None or result.metadata.get("plane") is not None:
            self._request_preview()  # only a slice was restored: preview the new slice

    # -- live preview and estimate ----------------------------------------------------
    def _request_preview(self, *_: Any) -> None:
        """Start (or restart) the debounce timer of the live preview."""
        if self._updating or not self.settings.live_preview.value:
            return
        if self.image.value is None or (self.jobs.busy and not self.jobs.preview):
            return
        self.jobs.timer.start()

    def _preview_now(self) -> None:
        if self.settings.live_preview.value and self.image.value is not None:
            self._launch(whole_stack=False, preview=True)

    def estimate(self) -> None:
        """Estimate the defocus of the current plane in a worker; the knob follows it."""
        from napari.qt.threading import create_worker

        from napari_defocus_deblur.widgets._deblur_job import estimate_plane

        try:
            layer = self.image.value
            data = check_image_layer(layer, self.viewer, role="input")
            index = current_plane_index(layer, self.viewer) if data.ndim > 2 else ()
            plane = np.asarray(data[index], dtype=np.float32)
        except Exception as exc:
            report_exception(exc, "Estimating the depth")
            return
        worker = create_worker(estimate_plane, plane, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._on_estimate)
        worker.errored.connect(lambda exc: report_exception(exc, "Estimating the depth"))
        self.estimate_button.enabled = False
        worker.finished.connect(lambda: setattr(self.estimate_button, "enabled", True))
        self.estimate_label.value = "estimating…"
        self.estimate_worker = worker
        worker.start()

    def _on_estimate(self, estimate: Any) -> None:
        self.last_estimate = estimate
        with quietly(self):
            if self.settings.depth_source.value != "auto":
                self.settings.depth_source.value = "manual"
        self._set_depth(round(float(estimate.depth_um) * 2) / 2)
        self.estimate_label.value = estimate_text(
            float(estimate.depth_um), float(estimate.blur_radius_px), float(estimate.confidence)
        )
        self._sync_model()
        self._request_preview()


def estimate_text(depth: float, blur: float | None, confidence: float) -> str:
    """``"estimate 31.6 µm · blur 7.2 px · confidence 0.82"`` (+ a hint when low)."""
    parts = [f"estimate {depth:.1f} µm"]
    if blur is not None:
        parts.append(f"blur {blur:.1f} px")
    parts.append(f"confidence {confidence:.2f}")
    text = " · ".join(parts)
    return text + (" (low: check the depth)" if confidence < 0.5 else "")
