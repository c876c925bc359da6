"""Live training curves inside the dock: training loss and validation PSNR per epoch."""

from __future__ import annotations

import math

from qtpy.QtWidgets import QSizePolicy, QWidget


class TrainingPlot(QWidget):
    """A small matplotlib canvas: training loss (left axis) and validation PSNR (right)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
        from qtpy.QtWidgets import QVBoxLayout

        self.figure = Figure(figsize=(3.6, 2.6), dpi=100, layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumHeight(200)
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
        self.loss_axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        self.placeholder = self.loss_axes.text(
            0.5,
            0.5,
            "curves appear after the first epoch",
            ha="center",
            va="center",
            transform=self.loss_axes.transAxes,
            fontsize=9,
        )
        self.loss_axes.set_yticks([])
        self.psnr_axes.set_yticks([])
        self.baseline_line = self.psnr_axes.axhline(
            math.nan, color="tab:orange", ls=":", lw=1, label="input (no processing)"
        )
        self.baseline: float | None = None
        self.epochs: list[float] = []
        self.losses: list[float] = []
        self.psnrs: list[float] = []
        self.canvas.draw_idle()

    def clear(self) -> None:
        """Forget all points and the baseline."""
        self.baseline = None
        self.baseline_line.set_ydata([math.nan, math.nan])
        self.epochs.clear()
        self.losses.clear()
        self.psnrs.clear()
        self._redraw()

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
        from matplotlib.ticker import MaxNLocator

        self.loss_line.set_data(self.epochs, self.losses)
        self.psnr_line.set_data(self.epochs, self.psnrs)
        self.placeholder.set_visible(not self.epochs)
        for axes in (self.loss_axes, self.psnr_axes):
            if self.epochs or (axes is self.psnr_axes and self.baseline is not None):
                axes.yaxis.set_major_locator(MaxNLocator(nbins=5))
            axes.relim()
            axes.autoscale_view()
        if self.epochs:
            lo, hi = min(self.epochs), max(self.epochs)
            self.loss_axes.set_xlim(lo - 0.5, hi + 0.5)
        self.canvas.draw_idle()
