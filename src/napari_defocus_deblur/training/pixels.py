"""Training images of another pixel size: which size a data set is read at, and its
pairs binned onto BBBC006's grid.

A microscopist's z-stacks are often taken with 0.16-0.33 µm pixels (a 40x or 60x
objective), two to four times finer than BBBC006's 0.645 µm. Fine-tuning on them binned
onto BBBC006's grid (:class:`~napari_defocus_deblur.simulate.sampling.Regrid`, the same
binning inference applies) keeps the nuclei and blur discs the network learnt at their
scale: in the pilot (``scripts/finetune_pixel_sizes.py``) binned pairs gained 1.2-1.7 dB
more than the same pairs on their own pixels. The network's record keeps the data's pixel
size, so images of that microscope are binned alike before it runs
(:func:`~napari_defocus_deblur.inference.units.regrid_for`). The pixel size is the one
stated, else the one the files record, by the rule every image is read with
(:func:`~napari_defocus_deblur.simulate.recorded.image_microscope`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from napari_defocus_deblur.constants import PIXEL_SIZE_UM
from napari_defocus_deblur.simulate.microscope import Microscope
from napari_defocus_deblur.simulate.recorded import image_microscope
from napari_defocus_deblur.simulate.sampling import Regrid


def training_pixel_size(stated_um: float | None, recorded_um: object = None) -> float | None:
    """The pixel size (µm) training images are read at: ``stated_um``, else the size the
    files record when it is finer than BBBC006's beyond the tolerance (a coarser recorded
    size is not acted on, as for any image), else None (BBBC006's)."""
    stated = None if stated_um is None else Microscope(pixel_size_um=float(stated_um))
    microscope = image_microscope(stated, recorded_um)
    return None if microscope is None else microscope.pixel_size_um


def needs_grid(pixel_size_um: float | None) -> bool:
    """Are images of ``pixel_size_um`` brought onto BBBC006's grid (off it beyond the
    tolerance, within the coarsest size the networks run on)? Raises ``UserInputError``
    for pixels too coarse (:meth:`~napari_defocus_deblur.simulate.microscope.Microscope.
    regrid`)."""
    if pixel_size_um is None:
        return False
    return Microscope(pixel_size_um=pixel_size_um).regrid((16, 16)) is not None


def pair_on_grid(
    oof: np.ndarray, sharp: np.ndarray, pixel_size_um: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """The raw pair (2-D, same shape) on BBBC006's grid when its pixels are off it, else
    as given: both binned alike, noise averaged as a coarser camera would."""
    if not needs_grid(pixel_size_um):
        return oof, sharp
    grid = Regrid(tuple(np.shape(oof)[-2:]), float(pixel_size_um))  # type: ignore[arg-type]
    return grid.apply(oof), grid.apply(sharp)


def recorded_pixel_size(pairs: Sequence[Any]) -> object:
    """The pixel size the first z-stack file of ``pairs`` records (µm, as the reader
    returns it; :func:`training_pixel_size` judges it), or None (single-plane BBBC006
    files)."""
    from napari_defocus_deblur.io.tiff import read_header

    stacks = [p for p in pairs if getattr(p, "oof_index", None) is not None]
    if not stacks:
        return None
    return read_header(stacks[0].oof_path).get("pixel_size_um")


def grid_note(pixel_size_um: float | None, on_grid: bool) -> str:
    """One line on how training images of ``pixel_size_um`` were sampled ("" when they
    were BBBC006's)."""
    if pixel_size_um is None or not needs_grid(pixel_size_um):
        return ""
    if not on_grid:
        return f"training on the images' own {pixel_size_um:g} µm pixels"
    how = Regrid((16, 16), pixel_size_um).how
    return (
        f"the images' {pixel_size_um:g} µm pixels {how} onto BBBC006's {PIXEL_SIZE_UM:g} µm grid"
    )
