"""Side-by-side comparison (napari grid mode) and PSNR/SSIM against a reference layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QFormLayout, QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.widgets._common import LayerPicker, report_exception

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
            }
        for layer in self._viewer.layers:
            layer.visible = layer.name in (left.name, right.name)
        # a positive stride fills viewboxes in layer-list order, a negative one reversed
        layers = self._viewer.layers
        stride = 1 if layers.index(left) < layers.index(right) else -1
        grid.stride = stride
        grid.shape = (1, 2)
        grid.enabled = True

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


class CompareSection(QWidget):
    """Compare button + reference picker + a PSNR/SSIM table.

    Parameters
    ----------
    viewer
        The napari viewer.
    pair
        Returns the :class:`ComparePair` of the current input, or None when it has not
        been deblurred yet.
    """

    def __init__(
        self,
        viewer: napari.Viewer,
        pair: Callable[[], ComparePair | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._viewer = viewer
        self._pair = pair
        self.side_by_side = SideBySide(viewer)

        self.compare_button = QPushButton("Compare side by side")
        self.compare_button.setCheckable(True)
        self.compare_button.setToolTip("Raw and deblurred next to each other, cameras linked")
        self.compare_button.toggled.connect(self._on_toggled)

        self.reference_picker = LayerPicker(viewer, none_text="(none)")
        self.reference_picker.setToolTip("An in-focus image of the same field (ground truth)")
        self.reference_picker.currentIndexChanged.connect(lambda *_: self.update_metrics())

        table = QGridLayout()
        table.addWidget(QLabel(""), 0, 0)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for col, title in enumerate(("PSNR (dB)", "SSIM"), start=1):
            header = QLabel(title)
            header.setAlignment(right)
            table.addWidget(header, 0, col)
        self.labels: dict[str, tuple[QLabel, QLabel]] = {}
        for row, key in enumerate(("raw", "restored"), start=1):
            table.addWidget(QLabel(key), row, 0)
            cells = (QLabel("–"), QLabel("–"))
            for col, cell in enumerate(cells, start=1):
                cell.setAlignment(right)
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                table.addWidget(cell, row, col)
            self.labels[key] = cells
        self.metrics: dict[str, tuple[float, float]] = {}

        form = QFormLayout()
        form.addRow("Reference (in focus)", self.reference_picker)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.compare_button)
        layout.addLayout(form)
        layout.addLayout(table)

    # -- compare view -----------------------------------------------------------------
    def _on_toggled(self, checked: bool) -> None:
        if not checked:
            self.side_by_side.leave()
            self.compare_button.setText("Compare side by side")
            return
        try:
            pair = self._pair()
            if pair is None:
                raise UserInputError(
                    "nothing to compare yet: run Deblur on the chosen image first"
                )
        except Exception as exc:
            self.compare_button.blockSignals(True)
            self.compare_button.setChecked(False)
            self.compare_button.blockSignals(False)
            report_exception(exc, "Compare")
            return
        self.side_by_side.enter(pair.raw_layer, pair.restored_layer)
        self.compare_button.setText("Back to normal view")

    def set_compare(self, on: bool) -> None:
        """Turn the side-by-side view on or off (same as clicking the button)."""
        self.compare_button.setChecked(on)

    # -- metrics ----------------------------------------------------------------------
    def update_metrics(self) -> None:
        """Recompute the table for the chosen reference (cleared when there is none)."""
        self.metrics = {}
        for cells in self.labels.values():
            for cell in cells:
                cell.setText("–")
        reference = self.reference_picker.layer()
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
            self.labels[key][0].setText(f"{p:.2f}")
            self.labels[key][1].setText(f"{s:.4f}")
