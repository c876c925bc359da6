"""Live training curves inside the dock: training loss and validation PSNR per epoch.

The one place the widgets use Qt directly (magicgui has no plot widget).
"""

from __future__ import annotations

import math
from typing import Any

from qtpy.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

EMPTY_TEXT = (
    "After every epoch:\ntraining loss (left axis),\nvalidation PSNR (right axis);\n"
    "dotted: the input's PSNR"
)


class TrainingPlot(QWidget):
    """A small matplotlib canvas: training loss (left axis) and validation PSNR (right).

    Before a run it shows labelled axes without ticks and a line of explanation; once a
    run starts, the x axis spans its planned epochs and the input's PSNR is drawn.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(3.2, 2.2), dpi=100, layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumHeight(180)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)

        self.loss_axes = self.figure.add_subplot(1, 1, 1)
        self.psnr_axes = self.loss_axes.twinx()
        self.loss_axes.set_xlabel("epoch")
        self.loss_axes.set_ylabel("training loss", color="tab:blue")
        self.psnr_axes.set_ylabel("validation PSNR (dB)", color="tab:orange")
        (self.loss_line,) = self.loss_axes.plot([], [], "o-", color="tab:blue", ms=3)
        (self.psnr_line,) = self.psnr_axes.plot([], [], "s-", color="tab:orange", ms=3)
        self.placeholder = self.loss_axes.text(
            0.5, 0.5, EMPTY_TEXT, ha="center", va="center",
            transform=self.loss_axes.transAxes, fontsize=7,
        )  # fmt: skip
        self.baseline_line = self.psnr_axes.axhline(
            math.nan, color="tab:orange", ls=":", lw=1, label="input (no processing)"
        )
        (self.kept_marker,) = self.psnr_axes.plot(
            [], [], "o", ms=9, mfc="none", mec="tab:orange", mew=1.5, label="saved model"
        )
        self.baseline: float | None = None
        self.planned_epochs: int | None = None
        self.kept: tuple[float, float] | None = None
        self.epochs: list[float] = []
        self.losses: list[float] = []
        self.psnrs: list[float] = []
        self._redraw()

    def clear(self) -> None:
        """Forget all points, the plan and the baseline (back to the empty plot)."""
        self.baseline = None
        self.planned_epochs = None
        self.kept = None
        self.baseline_line.set_ydata([math.nan, math.nan])
        self.epochs.clear()
        self.losses.clear()
        self.psnrs.clear()
        self._redraw()

    def start(self, epochs: int, baseline: float) -> None:
        """A run begins: the x axis spans ``epochs``, the input's PSNR is drawn."""
        self.planned_epochs = max(int(epochs), 1)
        self.set_baseline(baseline)

    def set_baseline(self, psnr: float) -> None:
        """Draw the validation PSNR of the unprocessed input as a dotted line."""
        self.baseline = float(psnr)
        self.baseline_line.set_ydata([self.baseline, self.baseline])
        self._redraw()

    def add_point(self, epoch: float, loss: float, psnr: float | None) -> None:
        """Append one epoch (``psnr`` None or NaN when there is no validation set)."""
        self.epochs.append(float(epoch))
        self.losses.append(float(loss))
        self.psnrs.append(math.nan if psnr is None else float(psnr))
        self._redraw()

    def mark_kept(self, epoch: float, psnr: float) -> None:
        """Ring the epoch whose weights the run saved (its best; 0: the starting model,
        drawn left of epoch 1)."""
        self.kept = (float(epoch), float(psnr))
        self._redraw()

    def follow_theme(self, viewer: Any) -> None:
        """Take the colours of the viewer's napari theme (an unknown theme: matplotlib's)."""
        try:
            from napari.utils.theme import get_theme

            theme = get_theme(viewer.theme)
            self.set_theme(theme.background.as_hex(), theme.text.as_hex())
        except Exception:  # an unknown theme keeps matplotlib's colours
            return

    def set_theme(self, background: str, text: str) -> None:
        """Colour the figure like napari's theme (hex colours)."""
        self.figure.set_facecolor(background)
        for axes in (self.loss_axes, self.psnr_axes):
            axes.set_facecolor(background)
            for spine in axes.spines.values():
                spine.set_color(text)
            axes.tick_params(colors=text, which="both")
        self.loss_axes.xaxis.label.set_color(text)
        self.placeholder.set_color(text)
        self.canvas.draw_idle()

    def _redraw(self) -> None:
        from matplotlib.ticker import MaxNLocator, NullLocator

        self.loss_line.set_data(self.epochs, self.losses)
        self.psnr_line.set_data(self.epochs, self.psnrs)
        kept_x, kept_y = ([self.kept[0]], [self.kept[1]]) if self.kept else ([], [])
        self.kept_marker.set_data(kept_x, kept_y)
        self.placeholder.set_visible(not self.epochs and self.planned_epochs is None)
        has = {
            "x": bool(self.epochs) or self.planned_epochs is not None,
            self.loss_axes: bool(self.epochs),
            self.psnr_axes: bool(self.epochs) or self.baseline is not None,
        }
        x_locator = (
            MaxNLocator(nbins=6, integer=True, min_n_ticks=1) if has["x"] else NullLocator()
        )
        self.loss_axes.xaxis.set_major_locator(x_locator)
        for axes in (self.loss_axes, self.psnr_axes):
            axes.yaxis.set_major_locator(MaxNLocator(nbins=5) if has[axes] else NullLocator())
            axes.relim()
            axes.autoscale_view()
        last = max([*self.epochs, float(self.planned_epochs or 0), 1.0])
        first = 0.5 if self.epochs or self.planned_epochs else 0.0
        if self.kept is not None:
            first = min(first, self.kept[0] - 0.5)
        self.loss_axes.set_xlim(first, last + 0.5)
        if self.baseline is not None and not self.epochs:
            self.psnr_axes.set_ylim(self.baseline - 1.0, self.baseline + 4.0, auto=True)
        self.canvas.draw_idle()
