"""The "Train deblur model" dock widget: data, settings, Start/Stop, live curves, preview."""

from __future__ import annotations

import datetime as _dt
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qtpy.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from napari_defocus_deblur.constants import PAPER_DEPTHS_UM
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._common import (
    FolderEdit,
    check_image_layer,
    is_alive,
    report_exception,
    show_info,
    show_warning,
)
from napari_defocus_deblur.widgets._models import layer_depth_um, list_models
from napari_defocus_deblur.widgets._pickers import DevicePicker
from napari_defocus_deblur.widgets._plot import TrainingPlot
from napari_defocus_deblur.widgets._registry import registry, user_models_dir
from napari_defocus_deblur.widgets._train_forms import DataSourceForm, TrainSettings

if TYPE_CHECKING:
    import napari


def default_output_dir() -> Path:
    """A fresh folder name in the user's model folder (``~/napari-defocus-deblur/models``)."""
    return user_models_dir() / _dt.datetime.now().strftime("model-%Y%m%d-%H%M%S")


class TrainWidget(QWidget):
    """Train or fine-tune a deblurring model on image layers or a data folder.

    Parameters
    ----------
    napari_viewer
        The viewer the widget is docked in (napari passes it).
    """

    def __init__(self, napari_viewer: napari.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = napari_viewer
        self.worker: Any = None
        self.stop_event: threading.Event | None = None
        self.last_checkpoint: Path | None = None
        self.last_state: Any = None
        self._source_layer: Any = None
        self.total_steps = -1

        self.data_form = DataSourceForm(napari_viewer)
        self.source_combo = self.data_form.source_combo
        self.oof_picker = self.data_form.oof_picker
        self.in_focus_picker = self.data_form.in_focus_picker
        self.folder_edit = self.data_form.folder_edit
        self.channel_spin = self.data_form.channel_spin

        self.depth_spin = QDoubleSpinBox()
        self.depth_spin.setRange(0.5, 200.0)
        self.depth_spin.setSuffix(" µm")
        self.depth_spin.setDecimals(1)
        self.depth_spin.setValue(float(max(PAPER_DEPTHS_UM)))
        self.init_combo = QComboBox()
        self.settings = TrainSettings()
        self.device_combo = DevicePicker(show_missing_gpu=False)
        self.output_edit = FolderEdit("Save the model in", str(default_output_dir()))

        form = QFormLayout()
        form.addRow(self.data_form)
        form.addRow("Defocus depth", self.depth_spin)
        form.addRow("Start from", self.init_combo)
        form.addRow(self.settings)
        form.addRow("Device", self.device_combo)
        form.addRow("Save to", self.output_edit)

        self.start_button = QPushButton("Start")
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.stop_button.setToolTip("Stop after the current step; a usable checkpoint is saved")
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.stop_button)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.plot = TrainingPlot()
        self._theme_plot()

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)

        self.start_button.clicked.connect(self.start)
        self.stop_button.clicked.connect(self.stop)
        self.oof_picker.currentIndexChanged.connect(self._on_oof_changed)
        self.init_combo.currentIndexChanged.connect(self._on_init_changed)
        registry.changed.connect(self._on_registry_changed)
        self.destroyed.connect(lambda *_: registry.changed.disconnect(self._on_registry_changed))
        self.refresh_init_models()
        self.choose_default_layers()

    # -- choices ----------------------------------------------------------------------
    def refresh_init_models(self) -> None:
        """Fill "Start from" with scratch + bundled and session models."""
        if not is_alive(self):
            return
        current = self.init_combo.currentData()
        self.init_combo.clear()
        self.init_combo.addItem("scratch (random weights)", "scratch")
        try:
            for choice in list_models():
                self.init_combo.addItem(choice.label, str(choice.path))
        except Exception as exc:
            report_exception(exc, "Listing models")
        index = self.init_combo.findData(current)
        self.init_combo.setCurrentIndex(max(index, 0))
        self._on_init_changed()

    def _on_init_changed(self, *_: Any) -> None:
        self.settings.set_scratch(self.init_combo.currentData() == "scratch")

    def _on_registry_changed(self, *_: Any) -> None:
        if not is_alive(self):
            registry.changed.disconnect(self._on_registry_changed)
            return
        self.refresh_init_models()

    def choose_default_layers(self) -> None:
        """Out of focus: the active or deepest defocused layer; in focus: its depth-0 twin."""
        active = self.viewer.layers.selection.active
        oof = active if (layer_depth_um(active) or 0) > 0 else None
        if oof is None:
            deep = [(layer_depth_um(ly) or 0, ly) for ly in self.oof_picker.layers()]
            deep = [pair for pair in deep if pair[0] > 0]
            oof = max(deep, key=lambda pair: pair[0])[1] if deep else None
        if oof is not None:
            self.oof_picker.set_layer(oof)
        self._on_oof_changed()

    def _on_oof_changed(self, *_: Any) -> None:
        oof = self.oof_picker.layer()
        depth = layer_depth_um(oof)
        if depth:
            self.depth_spin.setValue(depth)
        current = self.in_focus_picker.layer()
        if _is_twin(current, oof):
            return
        candidates = [ly for ly in self.in_focus_picker.layers() if not _same(ly, oof)]
        focused = [ly for ly in candidates if layer_depth_um(ly) == 0.0]
        twins = [ly for ly in focused if _same_channel(ly, oof)]
        best = (twins or focused or candidates or [None])[0]
        if best is not None:
            self.in_focus_picker.set_layer(best)

    def _theme_plot(self, *_: Any) -> None:
        try:
            from napari.utils.theme import get_theme

            theme = get_theme(self.viewer.theme)
            self.plot.set_theme(theme.background.as_hex(), theme.text.as_hex())
        except Exception:  # an unknown theme keeps matplotlib's colours
            return

    # -- running ----------------------------------------------------------------------
    def build_job(self) -> tuple[Any, Any]:
        """Validate the form: ``(source, TrainConfig)`` (raises ``UserInputError``)."""
        from napari_defocus_deblur.training import TrainConfig
        from napari_defocus_deblur.widgets._train_job import FolderSource, LayerSource

        if self.data_form.from_folder():
            text = self.folder_edit.text()
            if not text:
                raise UserInputError("choose the training data folder")
            source: Any = FolderSource(Path(text).expanduser(), self.channel_spin.value())
            self._source_layer = None
        else:
            oof_layer = self.oof_picker.layer()
            oof = check_image_layer(oof_layer, self.viewer, role="out-of-focus image")
            sharp = check_image_layer(
                self.in_focus_picker.layer(), self.viewer, role="in-focus image"
            )
            if _same(self.in_focus_picker.layer(), oof_layer):
                raise UserInputError("the out-of-focus and in-focus images are the same layer")
            if tuple(oof.shape) != tuple(sharp.shape):
                raise UserInputError(
                    f"'{oof_layer.name}' is {'x'.join(map(str, oof.shape))} but "
                    f"'{self.in_focus_picker.layer().name}' is "
                    f"{'x'.join(map(str, sharp.shape))}; they must show the same field"
                )
            source = LayerSource(oof, sharp)
            self._source_layer = oof_layer
        output = self.output_edit.text()
        if not output:
            raise UserInputError("choose where to save the model")
        init = str(self.init_combo.currentData() or "scratch")
        config = TrainConfig(
            output_dir=Path(output).expanduser(),
            depth_um=self.depth_spin.value(),
            init=init,
            device=self.device_combo.device(),
            **self.settings.config_kwargs(scratch=init == "scratch"),
        )
        return source, config

    def start(self) -> None:
        """Start training in a worker thread (errors become notifications)."""
        if self.worker is not None:
            show_warning("training is already running; Stop it first")
            return
        try:
            source, config = self.build_job()
        except Exception as exc:
            report_exception(exc, "Training")
            return
        from napari.qt.threading import create_worker

        from napari_defocus_deblur.widgets._train_job import run_train_job

        self.stop_event = threading.Event()
        self.plot.clear()
        self.last_checkpoint = self.last_state = None
        worker = create_worker(
            run_train_job,
            source,
            config,
            self.stop_event,
            self.settings.preview_every(),
            _start_thread=False,
            _ignore_errors=True,
        )
        worker.yielded.connect(self._on_event)
        worker.errored.connect(lambda exc: report_exception(exc, "Training"))
        worker.finished.connect(self._on_finished)
        self.worker = worker
        self.start_button.setEnabled(False)
        self.stop_button.setEnabled(True)
        self.status.setText(f"loading data, saving to {config.output_dir}…")
        worker.start()

    def stop(self) -> None:
        """Ask the engine to stop after the current step (it saves a checkpoint)."""
        if self.stop_event is not None:
            self.stop_event.set()
            self.stop_button.setEnabled(False)
            self.status.setText("stopping: saving a checkpoint…")

    def _on_event(self, event: Any) -> None:
        from napari_defocus_deblur.widgets._train_events import handle_event

        handle_event(self, event)

    def _on_finished(self) -> None:
        self.worker = None
        self.stop_event = None
        if not is_alive(self):
            return
        self.start_button.setEnabled(True)
        self.stop_button.setEnabled(False)
        if self.last_checkpoint is not None:
            self.output_edit.setText(str(default_output_dir()))

    def model_finished(self, checkpoint: Path, state_text: str) -> None:
        """Register the new checkpoint so Deblur widgets list it at once."""
        self.last_checkpoint = Path(checkpoint)
        registry.add(checkpoint)
        show_info(f"training {state_text}: model saved to {checkpoint}")

    def closeEvent(self, event: Any) -> None:  # Qt override
        """Stop training when the dock closes (the checkpoint is still written)."""
        self.stop()
        super().closeEvent(event)


def _same(a: Any, b: Any) -> bool:
    """Same layer (compared by name: the viewer hands widgets fresh proxies)."""
    return a is not None and b is not None and a.name == b.name


def _is_twin(candidate: Any, oof: Any) -> bool:
    """An in-focus layer of the same channel as ``oof`` (and not ``oof`` itself)."""
    return (
        candidate is not None
        and not _same(candidate, oof)
        and layer_depth_um(candidate) == 0.0
        and _same_channel(candidate, oof)
    )


def _same_channel(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    return a.metadata.get("channel", 1) == b.metadata.get("channel", 1)
