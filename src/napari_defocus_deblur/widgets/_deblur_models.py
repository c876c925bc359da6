"""The Deblur widget's model list: bundled, saved and session models, "auto", Add…."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from napari_defocus_deblur.widgets._common import is_alive, report_exception
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

#: ``(depth µm, fusion, image layer)`` the "auto" entry is resolved for.
Context = Callable[[], tuple[float, str, Any]]


def _defaults() -> tuple[float, str, Any]:
    return float(DEFAULTS["depth_um"]), str(DEFAULTS["fusion"]), None


class ModelList:
    """The models the Deblur widget offers, and which one a box value stands for.

    Parameters
    ----------
    context
        Returns ``(depth, fusion, image layer)`` for "auto"; until the widget's form
        exists (its model box is built from :meth:`choices`), the DEFAULTS table's.
    """

    def __init__(self, context: Context = _defaults) -> None:
        self.context = context
        self.entries: list[ModelEntry] = []
        self.load()

    def load(self) -> None:
        """Re-read bundled, saved and session models (a failure is one notification)."""
        try:
            self.entries = list_models()
        except Exception as exc:
            self.entries = []
            report_exception(exc, "Listing models")

    def choice(self, value: str) -> ModelEntry | None:
        """The model of a box value ("auto": by depth, fusion and the image's channel)."""
        depth, fusion, layer = self.context()
        return resolve_model(self.entries, value, depth, fusion, layer)

    def choices(self, _widget: Any = None) -> list[tuple[str, str]]:
        """The model box's entries: "auto → name", then every model."""
        auto = self.choice(AUTO_MODEL) if self.entries else None
        return model_choice_list(self.entries, auto)

    def attach(self, box: Any, owner: Any, quiet: Callable[[], Any], changed: Callable) -> None:
        """Follow the session's registry: re-list into the model ``box`` (inside
        ``quiet()``), then call ``changed``; stop when ``owner`` (a widget) is deleted."""
        self.box, self.owner, self.quiet, self.changed = box, owner, quiet, changed
        registry.changed.connect(self._on_registry_changed)

    def refresh(self) -> None:
        """Re-read the models and re-list them in the box."""
        self.load()
        with self.quiet():
            self.box.reset_choices()
        self.changed()

    def add_dialog(self) -> None:
        """Ask for a checkpoint folder and add it."""
        from qtpy.QtWidgets import QFileDialog

        path = QFileDialog.getExistingDirectory(self.owner.native, "Checkpoint folder")
        if path:
            add_model(path)

    def _on_registry_changed(self, directories: tuple = ()) -> None:
        if not is_alive(self.owner.native):
            registry.changed.disconnect(self._on_registry_changed)
            return
        self.refresh()
        newest = self.find(str(directories[0])) if directories else None
        if newest is not None:  # select the newest session model
            self.box.value = str(newest.path)

    def find(self, directory: str) -> ModelEntry | None:
        """The entry whose folder is ``directory`` (resolved), or None."""
        for model in self.entries:
            if str(model.path.resolve()) == str(directory):
                return model
        return None


def add_model(path: Any) -> None:
    """Register a checkpoint folder for this session (a bad folder: one notification)."""
    from napari_defocus_deblur.model.checkpoint import read_checkpoint_info

    try:
        read_checkpoint_info(path)
    except Exception as exc:
        report_exception(exc, "Adding a model")
        return
    registry.add(path)
