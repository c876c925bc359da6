"""Nominal-equivalent distance: what an image's blur says when the optics are unknown.

An image records its blur, not the optics that made it. Under the simulator's pupil
model the stage offset enters only as ``stage_um * defocus_scale``, so a field at 34 µm
whose defocus scale is 1.21 times the nominal one is the *same* image as a nominal field
at 41.1 µm. Any estimator that reads a single image (ours, or any other) must give both
the same answer. :func:`nominal_equivalent_um` gives the stage offset below focus at
which the calibrated nominal optics blur as much as the given optics do (equal radius
holding 80 % of the PSF's energy). ``|equivalent - true|`` is then the error that even a
perfect reader of nominal-equivalent micrometres makes, and no single-image estimator
can beat it on optics it is not told about.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from napari_defocus_deblur.constants import CHANNELS
from napari_defocus_deblur.simulate.prior import PRESETS
from napari_defocus_deblur.simulate.pupil import Optics, encircled_radius_px, gibson_lanni_psf

#: Energy fraction of the radius that is matched.
ENERGY_FRACTION = 0.8
#: Stage offsets below focus of the nominal curve, µm (beyond it: extrapolated linearly).
CURVE_UM = tuple(float(z) for z in np.arange(0.0, 81.0, 1.0))


def blur_radius_px(stage_um: float, optics: Optics, wavelength_nm: float) -> float:
    """Radius (pixels) holding 80 % of the simulator's PSF energy at a signed offset."""
    kernel = gibson_lanni_psf(stage_um, wavelength_nm, optics)
    return encircled_radius_px(kernel, ENERGY_FRACTION)


@lru_cache(maxsize=4)
def _nominal_curve(wavelength_nm: float) -> np.ndarray:
    nominal = PRESETS["nominal"].draw(np.random.default_rng(0)).optics  # fixed values
    radii = [blur_radius_px(-z, nominal, wavelength_nm) for z in CURVE_UM]
    return np.maximum.accumulate(np.asarray(radii))  # monotone, for the inverse


def nominal_equivalent_um(
    stage_um: float, optics: Optics, wavelength_nm: float = CHANNELS[1][1]
) -> float:
    """The distance below focus at which the nominal optics blur as much as ``optics``.

    Parameters
    ----------
    stage_um
        Signed stage offset of the image (negative: below focus).
    optics
        The optics that made it.
    wavelength_nm
        Emission wavelength (default: Hoechst, 460 nm).

    Returns
    -------
    float
        Micrometres below focus under the calibrated nominal optics (NA 0.5, defocus
        scale 0.9) with the same 80 %-energy radius; equals ``abs(stage_um)`` for the
        nominal optics below focus.
    """
    curve = _nominal_curve(float(wavelength_nm))
    radius = blur_radius_px(stage_um, optics, wavelength_nm)
    if radius > curve[-1]:  # beyond the curve: the radius grows linearly with distance
        slope = (curve[-1] - curve[-11]) / (CURVE_UM[-1] - CURVE_UM[-11])
        return CURVE_UM[-1] + (radius - curve[-1]) / slope
    return float(np.interp(radius, curve, CURVE_UM))


#: Spatial frequencies (cycles per pixel) where nuclei carry their detail at BBBC006
#: sampling: the band over which :func:`band_transfer` compares two blurs.
TRANSFER_BAND = (0.03, 0.25)
#: Width of the radial frequency bins of :func:`band_transfer`, cycles per pixel.
TRANSFER_BIN = 0.01


def band_transfer(
    stage_um: float,
    optics: Optics,
    wavelength_nm: float = CHANNELS[1][1],
    size: int = 129,
) -> np.ndarray:
    """The PSF's modulation transfer over :data:`TRANSFER_BAND`, radially averaged.

    Parameters
    ----------
    stage_um
        Signed stage offset (negative: below focus).
    optics
        The optics that make the PSF.
    wavelength_nm
        Emission wavelength (default: Hoechst, 460 nm).
    size
        Side of the PSF and its transfer function, pixels.

    Returns
    -------
    numpy.ndarray
        Mean ``|OTF|`` (1 at zero frequency) in bins of :data:`TRANSFER_BIN` cycles per
        pixel from the band's low to its high end. Two offsets blur alike where these
        agree (least squares): e.g. on the nominal optics 10 µm above focus passes the
        contrast of 7 µm below.
    """
    kernel = gibson_lanni_psf(stage_um, wavelength_nm, optics, size=size)
    otf = np.abs(np.fft.fft2(np.fft.ifftshift(kernel / kernel.sum())))
    f = np.fft.fftfreq(size)
    radius = np.hypot(*np.meshgrid(f, f, indexing="ij"))
    low, high = TRANSFER_BAND
    edges = np.arange(low, high, TRANSFER_BIN)
    return np.array([otf[(radius >= e) & (radius < e + TRANSFER_BIN)].mean() for e in edges])
