"""The "Deblur" dock widget: pick an image, a depth/model and device, run, compare."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from qtpy.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from napari_defocus_deblur.constants import PAPER_DEPTHS_UM
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._common import (
    LayerPicker,
    check_image_layer,
    current_plane_index,
    is_alive,
    report_exception,
    show_info,
    show_warning,
)
from napari_defocus_deblur.widgets._compare import ComparePair, CompareSection
from napari_defocus_deblur.widgets._deblur_job import DeblurJob, PlaneProgress, plane_indices
from napari_defocus_deblur.widgets._models import (
    ModelChoice,
    layer_depth_um,
    nearest_model,
    plane_depths_um,
)
from napari_defocus_deblur.widgets._pickers import DevicePicker, ModelPicker
from napari_defocus_deblur.widgets._registry import registry
from napari_defocus_deblur.widgets._results import find_result, show_result

if TYPE_CHECKING:
    import napari
    from napari.layers import Layer

FUSIONS = (("summation", "sum"), ("concatenation", "concat"))
META = "metadata"


class DeblurWidget(QWidget):
    """Deblur an image layer with a head-to-tail U-Net and compare with the original.

    Parameters
    ----------
    napari_viewer
        The viewer the widget is docked in (napari passes it).
    """

    def __init__(self, napari_viewer: napari.Viewer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewer = napari_viewer
        self.worker: Any = None
        self.progress: Any = None

        self.layer_picker = LayerPicker(napari_viewer)
        self.depth_combo = QComboBox()
        for depth in PAPER_DEPTHS_UM:
            self.depth_combo.addItem(f"{depth} µm", float(depth))
        self.depth_combo.setCurrentIndex(len(PAPER_DEPTHS_UM) - 1)
        self.fusion_combo = QComboBox()
        for label, value in FUSIONS:
            self.fusion_combo.addItem(label, value)
        self.model_combo = ModelPicker(lambda: (self.depth_um(), self.fusion()))
        self.add_model_button = QPushButton("Add…")
        self.add_model_button.setToolTip("Add a checkpoint folder (config.json + safetensors)")
        self.device_combo = DevicePicker()
        self.planes_combo = QComboBox()
        self.planes_combo.addItem("current slice", "slice")
        self.planes_combo.addItem("whole stack", "stack")
        self.run_button = QPushButton("Run")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.compare = CompareSection(napari_viewer, self.comparison_pair)

        model_row = QHBoxLayout()
        model_row.addWidget(self.model_combo, 1)
        model_row.addWidget(self.add_model_button)
        form = QFormLayout()
        form.addRow("Image", self.layer_picker)
        form.addRow("Defocus depth", self.depth_combo)
        form.addRow("Fusion", self.fusion_combo)
        form.addRow("Model", model_row)
        form.addRow("Device", self.device_combo)
        form.addRow("Planes", self.planes_combo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        box = QGroupBox("Compare")
        QVBoxLayout(box).addWidget(self.compare)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(box)
        layout.addStretch(1)

        self.layer_picker.currentIndexChanged.connect(self._on_layer_changed)
        self.depth_combo.currentIndexChanged.connect(self._update_auto_model)
        self.fusion_combo.currentIndexChanged.connect(self._update_auto_model)
        self.add_model_button.clicked.connect(self._add_model_folder)
        self.run_button.clicked.connect(self.run)
        self.cancel_button.clicked.connect(self.cancel)
        napari_viewer.dims.events.current_step.connect(self._on_dims_changed)

        self.refresh_models()
        self._on_layer_changed()

    # -- choices ----------------------------------------------------------------------
    def depth_um(self) -> float:
        """The chosen defocus depth in micrometres."""
        data = self.depth_combo.currentData()
        return float(data[1]) if isinstance(data, tuple) else float(data)

    def fusion(self) -> str:
        """``"sum"`` or ``"concat"``."""
        return str(self.fusion_combo.currentData())

    def model_choice(self) -> ModelChoice | None:
        """The model that Run will use (auto resolves to the nearest bundled model)."""
        return self.model_combo.choice()

    @property
    def _models(self) -> list[ModelChoice]:
        return self.model_combo.models

    def refresh_models(self) -> None:
        """Re-read bundled, saved and session models."""
        self.model_combo.refresh()

    def _update_auto_model(self, *_: Any) -> None:
        self.model_combo.update_auto()

    def _add_model_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Checkpoint folder")
        if path:
            self.add_model(path)

    def add_model(self, path: Any) -> None:
        """Register a checkpoint folder and select it."""
        from napari_defocus_deblur.model.checkpoint import read_checkpoint_info

        try:
            read_checkpoint_info(path)
        except Exception as exc:
            report_exception(exc, "Adding a model")
            return
        registry.add(path)

    def _on_layer_changed(self, *_: Any) -> None:
        layer = self.layer_picker.layer()
        meta = self._metadata_depth(layer)
        has_meta = isinstance(self.depth_combo.itemData(0), tuple)
        was_meta = has_meta and self.depth_combo.currentIndex() == 0
        self.depth_combo.blockSignals(True)
        if has_meta:
            self.depth_combo.removeItem(0)
        if meta is not None:
            self.depth_combo.insertItem(0, f"from metadata ({meta:g} µm)", (META, meta))
            if was_meta or not has_meta:
                self.depth_combo.setCurrentIndex(0)
        elif was_meta:
            self.depth_combo.setCurrentIndex(len(PAPER_DEPTHS_UM) - 1)
        self.depth_combo.blockSignals(False)
        self.planes_combo.setEnabled(layer is not None and layer.ndim > 2)
        self._update_auto_model()
        self.compare.update_metrics()

    def _metadata_depth(self, layer: Layer | None) -> float | None:
        if layer is None:
            return None
        index = current_plane_index(layer, self.viewer) if layer.ndim > 2 else None
        return layer_depth_um(layer, index)

    def _on_dims_changed(self, *_: Any) -> None:
        if not is_alive(self):
            return
        layer = self.layer_picker.layer()
        if layer is None or layer.ndim < 3:
            return
        if plane_depths_um(layer) is not None:
            self._on_layer_changed()  # the depth (and auto model) follow the plane
        else:
            self.compare.update_metrics()  # metrics are for the plane shown

    # -- running ----------------------------------------------------------------------
    def build_job(self) -> tuple[Layer, DeblurJob, tuple[int, ...] | None]:
        """Validate the choices and describe the job (raises ``UserInputError``)."""
        layer = self.layer_picker.layer()
        data = check_image_layer(layer, self.viewer, role="input")
        choice = self.model_choice()
        if choice is None:
            raise UserInputError(
                "no deblurring model is installed: train one with 'Train deblur model' "
                "or Add… a checkpoint folder"
            )
        current = None
        if data.ndim > 2 and self.planes_combo.currentData() == "slice":
            current = current_plane_index(layer, self.viewer)
        planes = plane_indices(data.shape, current)
        shape = tuple(data.shape) if current is None else (1,) * len(current) + data.shape[-2:]
        choices = [choice] * len(planes)
        per_plane = plane_depths_um(layer)
        from_meta = isinstance(self.depth_combo.currentData(), tuple)
        if per_plane is not None and from_meta and self.model_combo.is_auto():
            depths = [per_plane[index[-1]] for index in planes]
            choices = [nearest_model(self._models, d, self.fusion()) or choice for d in depths]
        job = DeblurJob(
            data=data,
            planes=planes,
            out_shape=shape,
            models=tuple(c.path for c in choices),
            depths_um=tuple(
                c.depth_um if c.depth_um is not None else self.depth_um() for c in choices
            ),
            fusion=choice.fusion or self.fusion(),
            device=self.device_combo.device(),
        )
        return layer, job, current

    def run(self) -> None:
        """Start deblurring in a worker thread (errors become notifications)."""
        if self.worker is not None:
            show_warning("deblurring is already running; wait or Cancel")
            return
        try:
            layer, job, current = self.build_job()
        except Exception as exc:
            report_exception(exc, "Deblur")
            return
        from napari.qt.threading import create_worker
        from napari.utils import progress

        from napari_defocus_deblur.widgets._deblur_job import run_job

        self.progress = progress(total=1000, desc=f"Deblurring {layer.name}")
        worker = create_worker(run_job, job, _start_thread=False, _ignore_errors=True)
        worker.yielded.connect(self._on_progress)
        worker.returned.connect(lambda result: self._on_returned(layer, job, current, result))
        worker.errored.connect(lambda exc: report_exception(exc, "Deblur"))
        worker.aborted.connect(lambda: show_info("deblurring cancelled"))
        worker.finished.connect(self._on_finished)
        self.worker = worker
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        names = ", ".join(sorted({p.name for p in job.models}))
        self.status.setText(f"deblurring {layer.name} with {names} on {job.device}…")
        worker.start()

    def cancel(self) -> None:
        """Stop the running job after the current tile."""
        if self.worker is not None:
            self.status.setText("cancelling…")
            self.worker.quit()

    def _on_progress(self, event: PlaneProgress) -> None:
        bar = self.progress
        if bar is None:
            return
        if event.planes > 1:
            bar.set_description(f"Deblurring plane {event.plane + 1}/{event.planes}")
        value = round(event.fraction * 1000)
        if value > bar.n:
            bar.update(value - bar.n)

    def _on_returned(
        self, layer: Layer, job: DeblurJob, current: tuple[int, ...] | None, result: np.ndarray
    ) -> None:
        if layer not in self.viewer.layers:
            show_warning(f"'{layer.name}' was removed while it was being deblurred")
            return
        out = show_result(self.viewer, layer, result, job, current)
        self.status.setText(f"added '{out.name}'")
        self.compare.update_metrics()

    def _on_finished(self) -> None:
        if self.progress is not None:
            self.progress.close()
            self.progress = None
        self.worker = None
        if is_alive(self):
            self.run_button.setEnabled(True)
            self.cancel_button.setEnabled(False)
            if self.status.text().endswith("…"):
                self.status.setText("")

    # -- compare ----------------------------------------------------------------------
    def comparison_pair(self) -> ComparePair | None:
        """Raw and restored planes of the chosen input, or None before the first run."""
        raw_layer = self.layer_picker.layer()
        restored = find_result(self.viewer, raw_layer) if raw_layer is not None else None
        if restored is None or raw_layer is None:
            return None
        raw_data = raw_layer.data[0] if raw_layer.multiscale else raw_layer.data
        out = np.asarray(restored.data)
        if raw_data.ndim == 2:
            return ComparePair(
                np.asarray(raw_data), out.reshape(raw_data.shape), raw_layer, restored
            )
        plane = restored.metadata.get("plane")
        index = tuple(plane) if plane is not None else current_plane_index(raw_layer, self.viewer)
        restored_plane = out.reshape(out.shape[-2:]) if plane is not None else out[index]
        return ComparePair(np.asarray(raw_data[index]), restored_plane, raw_layer, restored, index)

    def closeEvent(self, event: Any) -> None:  # Qt override
        """Cancel a running job when the dock closes."""
        self.cancel()
        super().closeEvent(event)
