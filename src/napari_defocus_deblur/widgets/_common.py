"""Qt helpers shared by the dock widgets: layer pickers, notifications, input checks.

Nothing here imports torch; the core is imported inside the functions that need it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
from qtpy.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QWidget

from napari_defocus_deblur.errors import UserInputError

if TYPE_CHECKING:
    import napari
    from napari.layers import Layer

logger = logging.getLogger(__name__)

#: Smallest image side the networks accept (``model.MIN_SIZE``, kept here to avoid torch).
MIN_SIDE = 16
NO_LAYER_HINT = "open an image or load File > Open Sample > Defocus Deblur"


def show_error(message: str) -> None:
    """A red napari notification (looked up at call time so tests can intercept it)."""
    from napari.utils import notifications

    notifications.show_error(message)


def show_warning(message: str) -> None:
    """A yellow napari notification."""
    from napari.utils import notifications

    notifications.show_warning(message)


def show_info(message: str) -> None:
    """A neutral napari notification."""
    from napari.utils import notifications

    notifications.show_info(message)


def one_line(text: str) -> str:
    """Collapse whitespace so a message fits one notification line."""
    return " ".join(str(text).split())


def report_exception(exc: BaseException, action: str) -> None:
    """Turn an exception from the core or a worker into one notification, no traceback.

    ``UserInputError`` (and ``CheckpointError``) messages are complete sentences and are
    shown as they are; anything else is prefixed with ``action`` and its type, and the
    traceback goes to the log for developers.
    """
    if isinstance(exc, UserInputError):
        show_error(one_line(str(exc)))
        return
    if isinstance(exc, (OSError, MemoryError)):
        show_error(f"{action} failed: {one_line(str(exc)) or type(exc).__name__}")
        return
    logger.error("%s failed", action, exc_info=(type(exc), exc, exc.__traceback__))
    show_error(f"{action} failed ({type(exc).__name__}): {one_line(str(exc))}")


def is_alive(widget: QWidget) -> bool:
    """False once the C++ side of a Qt widget has been deleted."""
    try:
        widget.objectName()
    except RuntimeError:
        return False
    return True


class FolderEdit(QWidget):
    """A line edit for a folder path with a "…" button opening a folder dialog."""

    def __init__(self, title: str, text: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.edit = QLineEdit(text)
        self.edit.setPlaceholderText(placeholder)
        browse = QPushButton("…")
        browse.setMaximumWidth(32)
        browse.clicked.connect(self._browse)
        self._title = title
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(browse)

    def text(self) -> str:
        """The path as typed (stripped)."""
        return self.edit.text().strip()

    def setText(self, text: str) -> None:  # Qt naming, like QLineEdit
        """Replace the path."""
        self.edit.setText(text)

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self._title, self.text())
        if path:
            self.edit.setText(path)


class LayerPicker(QComboBox):
    """A combo box listing the viewer's layers of some types, kept in sync with the viewer.

    Parameters
    ----------
    viewer
        The napari viewer.
    layer_types
        Layer classes to list (default: ``napari.layers.Image``).
    none_text
        If given, a first entry with this text meaning "no layer".
    """

    def __init__(
        self,
        viewer: napari.Viewer,
        layer_types: tuple[type, ...] | None = None,
        none_text: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        from napari.layers import Image

        self._viewer = viewer
        self._types = layer_types or (Image,)
        self._none_text = none_text
        self.setMinimumContentsLength(12)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        events = viewer.layers.events
        for event in (events.inserted, events.removed, events.moved, events.reordered):
            event.connect(self._on_layers_changed)
        self.destroyed.connect(self._disconnect_all)
        self._watched: list[Any] = []
        self.refresh()

    # -- public -----------------------------------------------------------------------
    def layers(self) -> list[Layer]:
        """Layers of the accepted types, top of the layer list first."""
        return [ly for ly in reversed(self._viewer.layers) if isinstance(ly, self._types)]

    def layer(self) -> Layer | None:
        """The chosen layer, or None."""
        name = self.currentData()
        if not name:
            return None
        try:
            layer = self._viewer.layers[name]
        except KeyError:
            return None
        return layer if isinstance(layer, self._types) else None

    def set_layer(self, layer: Layer | str | None) -> None:
        """Choose ``layer`` (a layer or its name; None chooses the "none" entry)."""
        name = getattr(layer, "name", layer)
        index = self.findData(name) if name is not None else self.findData("")
        if index >= 0:
            self.setCurrentIndex(index)

    def refresh(self) -> None:
        """Rebuild the list, keeping the current choice when it still exists."""
        if not is_alive(self):
            return
        current = self.currentData()
        self.blockSignals(True)
        self.clear()
        if self._none_text is not None:
            self.addItem(self._none_text, "")
        for layer in self.layers():
            self.addItem(layer.name, layer.name)
        self._watch_names()
        index = self.findData(current) if current else -1
        if index < 0 and self._none_text is None:
            index = self._default_index()
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)
        if self.currentData() != current:
            self.currentIndexChanged.emit(self.currentIndex())

    # -- internals --------------------------------------------------------------------
    def _default_index(self) -> int:
        active = self._viewer.layers.selection.active
        if active is not None and isinstance(active, self._types):
            return self.findData(active.name)
        return 0 if self.count() else -1

    def _on_layers_changed(self, event: Any = None) -> None:
        self.refresh()

    def _watch_names(self) -> None:
        for emitter in self._watched:
            emitter.disconnect(self._on_layers_changed)
        self._watched = [ly.events.name for ly in self._viewer.layers]
        for emitter in self._watched:
            emitter.connect(self._on_layers_changed)

    def _disconnect_all(self, *_: Any) -> None:
        events = self._viewer.layers.events
        for event in (events.inserted, events.removed, events.moved, events.reordered):
            event.disconnect(self._on_layers_changed)
        for emitter in self._watched:
            emitter.disconnect(self._on_layers_changed)
        self._watched = []


def check_image_layer(layer: Layer | None, viewer: napari.Viewer, role: str = "image") -> Any:
    """Validate a layer picked for processing and return its (level-0) array.

    Raises
    ------
    UserInputError
        No layer, a non-image layer, an RGB image, a non-numeric image or one smaller
        than 16 x 16 pixels.
    """
    from napari.layers import Image

    if layer is None:
        active = viewer.layers.selection.active
        if active is not None and not isinstance(active, Image):
            raise UserInputError(
                f"'{active.name}' is a {active.__class__.__name__} layer; choose an image layer "
                f"as {role}"
            )
        raise UserInputError(f"no image layer chosen as {role}: {NO_LAYER_HINT}")
    if not isinstance(layer, Image):
        raise UserInputError(
            f"'{layer.name}' is a {layer.__class__.__name__} layer; "
            f"choose an image layer as {role}"
        )
    if layer.rgb:
        raise UserInputError(
            f"'{layer.name}' is an RGB image; split it into single channels "
            "(right-click the layer > Split RGB) and deblur one channel"
        )
    data = layer.data[0] if layer.multiscale else layer.data
    dtype = np.dtype(data.dtype)
    if not (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)):
        raise UserInputError(f"'{layer.name}' has {dtype} pixels; only real-valued images work")
    if data.ndim < 2 or min(data.shape[-2:]) < MIN_SIDE:
        raise UserInputError(
            f"'{layer.name}' is {'x'.join(map(str, data.shape))} pixels; images need at least "
            f"{MIN_SIDE} x {MIN_SIDE} pixels"
        )
    return data


def current_plane_index(layer: Layer, viewer: napari.Viewer) -> tuple[int, ...]:
    """Data indices of the plane of ``layer`` shown now (leading axes only)."""
    lead = layer.ndim - 2
    if lead <= 0:
        return ()
    coords = layer.world_to_data(viewer.dims.point)
    shape = (layer.data[0] if layer.multiscale else layer.data).shape
    return tuple(
        int(np.clip(round(float(c)), 0, n - 1)) for c, n in zip(coords[:lead], shape[:lead])
    )
