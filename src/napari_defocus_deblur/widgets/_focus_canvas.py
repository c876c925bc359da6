"""The plate heat map inside the Focus map dock: a Qt matplotlib canvas that reports
the well under the mouse and the well clicked (magicgui has no plot widget)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qtpy.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

CANVAS_HEIGHT = 230
HATCH_TEXT = "hatched: unreadable or low confidence"
#: The plate drawn before the first map (BBBC006's).
DEFAULT_LAYOUT = (16, 24)
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
        self.figure = Figure(figsize=(3.6, 2.3), dpi=100)
        self.canvas = FigureCanvasQTAgg(self.figure)
        # a fixed height: a resize re-renders the whole figure, so labels and bars that
        # come and go around the canvas must not change its size
        self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.canvas.setFixedHeight(CANVAS_HEIGHT)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.canvas)
        self.fmap: Any = None
        self.axes: Any = None
        self._layout: tuple[int, int] | None = None
        self.colors: tuple[str, str] | None = None  # (background, text) of the theme
        self._on_hover, self._on_click = on_hover, on_click
        self._hovered: str | None = None
        self.canvas.mpl_connect("motion_notify_event", self._motion)
        self.canvas.mpl_connect("button_press_event", self._press)
        self.clear()

    def clear(self) -> None:
        """Back to an empty 384-well plate with a line of explanation (drawn now, so the
        first map of that layout only updates values)."""
        from napari_defocus_deblur.focusmap import FocusMap

        self.fmap = None
        self._draw(FocusMap((), DEFAULT_LAYOUT), None, EMPTY_TEXT)

    def show_map(self, fmap: Any, channel: int | None = None) -> None:
        """Draw ``fmap``; only its values when the plate layout is the one drawn."""
        self.fmap = fmap
        self._draw(fmap, channel, HATCH_TEXT)

    def _draw(self, fmap: Any, channel: int | None, title: str) -> None:
        from napari_defocus_deblur.focusmap.figure import draw_plate, update_plate

        if self.axes is not None and self._layout == fmap.layout:
            update_plate(self.axes, fmap, channel, title)
        else:
            self.axes = draw_plate(self.figure, fmap, channel, title)
            self.figure.subplots_adjust(left=0.05, right=0.97, top=0.92, bottom=0.08)
            self._layout = fmap.layout
            self._theme()
        self.canvas.draw_idle()

    def follow_theme(self, viewer: Any) -> None:
        """Colour the figure like the viewer's theme, now and when it changes."""
        from napari_defocus_deblur.widgets._common import is_alive

        def apply(*_: Any) -> None:
            if not is_alive(self):
                viewer.events.theme.disconnect(apply)
                return
            try:
                from napari.utils.theme import get_theme

                theme = get_theme(viewer.theme)
                self.colors = (theme.background.as_hex(), theme.text.as_hex())
            except Exception:  # an unknown theme keeps matplotlib's colours
                return
            self._theme()
            self.canvas.draw_idle()

        viewer.events.theme.connect(apply)
        apply()

    def _theme(self) -> None:
        if self.colors is None:
            return
        background, text = self.colors
        self.figure.set_facecolor(background)
        for axes in self.figure.axes:
            axes.tick_params(colors=text, which="both")
            axes.xaxis.label.set_color(text)
            axes.yaxis.label.set_color(text)
        for label in self.figure.texts:
            label.set_color(text)

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
