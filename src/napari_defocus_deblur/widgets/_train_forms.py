"""The settings block of the Train widget (network, run length, optimiser, crops)."""

from __future__ import annotations

from typing import Any

from qtpy.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QSpinBox,
    QStackedWidget,
    QWidget,
)

from napari_defocus_deblur.widgets._common import FolderEdit, LayerPicker


def _spin(low: int, high: int, value: int, step: int = 1, special: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setSingleStep(step)
    box.setValue(value)
    if special:
        box.setSpecialValueText(special)  # shown when the value is the minimum
    return box


class TrainSettings(QWidget):
    """Form rows for everything in ``TrainConfig`` a user is likely to change."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scales_spin = _spin(1, 5, 4)
        self.scales_spin.setToolTip("Sub-networks K (1 = plain U-Net); only from scratch")
        self.fusion_combo = QComboBox()
        self.fusion_combo.addItem("summation", "sum")
        self.fusion_combo.addItem("concatenation", "concat")
        self.width_spin = _spin(4, 64, 32, step=4)
        self.width_spin.setToolTip("Feature channels of the first U-Net level (paper: 32)")
        self.levels_spin = _spin(2, 5, 4)
        self.epochs_spin = _spin(1, 1000, 10)
        self.steps_spin = _spin(0, 10_000_000, 0, special="use epochs")
        self.steps_spin.setToolTip("Total optimisation steps; when set, Epochs is ignored")
        self.steps_spin.valueChanged.connect(lambda v: self.epochs_spin.setEnabled(v == 0))
        self.epoch_steps_spin = _spin(0, 100000, 0, special="auto (one pass)")
        self.epoch_steps_spin.setToolTip("Steps per epoch; auto covers the training pixels once")
        self.minutes_spin = QDoubleSpinBox()
        self.minutes_spin.setRange(0.0, 10000.0)
        self.minutes_spin.setDecimals(1)
        self.minutes_spin.setSpecialValueText("no limit")
        self.minutes_spin.setSuffix(" min")
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(6)
        self.lr_spin.setRange(1e-6, 1.0)
        self.lr_spin.setSingleStep(1e-4)
        self.lr_spin.setValue(1e-3)
        self.crop_spin = _spin(16, 1024, 64, step=16)
        self.crop_spin.setToolTip("Side of the random square training crops (pixels)")
        self.batch_spin = _spin(1, 256, 4)
        self.val_spin = QDoubleSpinBox()
        self.val_spin.setRange(0.01, 0.9)
        self.val_spin.setSingleStep(0.05)
        self.val_spin.setValue(0.25)
        self.val_spin.setToolTip("Share of fields held out for validation (split by field)")
        self.preview_spin = _spin(0, 100000, 20, special="every epoch")
        self.preview_spin.setToolTip("Refresh the preview layer every N steps")

        self.network_box = QGroupBox("Network (from scratch)")
        network = QFormLayout(self.network_box)
        network.addRow("Scales K", self.scales_spin)
        network.addRow("Fusion", self.fusion_combo)
        network.addRow("Base channels", self.width_spin)
        network.addRow("U-Net levels", self.levels_spin)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(self.network_box)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Total steps", self.steps_spin)
        form.addRow("Steps per epoch", self.epoch_steps_spin)
        form.addRow("Time budget", self.minutes_spin)
        form.addRow("Learning rate", self.lr_spin)
        form.addRow("Crop size", self.crop_spin)
        form.addRow("Batch", self.batch_spin)
        form.addRow("Validation fraction", self.val_spin)
        form.addRow("Preview every", self.preview_spin)

    def set_scratch(self, scratch: bool) -> None:
        """The network shape is shown (and used) only when training from scratch."""
        self.network_box.setVisible(scratch)

    def preview_every(self) -> int | None:
        """Steps between previews (None: at every epoch's checkpoint only)."""
        return self.preview_spin.value() or None

    def config_kwargs(self, scratch: bool) -> dict[str, Any]:
        """``TrainConfig`` keyword arguments for the current values."""
        kwargs: dict[str, Any] = {
            "epochs": None if self.steps_spin.value() else self.epochs_spin.value(),
            "steps": self.steps_spin.value() or None,
            "epoch_steps": self.epoch_steps_spin.value() or None,
            "max_minutes": self.minutes_spin.value() or None,
            "lr": float(self.lr_spin.value()),
            "crop": self.crop_spin.value(),
            "batch": self.batch_spin.value(),
            "val_fraction": float(self.val_spin.value()),
        }
        if scratch:
            kwargs.update(
                scales=self.scales_spin.value(),
                fusion=str(self.fusion_combo.currentData()),
                base_channels=self.width_spin.value(),
                levels=self.levels_spin.value(),
            )
        return kwargs


class DataSourceForm(QWidget):
    """Where training pairs come from: two image layers, or a folder on disk."""

    def __init__(self, viewer: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.source_combo = QComboBox()
        self.source_combo.addItem("image layers", "layers")
        self.source_combo.addItem("folder (BBBC006 or z-stacks)", "folder")
        self.oof_picker = LayerPicker(viewer)
        self.in_focus_picker = LayerPicker(viewer)
        self.folder_edit = FolderEdit(
            "Training data folder", placeholder="BBBC006 root or folder of z-stack TIFFs"
        )
        self.channel_spin = _spin(1, 2, 1)
        layers_page, folder_page = QWidget(), QWidget()
        layers_form = QFormLayout(layers_page)
        layers_form.setContentsMargins(0, 0, 0, 0)
        layers_form.addRow("Out of focus", self.oof_picker)
        layers_form.addRow("In focus", self.in_focus_picker)
        folder_form = QFormLayout(folder_page)
        folder_form.setContentsMargins(0, 0, 0, 0)
        folder_form.addRow("Folder", self.folder_edit)
        folder_form.addRow("Channel", self.channel_spin)
        pages = QStackedWidget()
        pages.addWidget(layers_page)
        pages.addWidget(folder_page)
        self.source_combo.currentIndexChanged.connect(pages.setCurrentIndex)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Data", self.source_combo)
        form.addRow(pages)

    def from_folder(self) -> bool:
        """True when the folder page is chosen."""
        return self.source_combo.currentData() == "folder"
