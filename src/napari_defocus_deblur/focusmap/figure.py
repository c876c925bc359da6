"""The plate heat map: median depth per well on the plate's layout, in µm.

Drawn on any matplotlib ``Figure`` (Agg for ``focus.png``, the Qt canvas of the napari
widget), so the file and the dock show the same picture. Wells with no readable field
or a low confidence are hatched; wells without images are left blank.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from napari_defocus_deblur.focusmap.names import well_name
from napari_defocus_deblur.focusmap.table import LOW_CONFIDENCE, FocusMap

#: Colour scale of the map: 0 to at least this many µm.
MIN_SCALE_UM = 15.0
COLORMAP = "viridis"
#: Colour of wells without images.
EMPTY_WELL = "#e8e8e8"


def well_grid(fmap: FocusMap, channel: int | None = None, wells: Any = None) -> np.ndarray:
    """``(rows, columns)`` array of median well depths (µm), NaN where no depth."""
    grid = np.full(fmap.layout, np.nan)
    for w in (wells or fmap.wells(channel)).values():
        grid[w.row - 1, w.column - 1] = w.depth_um
    return grid


def draw_plate(figure: Any, fmap: FocusMap, channel: int | None = None, title: str = "") -> Any:
    """Draw the plate map of ``fmap`` on ``figure`` (cleared first); returns the axes.

    The map's image is ``axes.images[0]``; :func:`update_plate` redraws new values on
    the same axes cheaply (no new ticks, grid or colour bar).
    """
    figure.clear()
    ax = figure.add_subplot(1, 1, 1)
    rows, columns = fmap.layout
    image = ax.imshow(np.full(fmap.layout, np.nan), cmap=_colormap(), interpolation="nearest")
    width_px = figure.get_size_inches()[0] * figure.dpi * 0.8
    step = max(1, math.ceil(columns * 14 / width_px))  # about 14 px per column label
    ax.set_xticks(range(0, columns, step), [str(c + 1) for c in range(0, columns, step)])
    ax.set_yticks(range(0, rows, step), [well_name(r + 1, 1)[:-2] for r in range(0, rows, step)])
    ax.tick_params(labelsize=6, length=0)
    ax.xaxis.tick_top()
    ax.set_facecolor(EMPTY_WELL)
    width = 0.4 if columns <= 24 else 0.15
    ax.vlines(np.arange(0.5, columns - 1), -0.5, rows - 0.5, colors="white", linewidth=width)
    ax.hlines(np.arange(0.5, rows - 1), -0.5, columns - 0.5, colors="white", linewidth=width)
    bar = figure.colorbar(image, ax=ax, shrink=0.8, pad=0.02)
    bar.set_label("median depth (µm)", fontsize=7)
    bar.ax.tick_params(labelsize=6)
    update_plate(ax, fmap, channel, title)
    return ax


def update_plate(ax: Any, fmap: FocusMap, channel: int | None = None, title: str = "") -> None:
    """Show the wells of ``fmap`` on axes drawn by :func:`draw_plate` (same layout)."""
    wells = fmap.wells(channel)
    grid = well_grid(fmap, channel, wells)
    finite = grid[np.isfinite(grid)]
    vmax = max(MIN_SCALE_UM, math.ceil(float(finite.max())) if finite.size else 0.0)
    image = ax.images[0]
    image.set_data(grid)
    image.set_clim(0.0, vmax)
    for patch in list(ax.patches):
        patch.remove()
    _hatch(ax, wells)
    rows, columns = fmap.layout
    ax.set_xlabel(
        title
        or f"{rows * columns}-well plate, {len(fmap.rows)} field(s), {finite.size} well(s) "
        f"read; hatched: unreadable or confidence < {LOW_CONFIDENCE:g}",
        fontsize=7,
    )


def _colormap() -> Any:
    import matplotlib

    cmap = matplotlib.colormaps[COLORMAP].copy()
    cmap.set_bad("#dddddd", alpha=0.0)
    return cmap


def _hatch(ax: Any, wells: dict) -> None:
    from matplotlib.patches import Rectangle

    for w in wells.values():
        if w.hatched:
            corner = (w.column - 1.5, w.row - 1.5)
            box = Rectangle(corner, 1, 1, fill=False, hatch="////", edgecolor="#d62728", lw=0.5)
            ax.add_patch(box)


def well_at(fmap: FocusMap, x: float | None, y: float | None) -> str | None:
    """The well under the plot's data coordinates ``(x, y)``, if it has images."""
    if x is None or y is None:
        return None
    row, column = round(y) + 1, round(x) + 1
    rows, columns = fmap.layout
    if not (1 <= row <= rows and 1 <= column <= columns):
        return None
    name = well_name(row, column)
    return name if fmap.fields_of(name) else None


def well_text(fmap: FocusMap, well: str) -> str:
    """One line of figures for a well: median depth, confidence, fields and errors."""
    fields = fmap.fields_of(well)
    summary = fmap.wells(min(f.channel for f in fields)).get(well.upper())
    if summary is None:
        return f"{well}: no image"
    depths = ", ".join(
        f"s{f.site} w{f.channel} {f.distance_um:.1f}" if f.ok else f"s{f.site} w{f.channel} error"
        for f in fields
    )
    return (
        f"{well}: median {summary.depth_um:.1f} µm, confidence {summary.confidence:.2f}, "
        f"{summary.fields} field(s), {summary.errors} unreadable ({depths} µm)"
    )


def save_plate_png(path: str | os.PathLike, fmap: FocusMap, channel: int | None = None) -> None:
    """Write the plate map as a PNG (matplotlib Agg, atomically)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from napari_defocus_deblur.io.atomic import atomic_write

    rows, columns = fmap.layout
    figure = Figure(figsize=(max(5.0, columns * 0.28), max(3.2, rows * 0.26)), dpi=130)
    FigureCanvasAgg(figure)
    draw_plate(figure, fmap, channel)
    figure.tight_layout()
    atomic_write(path, lambda tmp: figure.savefig(tmp, format="png"))
