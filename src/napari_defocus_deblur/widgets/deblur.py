"""The "Deblur" dock widget (magicgui): image, depth, fusion, model, device, live preview,
Apply to stack, and the compare view. Wiring only; the rules live in ``_deblur_form``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from magicgui.widgets import Container, Label, PushButton

from napari_defocus_deblur.channels import channel_of
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._common import (
    check_image_layer,
    current_plane_index,
    follow_layers,
    image_layers,
    layer_combo,
    quietly,
    report_exception,
    show_info,
    show_warning,
)
from napari_defocus_deblur.widgets._compare import ComparePair, CompareSection, pair_for
from napari_defocus_deblur.widgets._deblur_checks import DeblurChecks, estimate_text
from napari_defocus_deblur.widgets._deblur_form import (
    AUTO_MODEL,
    DEFAULTS,
    build_form,
    depth_request,
)
from napari_defocus_deblur.widgets._deblur_job import DeblurJob, plane_indices, run_job, runs_on
from napari_defocus_deblur.widgets._deblur_models import DeblurModels
from napari_defocus_deblur.widgets._jobs import JobRunner
from napari_defocus_deblur.widgets._layout import (
    call_soon,
    on_close,
    row,
    scroll_wrap,
    tabify_with_siblings,
    word_wrap,
)
from napari_defocus_deblur.widgets._models import backend_choices, device_choices
from napari_defocus_deblur.widgets._registry import registry
from napari_defocus_deblur.widgets._results import UPDATED, show_result
from napari_defocus_deblur.widgets._settings import restore_defaults

if TYPE_CHECKING:
    import napari
    from napari.layers import Layer

    from napari_defocus_deblur.inference.catalogue import ModelEntry

NO_MODEL = (
    "no deblurring model is installed: train one with 'Train deblur model' or Add… a "
    "checkpoint folder"
)


class DeblurWidget(DeblurModels, DeblurChecks, Container):
    """Deblur an image layer with a head-to-tail U-Net and compare it with the original.

    Parameters
    ----------
    napari_viewer
        The viewer the widget is docked in (napari passes it).
    """

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        self.viewer = napari_viewer
        self._updating = False
        self._auto_image = True
        self.models: list[ModelEntry] = []
        self.jobs = JobRunner(self._on_job_finished)
        self._load_models()
        self.image = layer_combo(napari_viewer, "image", "Image", tooltip="the image to restore")
        self.settings = build_form(self._model_choices, device_choices(), backend_choices())
        self.settings.insert(0, self.image)
        self.estimate_button = PushButton(text="Estimate depth")
        self.estimate_label = word_wrap(Label(value=""))
        self.channel_warning = word_wrap(Label(value=""))
        self.use_model_button = PushButton(text="Use matching model")
        self.add_model_button = PushButton(text="Add model…")
        self.run_button = PushButton(text="Run")
        self.apply_button = PushButton(text="Apply to stack")
        self.cancel_button = PushButton(text="Cancel", enabled=False)
        self.defaults_button = PushButton(text="Restore defaults")
        self.status = word_wrap(Label(value=""))
        self.compare = CompareSection(napari_viewer, self.comparison_pair)
        body = Container(
            widgets=[
                self.settings,
                row(self.estimate_button, self.add_model_button),
                self.estimate_label,
                self.channel_warning,
                self.use_model_button,
                row(self.run_button, self.apply_button, self.cancel_button),
                self.status,
                self.compare,
                self.defaults_button,
            ],
            labels=False,
        )
        super().__init__(widgets=[body], labels=False)
        self.margins = (0, 0, 0, 0)
        scroll_wrap(self, body)
        self._connect()
        with quietly(self):
            self.reset_choices()
        self._sync_all()

    def _connect(self) -> None:
        s = self.settings
        self.image.changed.connect(self._on_image_changed)
        s.depth_source.changed.connect(lambda *_: self._sync_all())
        s.depth_um.changed.connect(self._on_depth_value)
        for widget in (s.fusion, s.model):
            widget.changed.connect(lambda *_: self._sync_model())
        for name in ("depth_source", "depth_um", "fusion", "model", "device", "backend"):
            s[name].changed.connect(self._request_preview)
        s.live_preview.changed.connect(self._request_preview)
        self.estimate_button.changed.connect(lambda *_: self.estimate())
        self.use_model_button.changed.connect(lambda *_: self.use_offered_model())
        self.add_model_button.changed.connect(lambda *_: self._add_model_dialog())
        self.run_button.changed.connect(lambda *_: self.run())
        self.apply_button.changed.connect(lambda *_: self.apply_to_stack())
        self.cancel_button.changed.connect(lambda *_: self.cancel())
        self.defaults_button.changed.connect(lambda *_: self.restore_defaults())
        self.jobs.timer.timeout.connect(self._preview_now)
        self.viewer.dims.events.current_step.connect(self._on_dims_changed)
        registry.changed.connect(self._on_registry_changed)
        follow_layers(self.viewer, self)
        call_soon(self.native, lambda: tabify_with_siblings(self))
        on_close(self, self.cancel)

    # -- choices ----------------------------------------------------------------------
    def depth_um(self) -> float:
        """The depth shown by the depth control, micrometres."""
        return float(self.settings.depth_um.value)

    def fusion(self) -> str:
        """``"sum"`` or ``"concat"``."""
        return str(self.settings.fusion.value)

    def select_image(self, layer: Layer | None) -> None:
        """Choose the input layer (as a user would, without starting a preview)."""
        self._auto_image = False
        with quietly(self):
            self.image.value = layer
        self._sync_all()

    def reset_choices(self, *_: Any) -> None:
        """Follow the layer list; keep preselecting the best image until one is chosen."""
        with quietly(self):
            super().reset_choices()
            if self._auto_image or self.image.value is None:
                model = self.model_choice()
                channel = None if model is None else model.channel
                active = self.viewer.layers.selection.active
                best = self._default_image(active, channel)
                if best is not None:
                    self.image.value = best

    def _default_image(self, active: Any, channel: int | None) -> Any:
        from napari_defocus_deblur.widgets._deblur_form import default_image

        return default_image(image_layers(self.viewer), active, channel)

    def restore_defaults(self) -> None:
        """Every setting back to :data:`DEFAULTS`."""
        with quietly(self):
            restore_defaults(self.settings, DEFAULTS)
        self._sync_all()

    # -- running ----------------------------------------------------------------------
    def build_job(self, whole_stack: bool = False, preview: bool = False) -> tuple:
        """Validate the choices: ``(layer, DeblurJob, current plane or None)``."""
        layer = self.image.value
        data = check_image_layer(layer, self.viewer, role="input")
        choice = self.model_choice()
        if choice is None:
            raise UserInputError(NO_MODEL)
        current = None
        if data.ndim > 2 and not whole_stack:
            current = current_plane_index(layer, self.viewer)
        planes = plane_indices(data.shape, current)
        shape = tuple(data.shape) if current is None else (1,) * len(current) + data.shape[-2:]
        source = str(self.settings.depth_source.value)
        depth, recorded = depth_request(layer, source, self.depth_um(), planes)
        chosen = self.settings.model.value != AUTO_MODEL
        self.runs_on = runs_on(str(self.settings.device.value), str(self.settings.backend.value))
        job = DeblurJob(
            data=data,
            planes=planes,
            out_shape=shape,
            depth=depth,
            recorded=recorded,
            model=choice if chosen else None,  # None: the plan's choice per plane
            models=tuple(self.models),
            fusion=(choice.fusion if chosen else None) or self.fusion(),
            channel=channel_of(layer),
            device=str(self.settings.device.value),
            preview=preview,
            backend=str(self.settings.backend.value),
        )
        return layer, job, current

    def run(self) -> None:
        """Deblur the image (a stack: its current slice) in a worker thread."""
        self._launch(whole_stack=False, preview=False)

    def apply_to_stack(self) -> None:
        """Deblur every plane of the image in a worker thread."""
        self._launch(whole_stack=True, preview=False)

    def _launch(self, whole_stack: bool, preview: bool) -> None:
        if self.jobs.busy and not self.jobs.preview:
            if not preview:
                show_warning("deblurring is already running; wait or Cancel")
            return
        self.jobs.timer.stop()
        try:
            layer, job, current = self.build_job(whole_stack, preview)
        except Exception as exc:
            if preview:
                self.status.value = f"no preview: {exc}"
            else:
                report_exception(exc, "Deblur")
            return
        if not preview:
            self._auto_image = False  # the user committed to this image
            if self.channel_message:
                show_warning(self.channel_message)
        started = self.jobs.start(
            run_job,
            job,
            preview=preview,
            on_returned=lambda result: self._on_returned(layer, job, current, result),
            action="Deblur",
            description=f"Deblurring {layer.name}",
            on_aborted=None if preview else lambda: show_info("deblurring cancelled"),
        )
        if started:
            self.cancel_button.enabled = True
            self.run_button.enabled = self.apply_button.enabled = preview
            names = (
                job.model.name if job.model is not None else f"auto ({self.model_choice().name})"
            )
            what = "previewing" if preview else "deblurring"
            self.status.value = f"{what} {layer.name} with {names}, {self.runs_on}…"

    def cancel(self) -> None:
        """Stop the running job after the current tile."""
        self.jobs.timer.stop()
        if self.jobs.busy:
            self.status.value = "cancelling…"
            self.jobs.cancel()

    def _on_returned(self, layer: Layer, job: DeblurJob, current: Any, result: Any) -> None:
        if layer not in self.viewer.layers:
            show_warning(f"'{layer.name}' was removed while it was being deblurred")
            return
        out, action = show_result(self.viewer, layer, result, job, current)
        text = f"{action} '{out.name}'"
        if action == UPDATED:
            text = f"updated plane {','.join(map(str, current))} of '{out.name}'"
        self.status.value = ("preview: " if job.preview else "") + text
        if result.estimated:
            self.estimate_label.value = estimate_text(
                float(np.mean(result.depths_um)), None, min(result.confidences)
            )
        self.compare.update_metrics()

    def _on_job_finished(self, preview: bool) -> None:
        from napari_defocus_deblur.widgets._common import is_alive

        if not is_alive(self.native):
            return
        self.run_button.enabled = self.apply_button.enabled = True
        self.cancel_button.enabled = False
        if str(self.status.value).endswith("…"):
            self.status.value = ""

    # -- compare ----------------------------------------------------------------------
    def comparison_pair(self) -> ComparePair | None:
        """Raw and restored planes of the chosen input, or None before the first run."""
        return pair_for(self.viewer, self.image.value)
