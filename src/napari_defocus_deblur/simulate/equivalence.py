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
