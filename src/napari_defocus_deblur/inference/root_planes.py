"""Which plane of a BBBC006 root a batch run (``predict``) deblurs.

The one pairing rule (:func:`napari_defocus_deblur.constants.pair_planes`) that ``train``
and ``evaluate`` use: the plane ``--depth`` below (or above) a reference plane, which is
the data's own focus unless ``--reference-plane`` names another
(:func:`napari_defocus_deblur.io.pairing.data_focus_plane`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.outputs import Job


@dataclass(frozen=True)
class PlaneChoice:
    """Which plane of a BBBC006 root is deblurred: ``reference`` (None: the data's focus)
    and ``side`` (None: ``"below"``) of it, at the run's distance."""

    reference: int | None = None
    side: str | None = None


#: Below the data's own focus: what ``predict`` takes unless told otherwise.
DATA_FOCUS = PlaneChoice()


def is_bbbc006_root(folder: Path) -> bool:
    """Does ``folder`` hold BBBC006 plane folders or archives (``..._z_NN``)?"""
    from napari_defocus_deblur.io.bbbc006 import plane_from_name

    with os.scandir(folder) as entries:
        return any(plane_from_name(e.name) is not None for e in entries)


def bbbc006_jobs(
    root: Path, outdir: Path, depth_um: float, planes: PlaneChoice, notes: list[str]
) -> list[Job]:
    """Jobs for the plane ``depth_um`` from the reference plane of a BBBC006 root.

    The one pairing rule (:func:`~napari_defocus_deblur.constants.pair_planes`): below the
    data's own focus unless ``planes`` says otherwise (z_17 for real BBBC006, so 34 µm
    is z_00 as in the paper; the recorded focus of a simulated set).
    """
    from napari_defocus_deblur.io.bbbc006 import discover, plane_dir_name
    from napari_defocus_deblur.io.pairing import root_planes

    plane, reference = root_planes(root, depth_um, planes.reference, planes.side)
    side = "below" if plane < reference else "above"
    where = f"z_{plane:02d} ({depth_um:g} µm {side} z_{reference:02d})"
    index = discover(root)
    if plane not in index.planes:
        have = ", ".join(f"z_{z:02d}" for z in index.planes if z >= 0) or "none"
        raise UserInputError(
            f"BBBC006 root {root} has no plane {where} (planes: {have}); choose --depth, "
            "--reference-plane or --side"
        )
    jobs = []
    for key in sorted(index.files):
        path = index.files[key].get(plane)
        if path is not None:
            jobs.append(Job(str(path), outdir / plane_dir_name(plane) / Path(path).name, depth_um))
    notes.append(f"took {where} from {root}: {len(jobs)} file(s)")
    return jobs
