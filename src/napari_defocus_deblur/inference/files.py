"""Which files a batch run reads and where it writes them.

Inputs may be TIFF files, folders (searched recursively for ``*.tif``/``*.tiff``) and
BBBC006 roots (a folder holding ``BBBC006_v1_images_z_NN`` plane folders or ``.zip``
archives), of which only the planes at the requested distance from focus are taken.
Outputs keep the inputs' paths relative to their common base folder under OUTDIR,
never replace an input, and replace an existing file only when asked (``overwrite``).
Folder scans skip OUTDIR and the results of earlier runs (TIFFs this package wrote),
so a run with ``-o`` inside an input folder never deblurs deblurred images again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.outputs import Job, written_by_us
from napari_defocus_deblur.inference.root_planes import (
    DATA_FOCUS,
    PlaneChoice,
    bbbc006_jobs,
    is_bbbc006_root,
)
from napari_defocus_deblur.io.atomic import refuse_existing

TIFF_SUFFIXES = (".tif", ".tiff")


def _is_tiff(name: str) -> bool:
    return name.lower().endswith(TIFF_SUFFIXES) and not os.path.basename(name).startswith(".")


@dataclass
class JobPlan:
    """The jobs of a run and notes for the user about files that were left out."""

    jobs: list[Job]
    notes: list[str] = field(default_factory=list)


def _scan_folder(folder: Path, outdir: Path, earlier: list[Path]) -> list[Path]:
    """TIFFs under ``folder``, except in ``outdir`` and earlier results (added to
    ``earlier``)."""

    found = []
    for root, dirs, names in os.walk(folder):
        here = Path(root)
        dirs[:] = sorted(d for d in dirs if not _same_or_inside(here / d, outdir))
        for name in sorted(names):
            if not _is_tiff(name):
                continue
            if written_by_us(here / name):
                earlier.append(here / name)
            else:
                found.append(here / name)
    return found


def _same_or_inside(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


def collect_jobs(
    inputs: list[str | os.PathLike],
    outdir: str | os.PathLike,
    depth_um: float | str,
    *,
    overwrite: bool = False,
    planes: PlaneChoice = DATA_FOCUS,
) -> list[Job]:
    """The files to deblur and their output paths (:func:`plan_jobs` without notes)."""
    return plan_jobs(inputs, outdir, depth_um, overwrite=overwrite, planes=planes).jobs


def plan_jobs(
    inputs: list[str | os.PathLike],
    outdir: str | os.PathLike,
    depth_um: float | str,
    *,
    overwrite: bool = False,
    planes: PlaneChoice = DATA_FOCUS,
) -> JobPlan:
    """The files to deblur, their output paths, and notes on files left out.

    Parameters
    ----------
    inputs
        TIFF files, folders and BBBC006 roots.
    outdir
        The output folder (never scanned for inputs).
    depth_um
        Distance from focus: which planes of a BBBC006 root are taken (``"auto"``:
        BBBC006 roots are refused, files and folders are taken as they are).
    overwrite
        Allow outputs that replace existing files.
    planes
        The reference plane and side of BBBC006 roots (default: below the data's focus).

    Raises
    ------
    UserInputError
        Missing inputs, no TIFFs found, an output path equal to an input file, or
        (without ``overwrite``) outputs that exist already.
    """
    outdir = Path(outdir).expanduser()
    if not inputs:
        raise UserInputError("no input given: pass TIFF files, folders or BBBC006 roots")
    earlier: list[Path] = []
    notes: list[str] = []
    jobs = _collect(inputs, outdir, depth_um, earlier, (planes, notes))
    if not jobs:
        raise UserInputError(
            f"nothing to deblur: the only TIFFs found were results of earlier runs "
            f"(e.g. {earlier[0]})"
        )
    jobs = check_targets(_dedupe(jobs), overwrite)
    earlier = list({os.path.realpath(p): p for p in earlier}.values())  # each file once
    if earlier:
        notes.append(
            f"left out {len(earlier)} result(s) of earlier predict runs found in the input "
            f"folders (e.g. {earlier[0]}); name such files explicitly to deblur them again"
        )
    return JobPlan(jobs, notes)


def _collect(
    inputs: list[str | os.PathLike],
    outdir: Path,
    depth_um: float | str,
    earlier: list[Path],
    roots: tuple[PlaneChoice, list[str]],
) -> list[Job]:
    plain: list[tuple[Path, Path]] = []  # (file, folder it was found under)
    jobs: list[Job] = []
    for item in inputs:
        path = Path(item).expanduser()
        if not path.exists():
            raise UserInputError(f"input not found: {path}")
        if path.is_dir() and is_bbbc006_root(path):
            if not isinstance(depth_um, int | float):
                raise UserInputError(
                    f"{path} is a BBBC006 root: its planes are chosen by distance, so give "
                    "--depth in µm (not 'auto'), or pass plane folders or files"
                )
            jobs += bbbc006_jobs(path, outdir, depth_um, *roots)
        elif path.is_dir():
            found = _scan_folder(path, outdir, earlier)
            if not found and not earlier:
                raise UserInputError(f"no .tif/.tiff files found in {path}")
            plain += [(f, path) for f in found]
        elif _is_tiff(path.name):
            plain.append((path, path.parent))
        else:
            raise UserInputError(f"{path} is not a TIFF file (.tif/.tiff) or a folder")
    if plain:  # keep paths relative to the common base of all inputs
        common = os.path.commonpath([os.path.abspath(base) for _f, base in plain])
        for file, _base in plain:
            rel = os.path.relpath(os.path.abspath(file), common)
            jobs.append(Job(str(file), outdir / rel))
    return jobs


def _dedupe(jobs: list[Job]) -> list[Job]:
    seen: dict[str, Job] = {}
    for job in jobs:
        seen.setdefault(os.path.realpath(job.source), job)
    return list(seen.values())


def check_targets(jobs: list[Job], overwrite: bool) -> list[Job]:
    sources = {os.path.realpath(j.source) for j in jobs}
    targets: dict[str, str] = {}
    existing: list[Path] = []
    for job in jobs:
        target = os.path.realpath(job.target)
        if target in sources:
            raise UserInputError(
                f"the output folder would overwrite input file {target}; choose another "
                "output folder"
            )
        if target in targets:
            raise UserInputError(
                f"{targets[target]} and {job.source} would both be written to {job.target}"
            )
        targets[target] = job.source
        if os.path.lexists(job.target):
            if os.path.isdir(job.target):
                raise UserInputError(f"output {job.target} is a folder; choose another -o")
            existing.append(job.target)
    refuse_existing(existing, overwrite=overwrite)
    return jobs


def read_input(source: str) -> tuple[np.ndarray, dict[str, Any]]:
    """Pixels and metadata of an input file (UserInputError when unreadable).

    A TIFF holding several image series is refused: one result per file could not hold
    them all, and deblurring the first alone would drop the others without a word.
    """
    from napari_defocus_deblur.io.tiff import read_image

    image, meta = read_image(source)
    if meta.get("skipped"):
        raise UserInputError(
            f"{source}: holds {len(meta['skipped']) + 1} image series; predict deblurs one "
            "image per file: save each series as its own TIFF first"
        )
    return image, meta


def write_output(
    path: str | os.PathLike,
    array: np.ndarray,
    metadata: dict[str, Any],
    *,
    overwrite: bool = True,
) -> Path:
    """Write a result TIFF with ``metadata`` as JSON in the ImageDescription.

    Integer images are zlib-compressed (level 1); float images are stored uncompressed
    (noise-like float mantissas shrink by ~10 % at ~40x the encoding time).

    ``metadata`` may hold ``axes`` (kept as the TIFF's axes) and ``pixel_size_um``
    (also written as the resolution tags, in centimetre units).

    The file is written under a temporary name unique to this call and renamed onto
    ``path`` when complete; a failed write leaves nothing behind. With
    ``overwrite=False`` an existing ``path`` is never replaced.

    Raises
    ------
    UserInputError
        The result holds NaN or infinite values (nothing is written), or ``path``
        exists and ``overwrite`` is False.
    """
    import tifffile

    from napari_defocus_deblur.inference.checks import check_finite_output
    from napari_defocus_deblur.io.atomic import atomic_write

    path = Path(path)
    check_finite_output(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {k: v for k, v in metadata.items() if v is not None}
    axes = meta.get("axes")
    if not isinstance(axes, str) or len(axes) != array.ndim or "S" in axes:
        meta.pop("axes", None)
    kwargs: dict[str, Any] = {}
    px = meta.get("pixel_size_um")
    if isinstance(px, int | float) and px > 0:
        kwargs.update(resolution=(1e4 / px, 1e4 / px), resolutionunit=3)
    if array.dtype.kind in "ui":
        kwargs.update(compression="zlib", compressionargs={"level": 1})

    def write(tmp: Path) -> None:
        tifffile.imwrite(tmp, array, metadata=meta, photometric="minisblack", **kwargs)

    return atomic_write(path, write, overwrite=overwrite)
