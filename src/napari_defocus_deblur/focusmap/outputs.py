"""The files of a focus map run: ``focus.csv``, ``focus.json`` and ``focus.png``.

All three are written atomically (a reader never sees half a file). A run into a folder
that already holds a ``focus.json`` (or only a ``focus.csv``) resumes from it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from napari_defocus_deblur.focusmap.table import FocusMap, to_csv, to_json
from napari_defocus_deblur.io.atomic import atomic_write_text

CSV_NAME = "focus.csv"
JSON_NAME = "focus.json"
PNG_NAME = "focus.png"


def write_map(
    outdir: str | os.PathLike, fmap: FocusMap, settings: dict[str, Any], *, png: bool = True
) -> list[Path]:
    """Write ``focus.csv``, ``focus.json`` (and ``focus.png``) into ``outdir``."""
    from napari_defocus_deblur.focusmap.figure import save_plate_png

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = [
        atomic_write_text(outdir / CSV_NAME, to_csv(fmap)),
        atomic_write_text(outdir / JSON_NAME, to_json(fmap, settings)),
    ]
    if png:
        save_plate_png(outdir / PNG_NAME, fmap, settings.get("channel"))
        written.append(outdir / PNG_NAME)
    return written


def previous_map(outdir: str | os.PathLike) -> Path | None:
    """The focus map an earlier run left in ``outdir`` (JSON first), or None."""
    for name in (JSON_NAME, CSV_NAME):
        path = Path(outdir) / name
        if path.is_file():
            return path
    return None
