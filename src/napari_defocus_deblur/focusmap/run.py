"""Map the focus of a plate: read every field lazily, estimate it on a thread pool.

:func:`iter_focus_map` is the long job (a generator of :class:`FieldMapped` events that
returns the :class:`FocusMap`); :func:`focus_map` runs it to the end. Only a few images
are in memory at a time (``2 * workers``), so memory stays flat as the plate grows.
Closing the generator (Ctrl-C, a Cancel button) stops it after the fields being read;
a rerun given the rows mapped so far (``resume_from``) reads none of their files again.
"""

from __future__ import annotations

import math
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.focusmap.names import FieldFile, list_fields, plate_layout
from napari_defocus_deblur.focusmap.table import FieldRow, FocusMap, load_rows
from napari_defocus_deblur.progress import drive, with_signature_of

if TYPE_CHECKING:
    import numpy as np

    from napari_defocus_deblur.simulate.microscope import Microscope

#: Failures of one file that make an error row instead of stopping the run.
FIELD_ERRORS = (UserInputError, OSError, ValueError, MemoryError)


@dataclass(frozen=True)
class MapStarted:
    """The plate is listed: ``total`` fields, ``reused`` of them from an earlier run, on
    a plate of ``layout`` (rows, columns)."""

    total: int
    reused: int
    layout: tuple[int, int] = (16, 24)


@dataclass(frozen=True)
class FieldMapped:
    """One more field is mapped (``done`` of ``total``, reused ones included)."""

    row: FieldRow
    done: int
    total: int

    @property
    def fraction(self) -> float:
        """Share of the plate mapped, 0..1."""
        return self.done / max(self.total, 1)


def read_field(path: str) -> tuple[np.ndarray, float | None]:
    """The pixels of one field (2-D; the first plane of a stack), read from disk or a zip,
    and the pixel size its file records (µm; None when it records none)."""
    from napari_defocus_deblur.io.tiff import read_image

    image, meta = read_image(path)
    axes = str(meta.get("axes") or "")
    if image.ndim == 3 and "S" in axes[-1:]:  # RGB(A): the first sample
        image = image[..., 0]
    while image.ndim > 2:
        image = image[0]
    return image, meta.get("pixel_size_um")


def map_field(file: FieldFile, microscope: Microscope | None = None) -> FieldRow:
    """Read and estimate one field; a file that cannot be used becomes an error row.
    Under a stated ``microscope`` the row also holds the stage offset. Pixels off
    BBBC006's grid, stated or (with no microscope stated) recorded finer in the file, are
    read on it (``estimate_tiles``, ``image_microscope``)."""
    from napari_defocus_deblur.estimate import defocus_from_tiles, estimate_tiles
    from napari_defocus_deblur.simulate.recorded import image_microscope

    try:
        image, recorded_um = read_field(file.path)
        reader = image_microscope(microscope, recorded_um)
        tiles = estimate_tiles(image, microscope=reader)
        est = defocus_from_tiles(tiles)
    except FIELD_ERRORS as exc:
        text = " ".join(str(exc).split()) or type(exc).__name__
        return FieldRow.failed(file, text if file.path in text else f"{file.path}: {text}")
    return FieldRow(
        **asdict(file),
        depth_um=est.depth_um,
        confidence=est.confidence,
        blur_radius_px=est.blur_radius_px,
        estimator=map_estimator(microscope, reader),
        tile_depths_um=tiles.depths_um,
        stage_um=math.nan if microscope is None else microscope.stage_um(est.depth_um),
    )


#: How a row read on the pixel size its file records says so (after the estimator's id).
RECORDED_PIXELS = " on recorded pixels of "


def map_estimator(microscope: Microscope | None = None, reader: Microscope | None = None) -> str:
    """What made a row: the estimator's id (:func:`~napari_defocus_deblur.estimate.
    estimator_id`), and the microscope stated, or with none stated the pixel size the
    field's file recorded when it was read on it (``reader``); rows are reused only by
    the same."""
    from napari_defocus_deblur.estimate import estimator_id

    if microscope is not None:
        return f"{estimator_id(microscope)} under {microscope.describe()}"
    if reader is not None:
        return f"{estimator_id(reader)}{RECORDED_PIXELS}{reader.pixel_size_um:g} µm"
    return estimator_id()


