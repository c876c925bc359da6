"""Which micrometres a network learnt: BBBC006's optics, or its own training data's.

The bundled networks, and every network trained on the simulator or on BBBC006, learnt
distances under BBBC006's optics, at its sampling: a distance told under another
microscope is converted to them (:func:`~.plane_depths.plane_depths`), and an image
whose pixels differ from BBBC006's beyond the tolerance is brought onto its grid and
back (:func:`regrid_for`). A network fine-tuned on a user's own z-stacks learnt that
microscope's stage offsets instead: it is told distances as given, and estimates (which
read BBBC006 micrometres) are converted to the stated microscope
(:func:`in_network_units`). Its pixels are BBBC006's grid when its training images were
binned onto it (the default, :mod:`napari_defocus_deblur.training.pixels`): images are
binned alike, at the stated or recorded pixel size, else at its training images'
(:func:`trained_microscope`); a network trained on its images' own pixels sees the image
as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from napari_defocus_deblur.inference.plane_depths import ESTIMATED, PlaneDepth

if TYPE_CHECKING:
    from napari_defocus_deblur.simulate.microscope import Microscope
    from napari_defocus_deblur.simulate.sampling import Regrid

#: Training-record sources of simulated data start with this.
PRIOR_SOURCE = "prior:"


def _training_data(info: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """The ``training.data`` section of a checkpoint record, when there is one."""
    training = (info or {}).get("training")
    data = training.get("data") if isinstance(training, Mapping) else None
    return data if isinstance(data, Mapping) else None


def learnt_bbbc006_um(info: Mapping[str, Any] | None) -> bool:
    """Did the network learn distances under BBBC006's optics? True for simulated data
    (source ``prior:...``), BBBC006 plane pairings and networks without a training
    record (bundled or freshly built); False for z-stacks and arrays of one's own."""
    data = _training_data(info)
    if data is None:
        return True
    if str(data.get("source", "")).startswith(PRIOR_SOURCE):
        return True
    pairing = data.get("pairing")
    return (
        isinstance(pairing, list)
        and bool(pairing)
        and all(isinstance(p, Mapping) and p.get("blurred_plane") is not None for p in pairing)
    )


def in_network_units(
    planes: Sequence[PlaneDepth], info: Mapping[str, Any] | None, microscope: Microscope | None
) -> tuple[PlaneDepth, ...]:
    """``planes`` (BBBC006 micrometres) as a network is told them: unchanged for a
    network that learnt BBBC006's optics (estimates are read on its grid, whatever the
    pixels); for one that learnt its own data's micrometres, told distances as the user
    gave them and estimates converted to ``microscope``."""
    if microscope is None or learnt_bbbc006_um(info):
        return tuple(planes)
    out = []
    for plane in planes:
        if plane.stated_um is not None:
            out.append(replace(plane, depth_um=plane.stated_um, stated_um=None))
        elif plane.origin == ESTIMATED:
            out.append(replace(plane, depth_um=microscope.stage_um(plane.depth_um)))
        else:
            out.append(plane)
    return tuple(out)


def learnt_bbbc006_grid(info: Mapping[str, Any] | None) -> bool:
    """Did the network learn BBBC006's sampling? Every network that learnt its
    micrometres, and one fine-tuned on images binned onto its grid."""
    data = _training_data(info) or {}
    return learnt_bbbc006_um(info) or data.get("on_bbbc006_grid") is True


def trained_microscope(info: Mapping[str, Any] | None) -> Microscope | None:
    """The microscope a network fine-tuned on images binned onto BBBC006's grid expects
    when an image states none: its training images' pixel size, with BBBC006's other
    optics; None for every other network (or a record that cannot be read)."""
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.simulate.microscope import Microscope

    data = _training_data(info) or {}
    pixel = data.get("pixel_size_um")
    if learnt_bbbc006_um(info) or data.get("on_bbbc006_grid") is not True:
        return None
    if not isinstance(pixel, int | float) or isinstance(pixel, bool):
        return None
    try:
        return Microscope(pixel_size_um=float(pixel))
    except UserInputError:
        return None


def network_pixel_size_um(info: Mapping[str, Any] | None) -> float:
    """The pixel size (µm) a network runs on: BBBC006's for every network that learnt its
    grid (binned training images included), its training images' own for one trained on
    them, when the record gives it (BBBC006's otherwise)."""
    from napari_defocus_deblur.constants import PIXEL_SIZE_UM

    pixel = (_training_data(info) or {}).get("pixel_size_um")
    if learnt_bbbc006_grid(info) or not isinstance(pixel, int | float) or pixel <= 0:
        return PIXEL_SIZE_UM
    return float(pixel)


def regrid_for(
    shape: tuple[int, ...], info: Mapping[str, Any] | None, microscope: Microscope | None
) -> Regrid | None:
    """How an image of ``shape`` under ``microscope`` is brought onto BBBC006's grid for
    a network with checkpoint record ``info`` (None: a bundled one): for networks that
    learnt BBBC006's sampling (:func:`learnt_bbbc006_grid`) when the pixels are off it
    (:meth:`~napari_defocus_deblur.simulate.microscope.Microscope.regrid`), else None."""
    if microscope is None or not learnt_bbbc006_grid(info):
        return None
    return microscope.regrid(shape)


def image_sampling(
    shape: tuple[int, ...],
    info: Mapping[str, Any] | None,
    microscope: Microscope | None,
    recorded_pixel_size_um: object = None,
) -> tuple[Microscope | None, Regrid | None, list[str]]:
    """The microscope an image of ``shape`` is read under for a network with record
    ``info`` (``microscope``; else, when the image's file records no pixel size
    (``recorded_pixel_size_um``), its training images', :func:`trained_microscope`), how
    it is brought onto BBBC006's grid (:func:`regrid_for`), and the notes saying so."""
    from napari_defocus_deblur.simulate.recorded import records_pixel_size

    notes = []
    if microscope is None and not records_pixel_size(recorded_pixel_size_um):
        microscope = trained_microscope(info)
        if microscope is not None:
            notes.append(
                f"read at the {microscope.pixel_size_um:g} µm pixels of the network's "
                "training images (state the pixel size if this image's differ)"
            )
    regrid = regrid_for(shape, info, microscope)
    return microscope, regrid, notes + ([regrid.note()] if regrid else [])
