"""The focus map of a plate: one row per field, summaries per well, CSV and JSON files.

``focus.csv`` has one line per field (the columns of :data:`COLUMNS`; the within-field
depth map as a JSON list of lists, ``null`` for tiles without signal); ``focus.json``
holds the same rows plus the plate's layout and the settings of the run. Either file
can be read back (:func:`load_rows`) to resume a run.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.estimate import (  # wells below LOW_CONFIDENCE are hatched
    LOW_CONFIDENCE,
    deblur_depth,
)
from napari_defocus_deblur.focusmap.names import FieldFile

#: Columns of ``focus.csv``.
COLUMNS = (
    "path", "well", "row", "column", "site", "channel", "depth_um", "confidence",
    "blur_radius_px", "error", "estimator", "tile_depths_um", "stage_um",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class FieldRow(FieldFile):
    """The focus of one field (one image): its depth, or why it could not be read.

    The file's ``path``, ``well``, ``row``, ``column``, ``site`` and ``channel``
    (:class:`~.names.FieldFile`), then its focus. ``depth_um``, ``confidence`` and
    ``blur_radius_px`` are NaN when ``error`` is set; ``tile_depths_um`` is the
    within-field ``(ny, nx)`` depth map (µm, NaN: no signal; tiles of
    :func:`napari_defocus_deblur.estimate.tile_grid`) or None; ``estimator`` names the
    fitted coefficients that made it (and the microscope stated); ``stage_um`` is the
    stage offset on the stated microscope (NaN: none stated, ``depth_um`` is one).
    """

    depth_um: float = math.nan
    confidence: float = math.nan
    blur_radius_px: float = math.nan
    error: str = ""
    estimator: str = ""
    tile_depths_um: np.ndarray | None = field(default=None, repr=False)
    stage_um: float = math.nan

    @classmethod
    def failed(cls, file: FieldFile, error: str) -> FieldRow:
        """The row of a file that could not be read or estimated."""
        return cls(**asdict(file), error=error)

    @property
    def ok(self) -> bool:
        """True when the field has a depth."""
        return not self.error

    @property
    def distance_um(self) -> float:
        """The distance the map shows and thresholds: the stage offset on the stated
        microscope, else the depth-equivalent defocus (BBBC006's optics)."""
        return self.depth_um if math.isnan(self.stage_um) else self.stage_um

    @property
    def deblur_depth_um(self) -> float:
        """The distance the field is deblurred for: ``depth_um``, or the 10th percentile
        of its tiles when the estimate is uncertain (:func:`napari_defocus_deblur.estimate.
        deblur_depth`, as the one-click path does)."""
        return deblur_depth(self.tile_depths_um, self.depth_um, self.confidence)


@dataclass(frozen=True)
class WellSummary:
    """One well of the plate map: median depth and confidence over its fields."""

    well: str
    row: int
    column: int
    depth_um: float
    confidence: float
    fields: int
    errors: int

    @property
    def hatched(self) -> bool:
        """Unreadable (no field with a depth) or low-confidence: hatched on the map."""
        return self.fields == self.errors or not self.confidence >= LOW_CONFIDENCE


@dataclass(frozen=True, eq=False)
class FocusMap:
    """The focus of every field of a plate (:func:`napari_defocus_deblur.focusmap.focus_map`)."""

    rows: tuple[FieldRow, ...]
    layout: tuple[int, int]
    source: str = ""
    skipped: tuple[str, ...] = ()

    def wells(self, channel: int | None = None) -> dict[str, WellSummary]:
        """Per-well summaries in plate order, of ``channel`` (None: the lowest present)."""
        if channel is None:
            channel = min((r.channel for r in self.rows), default=1)
        groups: dict[str, list[FieldRow]] = {}
        for r in self.rows:
            if r.channel == channel:
                groups.setdefault(r.well, []).append(r)
        out = {}
        for well, rows in sorted(groups.items(), key=lambda kv: (kv[1][0].row, kv[1][0].column)):
            good = [r for r in rows if r.ok]
            depth = statistics.median(r.distance_um for r in good) if good else math.nan
            conf = statistics.median(r.confidence for r in good) if good else math.nan
            first = rows[0]
            out[well] = WellSummary(
                well, first.row, first.column, depth, conf, len(rows), len(rows) - len(good)
            )
        return out

    def fields_of(self, well: str) -> list[FieldRow]:
        """The rows of one well (all sites and channels)."""
        return [r for r in self.rows if r.well == well.upper()]

    def above(self, depth_um: float) -> list[FieldRow]:
        """Fields read farther from focus than ``depth_um`` (:attr:`FieldRow.distance_um`;
        error rows never are)."""
        return [r for r in self.rows if r.ok and r.distance_um > depth_um]

    @property
    def errors(self) -> list[FieldRow]:
        """Rows of files that could not be read or estimated."""
        return [r for r in self.rows if not r.ok]


def _number(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), 4)


