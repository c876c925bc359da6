"""Side-by-side comparison (napari grid mode) and PSNR/SSIM against a reference layer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from magicgui.widgets import Container, Label, PushButton
from qtpy.QtCore import Qt

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.evaluation.reference import check_shapes
from napari_defocus_deblur.widgets._common import (
    is_alive,
    layer_combo,
    report_exception,
    show_warning,
)
from napari_defocus_deblur.widgets._layout import word_wrap
from napari_defocus_deblur.widgets._side_by_side import SideBySide

if TYPE_CHECKING:
    import napari
    from napari.layers import Layer


COMPARE_TEXT = "Compare side by side"
#: Rows of the metrics table: key and the label a user reads.
METRIC_ROWS = (("raw", "raw input"), ("restored", "deblurred"))


@dataclass(frozen=True)
class ComparePair:
    """The plane being compared: raw and restored pixels plus their layers."""

    raw: np.ndarray
    restored: np.ndarray
    raw_layer: Layer
    restored_layer: Layer
    index: tuple[int, ...] = ()
    depth_um: float | None = None

    def reference(self, layer: Layer) -> np.ndarray:
        """The matching plane of a reference layer (2-D, or a stack shaped like raw)."""
        data = layer.data[0] if layer.multiscale else layer.data
        if data.ndim > 2 and tuple(data.shape) == tuple(self.raw_layer.data.shape):
            data = data[self.index]
        elif data.ndim > 2 and int(np.prod(data.shape[:-2])) == 1:
            data = data.reshape(data.shape[-2:])
        return np.asarray(data)


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
        self.verdict: Any = None
        self.worker: Any = None
        self._token: object = None
        self.note = word_wrap(Label(value=""))
        widgets = [self.compare_button, self.reference, *rows, self.note]
        super().__init__(widgets=widgets, labels=True)
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
        """Check the chosen reference and score against it, in a worker thread (cleared
        when there is no reference; no scores when it shows another field)."""
        self.metrics, self.verdict = {}, None
        for cells in self.cells.values():
            for cell in cells:
                cell.value = "–"
        self.note.value = ""
        self._token = token = object()  # a newer request makes older answers stale
        reference = self.reference.value
        if reference is None:
            return
        try:
            pair = self._pair()
            if pair is None:
                return
            image = pair.reference(reference)
            check_shapes(pair.raw, image)
            told = match_geometry(reference, pair.raw_layer)
        except Exception as exc:
            report_exception(exc, "Computing PSNR/SSIM")
            return
        from napari.qt.threading import create_worker

        from napari_defocus_deblur.evaluation.reference import score_against

        worker = create_worker(
            score_against, pair.raw, pair.restored, image, pair.depth_um,
            _start_thread=False, _ignore_errors=True,
        )  # fmt: skip
        names = (reference.name, pair.raw_layer.name)
        worker.returned.connect(lambda scores: self._show(token, scores, names, told))
        worker.errored.connect(lambda exc: report_exception(exc, "Computing PSNR/SSIM"))
        self.note.value = " · ".join(filter(None, [told, "checking the reference…"]))
        self.worker = worker
        worker.start()

    @property
    def busy(self) -> bool:
        """True while the reference is being checked and scored."""
        return self.note.value.endswith("checking the reference…")

    def _show(self, token: object, scores: Any, names: tuple[str, str], told: str) -> None:
        if token is not self._token or not is_alive(self.native):
            return
        self.verdict = scores.check
        said = scores.check.message(*names)
        self.note.value = " · ".join(filter(None, [told, said]))
        if not scores.check.matches:
            show_warning(f"reference '{names[0]}' shows another field: no PSNR/SSIM")
            return
        self.metrics = scores.metrics
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
    depths = restored.metadata.get("depths_um") or [None]
    if raw_data.ndim == 2:
        return ComparePair(
            np.asarray(raw_data), out.reshape(raw_data.shape), raw_layer, restored, (), depths[0]
        )
    plane = restored.metadata.get("plane")
    index = tuple(plane) if plane is not None else current_plane_index(raw_layer, viewer)
    restored_plane = out.reshape(out.shape[-2:]) if plane is not None else out[index]
    depth = depths[0] if plane is not None or len(depths) == 1 else _at(depths, raw_data, index)
    return ComparePair(
        np.asarray(raw_data[index]), restored_plane, raw_layer, restored, index, depth
    )


def _at(depths: list, data: Any, index: tuple[int, ...]) -> float | None:
    """The depth of plane ``index`` in a whole-stack result's per-plane list."""
    flat = int(np.ravel_multi_index(index, data.shape[:-2]))
    value = depths[flat] if flat < len(depths) else None
    return None if value is None or value != value else float(value)


def match_geometry(reference: Layer, raw: Layer) -> str:
    """Give a reference with the input's pixel count the input's pixel size and place.

    Returns what was done ("" when nothing had to be): a PNG opened by napari's reader has
    1-unit pixels, the plugin's reader 0.645 µm ones, and they would not overlay.
    """
    k = min(reference.ndim, raw.ndim, 2)
    ref_scale, raw_scale = np.asarray(reference.scale[-k:]), np.asarray(raw.scale[-k:])
    ref_shift, raw_shift = np.asarray(reference.translate[-k:]), np.asarray(raw.translate[-k:])
    if np.allclose(ref_scale, raw_scale) and np.allclose(ref_shift, raw_shift):
        return ""
    scale, translate = np.array(reference.scale, float), np.array(reference.translate, float)
    scale[-k:], translate[-k:] = raw_scale, raw_shift
    reference.scale, reference.translate = scale, translate
    was = "x".join(f"{v:g}" for v in ref_scale)
    return f"'{reference.name}' took the pixel size of '{raw.name}' ({raw_scale[-1]:g}, was {was})"
