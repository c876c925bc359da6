"""Which microscope an image is read and deblurred under when the user states none: the
pixel size its file records (OME ``PhysicalSizeX``, ImageJ or TIFF resolution).

``predict``, the Deblur dock and the focus map ask :func:`image_microscope`, so a 40x
OME-TIFF is treated alike everywhere.
"""

from __future__ import annotations

from napari_defocus_deblur.simulate.microscope import BOUNDS, Microscope


def records_pixel_size(pixel_size_um: object) -> bool:
    """Is ``pixel_size_um`` (as a reader returns a file's) a pixel size, within the bounds
    a user may state? (None, text or an absurd number: nothing recorded.)"""
    if not isinstance(pixel_size_um, int | float) or isinstance(pixel_size_um, bool):
        return False
    low, high = BOUNDS["pixel_size_um"]
    return low <= pixel_size_um <= high


def recorded_microscope(pixel_size_um: object) -> Microscope | None:
    """The microscope an image's file implies when none is stated: its recorded pixel size
    (OME ``PhysicalSizeX``, ImageJ or TIFF resolution, as the readers return it) with
    BBBC006's other optics, when that size is finer than BBBC006's beyond
    :data:`~.sampling.SAMPLING_TOLERANCE` (binned onto its grid); None otherwise. A coarser
    recorded size is not acted on: interpolating up by a factor read from a file (a
    camera pixel recorded instead of the sample's) could multiply the image's size, so
    such images are regridded only when the user states the pixel size."""
    if not records_pixel_size(pixel_size_um):
        return None
    recorded = Microscope(pixel_size_um=float(pixel_size_um))  # type: ignore[arg-type]
    return recorded if recorded.finer_than_bbbc006 else None


def image_microscope(
    stated: Microscope | None, recorded_pixel_size_um: object
) -> Microscope | None:
    """The microscope an image is read and deblurred under: the optics the user stated,
    else those its file's recorded pixel size implies (:func:`recorded_microscope`), else
    None (BBBC006's). ``predict``, the Deblur dock and the focus map all ask here."""
    return stated if stated is not None else recorded_microscope(recorded_pixel_size_um)