def _grid_json(grid: np.ndarray | None) -> list | None:
    if grid is None:
        return None
    return [[_number(v) for v in line] for line in np.asarray(grid, dtype=float)]


def _record(r: FieldRow) -> dict[str, Any]:
    rec = asdict(r)
    for key in ("depth_um", "confidence", "blur_radius_px", "stage_um"):
        rec[key] = _number(rec[key])
    rec["tile_depths_um"] = _grid_json(r.tile_depths_um)
    return rec


def to_json(fmap: FocusMap, settings: dict[str, Any]) -> str:
    """``focus.json``: the layout, the run's settings and every row."""
    from napari_defocus_deblur import __version__

    data = {
        "software": f"napari-defocus-deblur {__version__}",
        "source": fmap.source,
        "layout": {"rows": fmap.layout[0], "columns": fmap.layout[1]},
        "settings": settings,
        "wells": [asdict(w) | {"hatched": w.hatched} for w in fmap.wells().values()],
        "fields": [_record(r) for r in fmap.rows],
    }
    return json.dumps(data, indent=1, allow_nan=False, default=_number)


def to_csv(fmap: FocusMap) -> str:
    """``focus.csv``: one line per field."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for r in fmap.rows:
        rec = _record(r)
        rec["tile_depths_um"] = json.dumps(rec["tile_depths_um"])
        writer.writerow({k: "" if rec[k] is None else rec[k] for k in COLUMNS})
    return buffer.getvalue()


def _row_from(rec: dict[str, Any]) -> FieldRow:
    def num(key: str) -> float:
        value = rec.get(key)
        return math.nan if value in (None, "") else float(value)

    grid = rec.get("tile_depths_um")
    if isinstance(grid, str):
        grid = json.loads(grid) if grid else None
    tiles = None if grid is None else np.array(grid, dtype=float)
    return FieldRow(
        path=str(rec["path"]), well=str(rec["well"]), row=int(rec["row"]),
        column=int(rec["column"]), site=int(rec["site"]), channel=int(rec["channel"]),
        depth_um=num("depth_um"), confidence=num("confidence"),
        blur_radius_px=num("blur_radius_px"), error=str(rec.get("error") or ""),
        estimator=str(rec.get("estimator") or ""), tile_depths_um=tiles,
        stage_um=num("stage_um"),
    )  # fmt: skip


def load_rows(path: str | os.PathLike) -> list[FieldRow]:
    """The rows of an earlier ``focus.csv`` or ``focus.json`` (to resume a run).

    Raises
    ------
    UserInputError
        Missing or unreadable file, or not a focus map.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            records = json.loads(text)["fields"]
        else:
            records = list(csv.DictReader(io.StringIO(text)))
        return [_row_from(rec) for rec in records]
    except OSError as exc:
        raise UserInputError(f"cannot read focus map {path}: {exc.strerror or exc}") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise UserInputError(f"{path} is not a focus map written by focus-map ({exc})") from exc
