"""The Deblur widget's model list: bundled, saved and session models, "auto", Add…."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from napari_defocus_deblur.widgets._common import is_alive, quietly, report_exception
from napari_defocus_deblur.widgets._deblur_form import (
    AUTO_MODEL,
    DEFAULTS,
    model_choice_list,
    resolve_model,
)
from napari_defocus_deblur.widgets._models import list_models
from napari_defocus_deblur.widgets._registry import registry

if TYPE_CHECKING:
    from napari_defocus_deblur.inference.catalogue import ModelEntry


class DeblurModels:
    """Mixed into :class:`~napari_defocus_deblur.widgets.deblur.DeblurWidget`."""

    models: list[ModelEntry]
    settings: Any
    image: Any
    native: Any

    def model_choice(self) -> ModelEntry | None:
        """The model Run uses ("auto" resolved by depth, fusion and the image's channel)."""
        value = str(self.settings.model.value)
        return resolve_model(self.models, value, self.depth_um(), self.fusion(), self.image.value)

    def _auto_model(self) -> ModelEntry | None:
        if "settings" not in self.__dict__:  # the form is being built: its defaults
            depth, fusion, layer = DEFAULTS["depth_um"], DEFAULTS["fusion"], None
        else:
            depth, fusion, layer = self.depth_um(), self.fusion(), self.image.value
        return resolve_model(self.models, AUTO_MODEL, depth, fusion, layer)

    def _model_choices(self, _widget: Any = None) -> list[tuple[str, str]]:
        return model_choice_list(self.models, self._auto_model() if self.models else None)

    def _load_models(self) -> None:
        try:
            self.models = list_models()
        except Exception as exc:
            self.models = []
            report_exception(exc, "Listing models")

    def refresh_models(self) -> None:
        """Re-read bundled, saved and session models."""
        self._load_models()
        with quietly(self):
            self.settings.model.reset_choices()
        self._sync_model()

    def add_model(self, path: Any) -> None:
        """Register a checkpoint folder and select it."""
        from napari_defocus_deblur.model.checkpoint import read_checkpoint_info

        try:
            read_checkpoint_info(path)
        except Exception as exc:
            report_exception(exc, "Adding a model")
            return
        registry.add(path)

    def _add_model_dialog(self) -> None:
        from qtpy.QtWidgets import QFileDialog

        path = QFileDialog.getExistingDirectory(self.native, "Checkpoint folder")
        if path:
            self.add_model(path)

    def _on_registry_changed(self, directories: tuple = ()) -> None:
        if not is_alive(self.native):
            registry.changed.disconnect(self._on_registry_changed)
            return
        self.refresh_models()
        if directories:  # select the newest session model
            wanted = str(directories[0])
            for model in self.models:
                if str(model.path.resolve()) == wanted:
                    self.settings.model.value = str(model.path)
