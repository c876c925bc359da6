"""The plate heat map inside the Focus map dock: a Qt matplotlib canvas that reports
the well under the mouse and the well clicked (magicgui has no plot widget)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qtpy.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

EMPTY_TEXT = "Choose a plate folder or .zip and press Map focus"


class PlateCanvas(QWidget):
    """The plate map of :func:`napari_defocus_deblur.focusmap.draw_plate`, interactive.

    Parameters
    ----------
    on_hover, on_click
        Called with the well under the mouse (None when over no well with images) and
        with the well clicked.
    """

    def __init__(
        self,
        on_hover: Callable[[str | None], None],
        on_click: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        # no layout engine: it would measure every tick label at every redraw
        self.figure = Figure(figsize=(4.0, 2.8), dpi=100)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.canvas.setMinimumHeight(220)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.fmap: Any = None
        self.axes: Any = None
        self._on_hover, self._on_click = on_hover, on_click
        self._hovered: str | None = None
        self.canvas.mpl_connect("motion_notify_event", self._motion)
        self.canvas.mpl_connect("button_press_event", self._press)
        self.clear()

    def clear(self) -> None:
        """Back to the empty canvas with a line of explanation."""
        self.fmap, self.axes = None, None
        self.figure.clear()
        self.figure.text(0.5, 0.5, EMPTY_TEXT, ha="center", va="center", fontsize=8)
        self.canvas.draw_idle()

    def show_map(self, fmap: Any, channel: int | None = None, *, now: bool = False) -> None:
        """Draw ``fmap`` (``now``: render at once instead of when Qt is idle)."""
        from napari_defocus_deblur.focusmap.figure import draw_plate, update_plate

        same = self.fmap is not None and self.fmap.layout == fmap.layout
        self.fmap = fmap
        if same and self.axes is not None:  # values only: cheap while a map fills in
            update_plate(self.axes, fmap, channel)
        else:
            self.axes = draw_plate(self.figure, fmap, channel)
            self.figure.subplots_adjust(left=0.06, right=0.98, top=0.9, bottom=0.1)
        if now:
            self.canvas.draw()
        else:
            self.canvas.draw_idle()

    def well_image(self) -> Any:
        """The median-depth array drawn (rows x columns), or None before a map."""
        if self.axes is None or not self.axes.images:
            return None
        return self.axes.images[0].get_array()

    def _well(self, event: Any) -> str | None:
        from napari_defocus_deblur.focusmap import well_at

        if self.fmap is None or event.inaxes is not self.axes:
            return None
        return well_at(self.fmap, event.xdata, event.ydata)

    def _motion(self, event: Any) -> None:
        well = self._well(event)
        if well != self._hovered:
            self._hovered = well
            self._on_hover(well)

    def _press(self, event: Any) -> None:
        well = self._well(event)
        if well is not None and getattr(event, "button", 1) == 1:
            self._on_click(well)
