"""Side-by-side comparison (napari grid mode) and PSNR/SSIM against a reference layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from magicgui.widgets import Container, Label, PushButton
from qtpy.QtCore import Qt

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._common import layer_combo, report_exception

if TYPE_CHECKING:
    import napari
    from napari.layers import Layer


COMPARE_TEXT = "Compare side by side"
#: Rows of the metrics table: key and the label a user reads.
METRIC_ROWS = (("raw", "raw input"), ("restored", "deblurred"))


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


@dataclass(frozen=True)
class ComparePair:
    """The plane being compared: raw and restored pixels plus their layers."""

    raw: np.ndarray
    restored: np.ndarray
    raw_layer: Layer
    restored_layer: Layer
    index: tuple[int, ...] = ()

    def reference(self, layer: Layer) -> np.ndarray:
        """The matching plane of a reference layer (2-D, or a stack shaped like raw)."""
        data = layer.data[0] if layer.multiscale else layer.data
        if data.ndim > 2 and tuple(data.shape) == tuple(self.raw_layer.data.shape):
            data = data[self.index]
        elif data.ndim > 2 and int(np.prod(data.shape[:-2])) == 1:
            data = data.reshape(data.shape[-2:])
        return np.asarray(data)


def compute_metrics(raw: np.ndarray, restored: np.ndarray, reference: np.ndarray) -> dict:
    """PSNR/SSIM of raw and restored against the in-focus reference.

    Uses :mod:`napari_defocus_deblur.evaluation.metrics` (its normalisation convention).
    """
    from napari_defocus_deblur.evaluation.metrics import psnr, ssim

    raw = np.asarray(raw, dtype=np.float64)
    restored = np.asarray(restored, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    for name, arr in (("raw", raw), ("restored", restored)):
        if arr.shape != reference.shape:
            raise UserInputError(
                f"the reference is {'x'.join(map(str, reference.shape))} but the {name} image is "
                f"{'x'.join(map(str, arr.shape))}; pick an in-focus image of the same field"
            )
    return {
        "raw": (float(psnr(raw, reference)), float(ssim(raw, reference))),
        "restored": (float(psnr(restored, reference)), float(ssim(restored, reference))),
    }


class CompareSection(Container):
    """Compare toggle + reference layer + a PSNR/SSIM table (magicgui widgets).

    Parameters
    ----------
    viewer
        The napari viewer.
    pair
        Returns the :class:`ComparePair` of the current input, or None when it has not
        been deblurred yet.
    """

    def __init__(self, viewer: napari.Viewer, pair: Callable[[], ComparePair | None]) -> None:
        self._viewer = viewer
        self._pair = pair
        self.side_by_side = SideBySide(viewer)
        self.compare_button = PushButton(text=COMPARE_TEXT)
        self.compare_button.native.setCheckable(True)
        self.compare_button.tooltip = "Raw and deblurred next to each other, cameras linked"
        self.reference = layer_combo(
            viewer,
            "reference",
            "Reference",
            nullable=True,
            tooltip="An in-focus image of the same field (ground truth) for PSNR/SSIM",
        )
        self.cells: dict[str, tuple[Label, Label]] = {}
        rows = [_row("", "PSNR (dB)", "SSIM")[0]]
        for key, title in METRIC_ROWS:
            row, cells = _row(title, "–", "–")
            rows.append(row)
            self.cells[key] = cells
        self.metrics: dict[str, tuple[float, float]] = {}
        super().__init__(widgets=[self.compare_button, self.reference, *rows], labels=True)
        self.margins = (0, 0, 0, 0)
        self.compare_button.native.toggled.connect(self._on_toggled)
        self.reference.changed.connect(lambda *_: self.update_metrics())

    # -- compare view -----------------------------------------------------------------
    def _on_toggled(self, checked: bool) -> None:
        if not checked:
            self.side_by_side.leave()
            self.compare_button.text = COMPARE_TEXT
            return
        try:
            pair = self._pair()
            if pair is None:
                raise UserInputError(
                    "nothing to compare yet: run Deblur on the chosen image first"
                )
        except Exception as exc:
            self.compare_button.native.blockSignals(True)
            self.compare_button.native.setChecked(False)
            self.compare_button.native.blockSignals(False)
            report_exception(exc, "Compare")
            return
        self.side_by_side.enter(pair.raw_layer, pair.restored_layer)
        self.compare_button.text = "Back to normal view"

    def set_compare(self, on: bool) -> None:
        """Turn the side-by-side view on or off (same as clicking the button)."""
        self.compare_button.native.setChecked(on)

    @property
    def comparing(self) -> bool:
        """True while the side-by-side view is shown."""
        return self.side_by_side.active

    # -- metrics ----------------------------------------------------------------------
    def update_metrics(self) -> None:
        """Recompute the table for the chosen reference (cleared when there is none)."""
        self.metrics = {}
        for cells in self.cells.values():
            for cell in cells:
                cell.value = "–"
        reference = self.reference.value
        if reference is None:
            return
        try:
            pair = self._pair()
            if pair is None:
                return
            self.metrics = compute_metrics(pair.raw, pair.restored, pair.reference(reference))
        except Exception as exc:
            report_exception(exc, "Computing PSNR/SSIM")
            return
        for key, (p, s) in self.metrics.items():
            self.cells[key][0].value = f"{p:.2f}"
            self.cells[key][1].value = f"{s:.4f}"


def _row(title: str, *values: str) -> tuple[Container, tuple[Label, Label]]:
    """One table row: a right-aligned title cell and two value cells."""
    cells = tuple(Label(value=v) for v in values)
    for cell in cells:
        cell.native.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        cell.native.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    row = Container(widgets=list(cells), layout="horizontal", labels=False, label=title)
    row.margins = (0, 0, 0, 0)
    return row, cells  # type: ignore[return-value]


def pair_for(viewer: napari.Viewer, raw_layer: Layer | None) -> ComparePair | None:
    """Raw and restored planes of ``raw_layer``, or None before its first result.

    For a stack the plane is the one the result holds (a single restored plane) or the
    one shown by the dims slider (a restored stack).
    """
    from napari_defocus_deblur.widgets._common import current_plane_index
    from napari_defocus_deblur.widgets._results import find_result

    restored = find_result(viewer, raw_layer) if raw_layer is not None else None
    if restored is None or raw_layer is None:
        return None
    raw_data = raw_layer.data[0] if raw_layer.multiscale else raw_layer.data
    out = np.asarray(restored.data)
    if raw_data.ndim == 2:
        return ComparePair(np.asarray(raw_data), out.reshape(raw_data.shape), raw_layer, restored)
    plane = restored.metadata.get("plane")
    index = tuple(plane) if plane is not None else current_plane_index(raw_layer, viewer)
    restored_plane = out.reshape(out.shape[-2:]) if plane is not None else out[index]
    return ComparePair(np.asarray(raw_data[index]), restored_plane, raw_layer, restored, index)
