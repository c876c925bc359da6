"""Helpers shared by the dock widgets: layer combo boxes, notifications, input checks.

Nothing here imports torch; the core is imported inside the functions that need it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
from magicgui.widgets import ComboBox, Container, create_widget

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._layout import compact, is_alive

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


def image_layers(viewer: napari.Viewer) -> list[Layer]:
    """The viewer's image layers, top of the layer list first."""
    from napari.layers import Image

    return [layer for layer in reversed(viewer.layers) if isinstance(layer, Image)]


def layer_combo(
    viewer: napari.Viewer,
    name: str,
    label: str,
    *,
    nullable: bool = False,
    tooltip: str = "",
) -> ComboBox:
    """A magicgui combo box of the viewer's image layers (``napari.layers.Image``).

    The choices follow the layer list: napari resets them when layers are added,
    removed, moved or renamed (for docked widgets), and :func:`follow_layers` does it
    for widgets that are not docked.
    """
    from napari.layers import Image

    widget = create_widget(
        annotation=Image,
        name=name,
        label=label,
        options={"choices": lambda _w: image_layers(viewer), "nullable": nullable},
    )
    widget.tooltip = tooltip or None
    compact(widget)
    return widget


def follow_layers(viewer: napari.Viewer, container: Container) -> None:
    """Reset ``container``'s layer choices on layer-list changes until it is deleted
    (skipped while it is docked: napari connects the same events to a docked widget's
    ``reset_choices``)."""
    events = viewer.layers.events
    emitters = [events.inserted, events.removed, events.reordered]
    if hasattr(events, "renamed"):
        emitters.append(events.renamed)

    def reset(*_: Any) -> None:  # napari itself resets docked widgets: once is enough
        if is_alive(container.native) and not _docked(container.native):
            container.reset_choices()

    for emitter in emitters:
        emitter.connect(reset)

    def disconnect(*_: Any) -> None:
        for emitter in emitters:
            emitter.disconnect(reset)

    container.native.destroyed.connect(disconnect)


def _docked(widget: Any) -> bool:
    """True when ``widget`` sits in a dock widget (napari follows the layers for it)."""
    from qtpy.QtWidgets import QDockWidget

    while widget is not None and not isinstance(widget, QDockWidget):
        widget = widget.parent()
    return widget is not None


def settle_dock(viewer: napari.Viewer, widget: Container, on_closed: Any) -> None:
    """What a dock widget does once built: follow the layer list, join this plugin's
    other docks as tabs (:func:`._layout.tabify_with_siblings`), call ``on_closed()``
    when closed, and start the import warm-up (:mod:`._warm`)."""
    from napari_defocus_deblur.widgets._layout import call_soon, on_close, tabify_with_siblings
    from napari_defocus_deblur.widgets._warm import warm_up

    follow_layers(viewer, widget)
    call_soon(widget.native, lambda: tabify_with_siblings(widget))
    on_close(widget, on_closed)
    warm_up()


@contextlib.contextmanager
def quietly(flag_owner: Any, flag: str = "_updating") -> Iterator[None]:
    """Set ``flag_owner.<flag>`` while the widget itself changes values (not the user)."""
    previous = getattr(flag_owner, flag, False)
    setattr(flag_owner, flag, True)
    try:
        yield
    finally:
        setattr(flag_owner, flag, previous)


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
