"""The "Deblur" dock widget (magicgui): image, depth, fusion, model, device, live preview,
Apply to stack, and the compare view. Wiring only; the rules live in ``_deblur_form``
and the core's run plan (:func:`napari_defocus_deblur.inference.plan.plan_run`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from magicgui.widgets import Container, PushButton

from napari_defocus_deblur.channels import channel_of
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._common import (
    check_image_layer,
    current_plane_index,
    image_layers,
    is_alive,
    layer_combo,
    quietly,
    settle_dock,
)
from napari_defocus_deblur.widgets._compare import ComparePair, CompareSection, pair_for
from napari_defocus_deblur.widgets._deblur_checks import ChannelCheck, DepthControl
from napari_defocus_deblur.widgets._deblur_form import (
    AUTO_MODEL,
    DEFAULTS,
    PASSES,
    build_form,
    default_image,
    default_reference,
    depth_request,
)
from napari_defocus_deblur.widgets._deblur_job import DeblurJob, plane_indices, runs_on
from napari_defocus_deblur.widgets._deblur_models import ModelList, add_model
from napari_defocus_deblur.widgets._deblur_run import DeblurRun
from napari_defocus_deblur.widgets._layout import (
    row,
    scroll_wrap,
)
from napari_defocus_deblur.widgets._microscope import MICROSCOPE_DEFAULTS, layer_microscope
from napari_defocus_deblur.widgets._models import backend_choices, device_choices
from napari_defocus_deblur.widgets._results import find_result
from napari_defocus_deblur.widgets._settings import restore_defaults
from napari_defocus_deblur.zoo.names import METHODS

if TYPE_CHECKING:
    import napari
    from napari.layers import Layer

    from napari_defocus_deblur.inference.catalogue import ModelEntry

NO_MODEL = (
    "no deblurring model is installed: train one with 'Train deblur model' or Add… a "
    "checkpoint folder"
)


class DeblurWidget(Container):
    """Deblur an image layer with a head-to-tail U-Net and compare it with the original.

    Built by composition: the settings form (:func:`._deblur_form.build_form`), the model
    list (:class:`._deblur_models.ModelList`), the depth control and channel check
    (:mod:`._deblur_checks`), the run controller (:class:`._deblur_run.DeblurRun`) and
    the compare section; this class wires them and turns the form into a job.

    Parameters
    ----------
    napari_viewer
        The viewer the widget is docked in (napari passes it).
    """

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        self.viewer = napari_viewer
        self._updating = False
        self.model_list = ModelList()  # "auto" at the DEFAULTS until the form exists
        self.image = layer_combo(napari_viewer, "image", "Image", tooltip="the image to restore")
        self.settings = build_form(self.model_list.choices, device_choices(), backend_choices())
        self.settings.insert(0, self.image)
        self.model_list.context = lambda: (self.depth_um(), self.fusion(), self.image.value)
        estimated = lambda: (self._sync_model(), self._request_preview())  # noqa: E731
        self.depth = DepthControl(napari_viewer, self.image, self.settings, estimated)
        self.channel = ChannelCheck()
        self.runner = DeblurRun(napari_viewer, self.build_job, self._after_result)
        self.runner.warning, self.runner.live = lambda: self.channel.message, self._live
        self.jobs, self.status = self.runner.jobs, self.runner.status
        self.run_button, self.apply_button = self.runner.run_button, self.runner.apply_button
        self.cancel_button = self.runner.cancel_button
        self.add_model_button = PushButton(text="Add model…")
        self.defaults_button = PushButton(text="Restore defaults")
        self.compare = CompareSection(napari_viewer, self.comparison_pair)
        parts = [
            self.settings,
            row(self.depth.button, self.add_model_button),
            self.depth.label,
            self.channel.warning,
            self.channel.use_button,
            row(self.run_button, self.apply_button, self.cancel_button),
            self.status,
            self.compare,
            self.defaults_button,
        ]
        body = Container(widgets=parts, labels=False)
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
        for name in ("depth_source", "depth_um", "side", "fusion", "model", "device", "backend",
                     *MICROSCOPE_DEFAULTS):  # fmt: skip
            s[name].changed.connect(self._request_preview)
        s.live_preview.changed.connect(self._request_preview)
        self.channel.use_button.changed.connect(lambda *_: self.channel.use(self.settings.model))
        self.add_model_button.changed.connect(lambda *_: self.model_list.add_dialog())
        self.run_button.changed.connect(lambda *_: self.run())
        self.apply_button.changed.connect(lambda *_: self.apply_to_stack())
        self.defaults_button.changed.connect(lambda *_: self.restore_defaults())
        self.viewer.dims.events.current_step.connect(self._on_dims_changed)
        self.model_list.attach(self.settings.model, self, lambda: quietly(self), self._sync_model)
        settle_dock(self.viewer, self, self.cancel)

    # -- choices ----------------------------------------------------------------------
    def depth_um(self) -> float:
        """The depth shown by the depth control, micrometres."""
        return float(self.settings.depth_um.value)

    def fusion(self) -> str:
        """The network family of the auto model: ``"unet"``, ``"sum"``, ``"concat"``, ``"nah"``."""
        return str(self.settings.fusion.value)

    @property
    def models(self) -> list[ModelEntry]:
        """The models offered (bundled, saved and session ones)."""
        return self.model_list.entries

    def model_choice(self) -> ModelEntry | None:
        """The model Run uses ("auto" resolved by depth, fusion and the image's channel)."""
        return self.model_list.choice(str(self.settings.model.value))

    @property
    def channel_message(self) -> str | None:
        """The channel warning (None when the model fits the image's channel)."""
        return self.channel.message

    def select_image(self, layer: Layer | None) -> None:
        """Choose the input layer (as a user would, without starting a preview)."""
        self.runner.committed = True
        with quietly(self):
            self.image.value = layer
        self._sync_all()

    def reset_choices(self, *_: Any) -> None:
        """Follow the layer list; keep preselecting the best image until one is chosen."""
        with quietly(self):
            super().reset_choices()
            if not self.runner.committed or self.image.value is None:
                model = self.model_choice()
                channel = None if model is None else model.channel
                active = self.viewer.layers.selection.active
                best = default_image(image_layers(self.viewer), active, channel)
                if best is not None:
                    self.image.value = best

    def restore_defaults(self) -> None:
        """Every setting back to :data:`DEFAULTS`."""
        with quietly(self):
            # the model first: a chosen model locks the network box to its own
            restore_defaults(self.settings, {"model": DEFAULTS["model"]})
            restore_defaults(self.settings, DEFAULTS)
        self._sync_all()

    # -- models -----------------------------------------------------------------------
    def add_model(self, path: Any) -> None:
        """Register a checkpoint folder and select it."""
        add_model(path)

    def refresh_models(self) -> None:
        """Re-read bundled, saved and session models."""
        self.model_list.refresh()

    # -- keeping consistent -----------------------------------------------------------
    def _sync_all(self, *_: Any) -> None:
        with quietly(self):
            self.depth.sync()
        self._sync_model()
        layer = self.image.value
        stack = layer is not None and layer.ndim > 2
        self.run_button.text = "Run slice" if stack else "Run"
        self.apply_button.visible = stack

    def _sync_model(self) -> None:
        """Relabel "auto → name", lock the network to a chosen model's, check the channel."""
        with quietly(self):
            self.settings.model.reset_choices()
            chosen = self.settings.model.value != AUTO_MODEL
            choice = self.model_choice()
            if chosen and choice is not None and choice.method in METHODS:
                self.settings.fusion.value = choice.method
            self.settings.fusion.enabled = not chosen
        self.channel.check(self.image.value, choice, self.models, self.depth_um(), self.fusion())

    def _on_depth_value(self, *_: Any) -> None:
        """Turning the depth knob by hand makes it the depth ("set here")."""
        moved_by_us = self._updating or self.depth.updating
        if not moved_by_us and self.settings.depth_source.value != "manual":
            with quietly(self):
                self.settings.depth_source.value = "manual"
        self._sync_model()

    def _on_image_changed(self, *_: Any) -> None:
        if not self._updating:
            self.runner.committed = True
        self._sync_all()
        current = self.compare.reference.value
        reference = default_reference(image_layers(self.viewer), self.image.value, current)
        if reference is not current:  # another field's size, or the channel's in-focus image
            self.compare.reference.value = reference
        self.compare.update_metrics()
        self._request_preview()

    def _on_dims_changed(self, *_: Any) -> None:
        layer = self.image.value
        if not is_alive(self.native) or layer is None or layer.ndim < 3:
            return
        self._sync_all()
        self.compare.update_metrics()
        result = find_result(self.viewer, layer)
        if result is None or result.metadata.get("plane") is not None:
            self._request_preview()  # only a slice was restored: preview the new slice

    # -- running ----------------------------------------------------------------------
    def build_job(self, whole_stack: bool = False, preview: bool = False) -> tuple:
        """Validate the choices: ``(layer, DeblurJob, current plane or None, model text)``."""
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
        side = str(self.settings.side.value)
        depth, recorded, sides = depth_request(layer, source, self.depth_um(), planes, side)
        chosen = self.settings.model.value != AUTO_MODEL
        device, backend = str(self.settings.device.value), str(self.settings.backend.value)
        views, phases = PASSES[str(self.settings.averaging.value)]
        job = DeblurJob(
            data=data, planes=planes, out_shape=shape, depth=depth, recorded=recorded, sides=sides,
            model=choice if chosen else None,  # None: the plan's choice per plane
            models=tuple(self.models), fusion=(choice.method if chosen else None) or self.fusion(),
            channel=channel_of(layer), device=device, preview=preview, backend=backend,
            microscope=layer_microscope(self.settings, layer),
            recorded_pixel_size_um=(layer.metadata or {}).get("pixel_size_um"),
            views=views, phases=phases,
        )  # fmt: skip
        name = choice.name if chosen else f"auto ({choice.name})"
        return layer, job, current, f"{name}, {runs_on(device, backend)}"

    def run(self) -> None:
        """Deblur the image (a stack: its current slice) in a worker thread."""
        self.runner.launch(whole_stack=False, preview=False)

    def apply_to_stack(self) -> None:
        """Deblur every plane of the image in a worker thread."""
        self.runner.launch(whole_stack=True, preview=False)

    def cancel(self) -> None:
        """Stop the running job after the current tile."""
        self.runner.cancel()

    def _request_preview(self, *_: Any) -> None:
        """Start (or restart) the debounce timer of the live preview."""
        if not self._updating:
            self.runner.request_preview()

    def _live(self) -> bool:
        return bool(self.settings.live_preview.value) and self.image.value is not None

    def _after_result(self, result: Any) -> None:
        self.depth.show_result(result)
        self.compare.update_metrics()

    def comparison_pair(self) -> ComparePair | None:
        """Raw and restored planes of the chosen input, or None before the first run."""
        return pair_for(self.viewer, self.image.value)
