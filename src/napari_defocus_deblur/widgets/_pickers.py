"""Combo boxes for models (bundled + session, with an "auto" entry) and devices."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qtpy.QtWidgets import QComboBox, QWidget

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._common import is_alive, report_exception
from napari_defocus_deblur.widgets._models import (
    ModelChoice,
    detect_devices,
    list_models,
    nearest_model,
)
from napari_defocus_deblur.widgets._registry import registry

NO_MODEL_TEXT = "auto (no model installed: train or Add…)"


class ModelPicker(QComboBox):
    """ "auto → <nearest model>" followed by every known model; follows the registry.

    Parameters
    ----------
    context
        Returns the ``(depth_um, fusion)`` that "auto" resolves against.
    """

    def __init__(
        self, context: Callable[[], tuple[float, str]], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        self.models: list[ModelChoice] = []
        self.setToolTip("auto picks the bundled model closest to the depth")
        registry.changed.connect(self._on_registry_changed)
        self.destroyed.connect(lambda *_: registry.changed.disconnect(self._on_registry_changed))

    def choice(self) -> ModelChoice | None:
        """The chosen model; "auto" resolves to the nearest one (None: no model at all)."""
        index = self.currentData()
        if isinstance(index, int) and 0 <= index < len(self.models):
            return self.models[index]
        return nearest_model(self.models, *self._context())

    def is_auto(self) -> bool:
        """True when "auto" is chosen."""
        return self.currentData() is None

    def select(self, path_or_name: Any) -> None:
        """Choose a model by checkpoint path or name."""
        for i, choice in enumerate(self.models):
            if str(path_or_name) in (choice.name, str(choice.path)) or (
                isinstance(path_or_name, Path) and choice.path.resolve() == path_or_name
            ):
                self.setCurrentIndex(self.findData(i))
                return
        raise UserInputError(f"model {path_or_name} is not in the list")

    def refresh(self) -> None:
        """Re-read bundled, saved and session models, keeping the current choice."""
        if not is_alive(self):
            return
        previous = self.currentData()
        previous = self.models[previous].path if isinstance(previous, int) else None
        try:
            self.models = list_models()
        except Exception as exc:
            self.models = []
            report_exception(exc, "Listing models")
        self.blockSignals(True)
        self.clear()
        self.addItem("auto", None)
        for i, choice in enumerate(self.models):
            self.addItem(choice.label, i)
            if choice.path == previous:
                self.setCurrentIndex(i + 1)
        self.blockSignals(False)
        self.update_auto()

    def update_auto(self, *_: Any) -> None:
        """Name the model "auto" stands for."""
        best = nearest_model(self.models, *self._context())
        self.setItemText(0, f"auto → {best.name}" if best else NO_MODEL_TEXT)

    def _on_registry_changed(self, directories: tuple = ()) -> None:
        if not is_alive(self):
            registry.changed.disconnect(self._on_registry_changed)
            return
        self.refresh()
        if directories:  # select the newest session model
            with contextlib.suppress(UserInputError):  # unreadable: already reported
                self.select(Path(directories[0]))


class DevicePicker(QComboBox):
    """auto (showing what it resolves to), the GPUs PyTorch sees, and the CPU."""

    def __init__(self, show_missing_gpu: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        try:
            devices = detect_devices()
        except Exception as exc:  # torch missing or broken
            report_exception(exc, "Detecting devices")
            devices = [("auto", "auto"), ("CPU", "cpu")]
        for label, name in devices:
            missing = "none detected" in label
            if missing and not show_missing_gpu:
                continue
            self.addItem(label, name)
            if missing:  # listed so users see that no GPU was found, but not selectable
                self.model().item(self.count() - 1).setEnabled(False)

    def device(self) -> str:
        """``"auto"``, ``"cuda"``, ``"mps"`` or ``"cpu"``."""
        return str(self.currentData())
