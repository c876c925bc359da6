"""Deblur only the fields a focus map read as out of focus, each at its own distance.

The batch machinery of ``predict`` does the work (:func:`~napari_defocus_deblur.
inference.batch.run_serial`, same output layout, metadata, locking and clean-up); each
job carries its field's estimated depth (for an uncertain estimate the 10th percentile
of its tiles, ``FieldRow.deblur_depth_um``), so a depth-conditioned network is told every
field's distance. Outputs that exist already are refused before any work, with the same
message as ``predict``, unless ``overwrite``.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.focusmap.table import FocusMap

if TYPE_CHECKING:
    from napari_defocus_deblur.simulate.microscope import Microscope


@dataclass(frozen=True)
class FieldFixed:
    """One selected field is done: written to ``target`` or skipped with ``error``."""

    source: str
    target: str | None
    depth_um: float
    error: str | None
    done: int
    total: int

    @property
    def fraction(self) -> float:
        """Share of the selected fields done, 0..1."""
        return self.done / max(self.total, 1)


@dataclass(frozen=True)
class FixResult:
    """What :func:`iter_fix` did: files written, files skipped (with reasons)."""

    written: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    model_name: str = ""
    selected: int = 0
    notes: tuple[str, ...] = field(default=())


def fix_jobs(
    fmap: FocusMap,
    outdir: str | os.PathLike,
    above_um: float,
    *,
    overwrite: bool,
    microscope: Microscope | None = None,
) -> list:
    """The ``predict`` jobs of the fields deeper than ``above_um``: outputs keep the
    sources' paths relative to the plate (its folder or archive; for a list of files
    their common folder) under ``outdir``, as ``predict PLATE -o OUTDIR`` would. Under a
    stated ``microscope`` each job carries the stage offset its reading means there
    (``predict`` converts it back for the network, as any recorded distance).

    Raises
    ------
    UserInputError
        Outputs that exist already (without ``overwrite``) or would replace an input.
    """
    from napari_defocus_deblur.inference.files import Job, check_targets

    rows = fmap.above(above_um)
    if not rows:
        return []
    outdir = Path(outdir).expanduser()
    common = _plate_base(fmap)
    convert = microscope.stage_um if microscope is not None else float
    jobs = [
        Job(
            r.path,
            outdir / os.path.relpath(os.path.abspath(r.path), common),
            convert(r.deblur_depth_um),
        )
        for r in rows
    ]
    return check_targets(jobs, overwrite)


def _plate_base(fmap: FocusMap) -> str:
    """The folder (or ``.zip``) the output paths are relative to."""
    source = fmap.source
    if source and (os.path.isdir(source) or source.lower().endswith(".zip")):
        return os.path.abspath(source)
    return os.path.commonpath([os.path.dirname(os.path.abspath(r.path)) for r in fmap.rows])


def _options(
    model: str | None,
    fusion: str | None,
    device: str,
    depths: list[float],
    microscope: Microscope | None = None,
) -> object:
    """The batch settings: the model given, or the bundled one for the median depth
    (BBBC006 micrometres)."""
    import statistics

    from napari_defocus_deblur.inference.batch import PredictOptions
    from napari_defocus_deblur.inference.models import resolve_model_path, select_model
    from napari_defocus_deblur.model.checkpoint import read_checkpoint_info

    if model:
        model_dir = resolve_model_path(model)
    else:
        model_dir = select_model(statistics.median(depths), fusion).path
    info = read_checkpoint_info(model_dir)
    return PredictOptions(
        model_dir=str(Path(model_dir).resolve()),
        model_name=str(info.get("name") or Path(model_dir).name),
        depth_um="auto",  # the run plan takes each field's mapped depth (job.depth_um)
        fusion=info.get("fusion", fusion),
        device=device,
        microscope=microscope,
    )


def iter_fix(
    fmap: FocusMap,
    outdir: str | os.PathLike,
    above_um: float,
    *,
    model: str | None = None,
    fusion: str | None = None,
    device: str = "auto",
    overwrite: bool = False,
    microscope: Microscope | None = None,
) -> Generator[FieldFixed, None, FixResult]:
    """Deblur the fields of ``fmap`` read deeper than ``above_um``, each at its depth.

    Parameters
    ----------
    fmap
        The plate's focus map.
    outdir
        Output folder (as ``predict -o``).
    above_um
        Threshold: only fields whose depth exceeds it are deblurred.
    model, fusion, device
        As ``predict --model/--fusion/--device`` (default: the bundled model for the
        selected fields' median depth).
    overwrite
        Replace outputs that exist already (default: refuse before any work).
    microscope
        The optics the plate was imaged with (as mapped, :func:`~.run.iter_focus_map`):
        images of other pixel sizes are then deblurred on BBBC006's grid and brought
        back, and ``above_um`` is a stage offset on it.

    Yields
    ------
    FieldFixed
        One per selected field.

    Raises
    ------
    UserInputError
        Bad threshold, no model, or outputs that exist already (nothing is written).
    """
    from napari_defocus_deblur.inference.batch import run_serial
    from napari_defocus_deblur.inference.outputs import output_run

    if not float(above_um) >= 0.0:
        raise UserInputError(f"the threshold must be a depth of at least 0 µm, got {above_um}")
    jobs = fix_jobs(fmap, outdir, float(above_um), overwrite=overwrite, microscope=microscope)
    if not jobs:
        return FixResult()
    readings = [r.deblur_depth_um for r in fmap.above(float(above_um))]
    options = _options(model, fusion, device, readings, microscope)
    depth_of = {j.source: j.depth_um for j in jobs}
    written, skipped = [], []
    with output_run(outdir, jobs):
        results = run_serial(jobs, options)
        try:
            for done, res in enumerate(results, 1):
                if res.error:
                    skipped.append((res.source, res.error))
                else:
                    written.append(str(res.target))
                yield FieldFixed(
                    res.source, res.target, depth_of[res.source], res.error, done, len(jobs)
                )
        finally:
            results.close()
    return FixResult(tuple(written), tuple(skipped), options.model_name, len(jobs))
