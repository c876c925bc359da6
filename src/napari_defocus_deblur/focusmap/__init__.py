"""Plate focus map: which fields of a screen are out of focus, by how much, and where.

>>> from napari_defocus_deblur.focusmap import focus_map
>>> fmap = focus_map("BBBC006_v1_images_z_16")  # doctest: +SKIP
>>> [(r.well, r.site, round(r.depth_um, 1)) for r in fmap.above(8.0)]  # doctest: +SKIP

Every field (image) of a plate folder, zip archive or list of files is read lazily and
its depth-equivalent defocus estimated per tile
(:func:`napari_defocus_deblur.estimate.estimate_tiles`) on a thread pool; a file that
cannot be used becomes a row with an error. :func:`iter_fix` then deblurs only the
fields above a threshold, each at its own distance. Pure numpy (matplotlib for the
figure); see ``docs/focusmap.md``.
"""

from __future__ import annotations

from napari_defocus_deblur.focusmap.figure import draw_plate, save_plate_png, well_at, well_text
from napari_defocus_deblur.focusmap.fix import FieldFixed, FixResult, fix_jobs, iter_fix
from napari_defocus_deblur.focusmap.names import (
    FieldFile,
    list_fields,
    parse_field,
    plate_layout,
    split_well,
    well_name,
)
from napari_defocus_deblur.focusmap.run import (
    FieldMapped,
    MapStarted,
    focus_map,
    iter_focus_map,
    map_field,
    read_field,
)
from napari_defocus_deblur.focusmap.table import (
    LOW_CONFIDENCE,
    FieldRow,
    FocusMap,
    WellSummary,
    load_rows,
    to_csv,
    to_json,
)

__all__ = [
    "LOW_CONFIDENCE",
    "FieldFile",
    "FieldFixed",
    "FieldMapped",
    "FieldRow",
    "FixResult",
    "FocusMap",
    "MapStarted",
    "WellSummary",
    "draw_plate",
    "fix_jobs",
    "focus_map",
    "iter_fix",
    "iter_focus_map",
    "list_fields",
    "load_rows",
    "map_field",
    "parse_field",
    "plate_layout",
    "read_field",
    "save_plate_png",
    "split_well",
    "to_csv",
    "to_json",
    "well_at",
    "well_name",
    "well_text",
]
