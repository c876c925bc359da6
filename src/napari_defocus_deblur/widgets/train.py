"""The "Train deblur model" dock widget (magicgui): fine-tune (or train) on image layers
or a folder, with Start/Stop/Resume, live curves and a preview on the data."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from magicgui.widgets import Container, Label, PushButton

from napari_defocus_deblur.widgets._common import (
    is_alive,
    quietly,
    report_exception,
    settle_dock,
    show_info,
    show_warning,
)
from napari_defocus_deblur.widgets._layout import row, scroll_wrap, word_wrap
from napari_defocus_deblur.widgets._models import device_choices, layer_depth_um, list_models
from napari_defocus_deblur.widgets._plot import TrainingPlot
from napari_defocus_deblur.widgets._registry import registry
from napari_defocus_deblur.widgets._settings import form_values, restore_defaults
from napari_defocus_deblur.widgets._train_choices import DataChoice
from napari_defocus_deblur.widgets._train_events import handle_event
from napari_defocus_deblur.widgets._train_folder import FOLDER_KEYS, FolderPairing
from napari_defocus_deblur.widgets._train_form import (
    DEFAULTS,
    START_AUTO,
    _home,
    build_forms,
    make_config,
    output_dir,
    resolve_start,
    start_choice_list,
)

if TYPE_CHECKING:
    import napari

ADVANCED_SHOW, ADVANCED_HIDE = "Advanced settings ▸", "Advanced settings ▾"


class TrainWidget(Container):
    """Fine-tune (by default) or train a deblurring model on image layers or a folder.

    Parameters
    ----------
    napari_viewer
        The viewer the widget is docked in (napari passes it).
    """

    def __init__(self, napari_viewer: napari.Viewer) -> None:
        self.viewer = napari_viewer
        self._updating = False
        self.worker: Any = None
        self.stop_event: threading.Event | None = None
        self.last_checkpoint: Path | None = None
        self.last_state: Any = None
        self.last_config: Any = None
        self.last_source: Any = None
        self._source_layer: Any = None
        self.total_steps = -1
        self.models = list_models()
        self.form: Any = None
        self.choice: DataChoice | None = None
        self.form, self.advanced = build_forms(self._start_choices, device_choices())
        self.choice = DataChoice(napari_viewer, self._depth, self._on_data_changed)
        self.oof, self.in_focus = self.choice.oof, self.choice.in_focus
        for position, widget in enumerate(self.choice.widgets, start=1):
            self.form.insert(position, widget)
        self.pairing = FolderPairing(self.form)
        self.form.insert(self.form.index(self.form.side) + 1, self.pairing.info)
        self.advanced_button = PushButton(text=ADVANCED_SHOW)
        self.start_button = PushButton(text="Start")
        self.stop_button = PushButton(text="Stop", enabled=False)
        self.stop_button.tooltip = "Stop after the current step; a usable checkpoint is saved"
        self.resume_button = PushButton(text="Resume", enabled=False)
        self.resume_button.tooltip = "Continue the stopped run where it ended"
        self.defaults_button = PushButton(text="Restore defaults")
        self.status = word_wrap(Label(value="Start fine-tunes the model on your pairs."))
        self.plot = TrainingPlot()
        body = Container(
            widgets=[
                self.form,
                self.advanced_button,
                self.advanced,
                row(self.start_button, self.stop_button, self.resume_button),
                self.status,
                self.defaults_button,
            ],
            labels=False,
        )
        layout = body.native.layout()  # Qt only for the plot, above Restore defaults
        layout.insertWidget(layout.indexOf(self.defaults_button.native), self.plot)
        super().__init__(widgets=[body], labels=False)
        self.margins = (0, 0, 0, 0)
        scroll_wrap(self, body)
        self.advanced.visible = False
        self.plot.follow_theme(self.viewer)
        self._connect()
        self.choose_default_layers()
        self._sync_forms()

    def _connect(self) -> None:
        self.start_button.changed.connect(lambda *_: self.start())
        self.stop_button.changed.connect(lambda *_: self.stop())
        self.resume_button.changed.connect(lambda *_: self.resume())
        self.defaults_button.changed.connect(lambda *_: self.restore_defaults())
        self.advanced_button.changed.connect(lambda *_: self.toggle_advanced())
        self.form.data.changed.connect(lambda *_: self._sync_forms())
        self.form.start_from.changed.connect(lambda *_: self._sync_forms())
        for box in (self.form.channel, self.form.depth_um):
            box.changed.connect(lambda *_: self._relabel_start())
        self.form.depth_um.changed.connect(self.choice.stack.refresh)
        registry.changed.connect(self._on_registry_changed)
        settle_dock(self.viewer, self, self.stop)

    # -- form state -------------------------------------------------------------------
    def toggle_advanced(self) -> None:
        """Show or hide the advanced settings."""
        show = not self.advanced_shown
        self.advanced.visible = show
        self.advanced_button.text = ADVANCED_HIDE if show else ADVANCED_SHOW

    @property
    def advanced_shown(self) -> bool:
        """True while the advanced settings are unfolded."""
        return self.advanced_button.text == ADVANCED_HIDE

    def from_folder(self) -> bool:
        """True when the data come from a folder."""
        return self.form.data.value == "folder"

    def restore_defaults(self) -> None:
        """Every setting back to :data:`DEFAULTS`."""
        for form in (self.form, self.advanced):
            restore_defaults(form, DEFAULTS)
        self._sync_forms()

    # -- data and start model -----------------------------------------------------------
    def choose_default_layers(self) -> None:
        """Preselect the data: a z-stack, or a defocused image and its in-focus twin."""
        self.choice.preselect(self._bundled_channel())

    def _depth(self) -> float:
        return float(self.form.depth_um.value)

    def _bundled_channel(self) -> int | None:
        bundled = [m.channel for m in self.models if m.bundled and m.channel is not None]
        return bundled[0] if bundled else None

    def data_channel(self) -> int | None:
        """The channel of the training data (folder setting, or the layer's channel)."""
        if self.from_folder():
            return int(self.form.channel.value)
        return self.choice.channel()

    def reset_choices(self, *_: Any) -> None:
        """Follow the layer list, then keep the data choice sensible."""
        with quietly(self):
            super().reset_choices()
        if self.choice is not None:
            self.choice.after_reset(self._bundled_channel())

    def _on_data_changed(self) -> None:
        """A new data layer: its recorded distance becomes the depth (a pair's)."""
        depth = None if self.choice.stack.active else layer_depth_um(self.oof.value)
        if depth:
            self.form.depth_um.value = min(max(depth, 0.5), 200.0)
        self._sync_forms()

    def _start_choices(self, _widget: Any = None) -> list[tuple[str, str]]:
        form = self.form  # None while the form itself is being built
        depth = float(form.depth_um.value) if form is not None else DEFAULTS["depth_um"]
        channel = self.data_channel() if self.choice is not None else None
        path = resolve_start(self.models, START_AUTO, depth, channel)
        auto = next((m for m in self.models if str(m.path) == path), None)
        return start_choice_list(self.models, auto)

    def _relabel_start(self) -> None:
        with quietly(self):
            self.form.start_from.reset_choices()

    def _sync_forms(self) -> None:
        folder = self.from_folder()
        for widget in (*(self.form[key] for key in FOLDER_KEYS), self.pairing.info):
            widget.visible = folder
        self.choice.sync(folder)
        scratch = self.init() == "scratch"
        for key in ("scales", "fusion", "base_channels", "levels"):
            self.advanced[key].visible = scratch
        self._relabel_start()

    def output_folder(self) -> Path:
        """Where Start saves the model (a fresh folder when "Save to" is empty)."""
        return output_dir(self.advanced.output.value)

    def init(self) -> str:
        """``TrainConfig.init`` of the chosen start ("auto": the bundled model)."""
        value = str(self.form.start_from.value)
        depth = float(self.form.depth_um.value)
        return resolve_start(self.models, value, depth, self.data_channel())

    # -- running ----------------------------------------------------------------------
    def build_job(self) -> tuple[Any, Any]:
        """Validate the form: ``(source, TrainConfig)`` (raises ``UserInputError``)."""
        depth = None
        if self.from_folder():
            source, self._source_layer = self.pairing.source(), None
        else:  # depth: a z-stack's paired plane's distance, else None (the form's)
            source, self._source_layer, depth = self.choice.source()
        values = form_values(self.form, self.advanced)
        return source, make_config(values, self.init(), depth)

    def start(self, resume: tuple[Any, Any] | None = None) -> None:
        """Start training in a worker thread (errors become notifications).

        ``resume``: the ``(source, config)`` of a stopped run to continue.
        """
        if self.worker is not None:
            show_warning("training is already running; Stop it first")
            return
        try:
            source, config = resume or self.build_job()
        except Exception as exc:
            report_exception(exc, "Training")
            return
        from napari.qt.threading import create_worker

        from napari_defocus_deblur.widgets._train_job import run_train_job

        self.stop_event = threading.Event()
        self.plot.clear()
        self.last_checkpoint = self.last_state = None
        self.last_config, self.last_source = config, source
        preview = int(self.advanced.preview_every.value) or None
        worker = create_worker(
            run_train_job, source, config, self.stop_event, preview,
            _start_thread=False, _ignore_errors=True,
        )  # fmt: skip
        worker.yielded.connect(lambda event: handle_event(self, event))
        worker.errored.connect(lambda exc: report_exception(exc, "Training"))
        worker.finished.connect(self._on_finished)
        self.worker = worker
        self.start_button.enabled = self.resume_button.enabled = False
        self.stop_button.enabled = True
        self.status.value = f"loading data, saving to {_home(config.output_dir)}…"
        worker.start()

    def resume(self) -> None:
        """Continue the last stopped run from its checkpoint."""
        if self.last_config is None:
            return
        config = replace(self.last_config, resume=True, overwrite=False)
        self.start((self.last_source, config))

    def stop(self) -> None:
        """Ask the engine to stop after the current step (it saves a checkpoint)."""
        if self.stop_event is not None:
            self.stop_event.set()
            if not is_alive(self.native):  # the dock was closed: the run still stops
                return
            self.stop_button.enabled = False
            self.status.value = "stopping: saving a checkpoint…"

    def _on_finished(self) -> None:
        from napari_defocus_deblur.training import TrainState

        self.worker = None
        self.stop_event = None
        if not is_alive(self.native):
            return
        self.start_button.enabled = True
        self.stop_button.enabled = False
        self.resume_button.enabled = self.last_state is TrainState.STOPPED

    def model_finished(
        self, checkpoint: Path, state_text: str, outcome: str = "", below_start: bool = False
    ) -> None:
        """Register the new checkpoint so Deblur widgets list it at once; say what it
        scores (a warning when it validates below the model it started from)."""
        self.last_checkpoint = Path(checkpoint)
        registry.add(checkpoint)
        message = f"training {state_text}: model saved to {checkpoint}"
        message += f"; {outcome}" if outcome else ""
        (show_warning if below_start else show_info)(message)

    def _on_registry_changed(self, *_: Any) -> None:
        if not is_alive(self.native):
            registry.changed.disconnect(self._on_registry_changed)
            return
        self.models = list_models()
        with quietly(self):
            self.form.start_from.reset_choices()
