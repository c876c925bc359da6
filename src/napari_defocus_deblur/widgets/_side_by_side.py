"""Napari's grid mode showing two layers side by side (cameras linked), and back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import napari
    from napari.layers import Layer


def _grid(viewer: napari.Viewer) -> Any:
    canvas = getattr(viewer, "canvas", None)  # napari >= 0.9 moved the grid under .canvas
    return canvas.grid if canvas is not None and hasattr(canvas, "grid") else viewer.grid


class SideBySide:
    """Show two layers alone in napari's grid mode (cameras linked) and restore afterwards."""

    def __init__(self, viewer: napari.Viewer) -> None:
        self._viewer = viewer
        self._saved: dict[str, Any] | None = None

    @property
    def active(self) -> bool:
        """True while the side-by-side view is on."""
        return self._saved is not None

    def enter(self, left: Layer, right: Layer) -> None:
        """Hide every other layer and put ``left`` and ``right`` in a 1 x 2 grid."""
        grid = _grid(self._viewer)
        if self._saved is None:
            self._saved = {
                "grid": {k: getattr(grid, k) for k in ("enabled", "stride", "shape")},
                "visible": [(ly, ly.visible) for ly in self._viewer.layers],
                "labels": [(ly, _name_shown(ly)) for ly in (left, right)],
            }
        for layer in self._viewer.layers:
            layer.visible = layer.name in (left.name, right.name)
        # a positive stride fills viewboxes in layer-list order, a negative one reversed
        layers = self._viewer.layers
        stride = 1 if layers.index(left) < layers.index(right) else -1
        grid.stride = stride
        grid.shape = (1, 2)
        grid.enabled = True
        for layer in (left, right):  # each pane says what it shows
            _show_name(layer, True)
        self._viewer.reset_view()  # fit both panes instead of two slivers

    def leave(self) -> None:
        """Restore the grid settings and layer visibility saved by :meth:`enter`."""
        if self._saved is None:
            return
        saved, self._saved = self._saved, None
        grid = _grid(self._viewer)
        grid.enabled = saved["grid"]["enabled"]
        grid.stride = saved["grid"]["stride"]
        grid.shape = saved["grid"]["shape"]
        for layer, visible in saved["visible"]:
            if layer in self._viewer.layers:
                layer.visible = visible
        for layer, shown in saved["labels"]:
            if shown is not None and layer in self._viewer.layers:
                _show_name(layer, shown)
        self._viewer.reset_view()


def _name_shown(layer: Layer) -> bool | None:
    """Whether napari draws the layer's name in its grid pane (None: napari < 0.6)."""
    overlay = getattr(layer, "name_overlay", None)
    return None if overlay is None else bool(overlay.visible)


def _show_name(layer: Layer, on: bool) -> None:
    overlay = getattr(layer, "name_overlay", None)
    if overlay is not None:
        overlay.visible = on