def _reusable(
    resume_from: str | os.PathLike | Iterable[FieldRow] | None, microscope: Microscope | None
) -> dict[str, FieldRow]:
    """Finished rows of an earlier run made by the same estimator and microscope, by path
    (with none stated, rows read on their file's recorded pixel size too)."""
    if resume_from is None:
        return {}
    rows = load_rows(resume_from) if isinstance(resume_from, (str, os.PathLike)) else resume_from
    current = map_estimator(microscope)
    recorded = current + RECORDED_PIXELS

    def same(estimator: str) -> bool:
        return estimator == current or (microscope is None and estimator.startswith(recorded))

    return {r.path: r for r in rows if r.ok and same(r.estimator)}


def iter_focus_map(
    source: str | os.PathLike | Sequence[str | os.PathLike],
    *,
    pattern: str | None = None,
    channel: int | None = None,
    workers: int = 2,
    resume_from: str | os.PathLike | Iterable[FieldRow] | None = None,
    microscope: Microscope | None = None,
) -> Generator[MapStarted | FieldMapped, None, FocusMap]:
    """Map the focus of every field of a plate, yielding one event per field.

    Parameters
    ----------
    source
        A plate folder (searched recursively), a ``.zip`` archive or a list of files
        whose names give well, site and channel.
    pattern
        Regular expression with named groups ``well`` (and optionally ``site``,
        ``channel``) for names other than BBBC006's (:mod:`.names`).
    channel
        Map only this channel (None: every channel).
    workers
        Threads reading and estimating fields.
    resume_from
        An earlier ``focus.csv``/``focus.json`` or its rows: fields finished there (same
        path, same estimator and microscope, no error) are reused and their files are
        not read.
    microscope
        The optics the plate was imaged with, when not BBBC006's
        (:class:`~napari_defocus_deblur.simulate.microscope.Microscope`): every row then
        also holds its stage offset on that microscope (``stage_um``), and the map's
        distances, wells and thresholds are those (:attr:`.table.FieldRow.distance_um`).

    Yields
    ------
    MapStarted, then FieldMapped
        One :class:`FieldMapped` per field, reused ones first.

    Returns
    -------
    FocusMap
        One row per field in plate order.

    Raises
    ------
    UserInputError
        Nothing to map (see :func:`.names.list_fields`) or ``workers`` below 1.
    """
    if int(workers) < 1:
        raise UserInputError(f"workers must be at least 1, got {workers}")
    files, skipped = list_fields(source, pattern, channel)
    earlier = _reusable(resume_from, microscope)
    done: dict[str, FieldRow] = {f.path: earlier[f.path] for f in files if f.path in earlier}
    total = len(files)
    layout = plate_layout(files)
    yield MapStarted(total, len(done), layout)
    for count, row in enumerate(done.values(), 1):
        yield FieldMapped(row, count, total)
    pool = _run_pool([f for f in files if f.path not in done], int(workers), microscope)
    try:
        for row in pool:
            done[row.path] = row
            yield FieldMapped(row, len(done), total)
    finally:  # closed early: cancel the fields not started, wait for those in flight
        pool.close()
    rows = tuple(done[f.path] for f in files)
    label = os.fspath(source) if isinstance(source, (str, os.PathLike)) else ""
    return FocusMap(rows, layout, label, tuple(skipped))


def _run_pool(
    files: list[FieldFile], workers: int, microscope: Microscope | None = None
) -> Generator[FieldRow, None, None]:
    """:func:`map_field` of each file on ``workers`` threads, results in order; at most
    ``2 * workers`` files in flight, the rest cancelled when the generator is closed."""
    pool = ThreadPoolExecutor(workers, thread_name_prefix="focus-map")
    pending: deque[Future] = deque()
    queue = iter(files)
    try:
        for file in queue:
            pending.append(pool.submit(map_field, file, microscope))
            if len(pending) >= 2 * workers:
                break
        while pending:
            row = pending.popleft().result()
            file = next(queue, None)
            if file is not None:
                pending.append(pool.submit(map_field, file, microscope))
            yield row
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)


@with_signature_of(iter_focus_map)
def focus_map(
    source: Any, *args: Any, progress: Callable[[Any], Any] | None = None, **kwargs: Any
) -> FocusMap:
    """Map the focus of every field of a plate (:func:`iter_focus_map` run to the end).

    Takes :func:`iter_focus_map`'s arguments (the same signature) plus ``progress``, which
    receives its events.

    Returns
    -------
    FocusMap
        One row per field: well, row, column, site, channel, depth (µm), confidence,
        blur radius (px), error, and the within-field depth map.
    """
    return drive(iter_focus_map(source, *args, **kwargs), progress)
