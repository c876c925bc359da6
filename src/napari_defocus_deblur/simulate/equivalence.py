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

import json
from functools import lru_cache
from importlib import resources

import numpy as np

from napari_defocus_deblur.constants import CHANNELS
from napari_defocus_deblur.simulate.prior import PRESETS
from napari_defocus_deblur.simulate.pupil import Optics, encircled_radius_px, gibson_lanni_psf

#: Energy fraction of the radius that is matched.
ENERGY_FRACTION = 0.8
#: Stage offsets below focus of the nominal curve, µm (beyond it: extrapolated linearly).
CURVE_UM = tuple(float(z) for z in np.arange(0.0, 81.0, 1.0))
#: Sides of focus and the sign of their stage offsets.
SIDES = {"below": -1.0, "above": 1.0}


def blur_radius_px(stage_um: float, optics: Optics, wavelength_nm: float) -> float:
    """Radius (pixels) holding 80 % of the simulator's PSF energy at a signed offset."""
    kernel = gibson_lanni_psf(stage_um, wavelength_nm, optics)
    return encircled_radius_px(kernel, ENERGY_FRACTION)


#: The nominal curves shipped with the package (``python scripts/nominal_blur_table.py``
#: writes them; :func:`_nominal_curve` recomputes when the calibration has moved on).
TABLE_FILE = "nominal_blur.json"


def nominal_optics() -> Optics:
    """The calibrated nominal optics (the ``nominal`` preset's fixed values)."""
    return PRESETS["nominal"].draw(np.random.default_rng(0)).optics


def _nominal_radii(wavelength_nm: float, sign: float) -> list[float]:
    """The nominal optics' 80 %-energy radius at :data:`CURVE_UM` on one side of focus."""
    return [blur_radius_px(sign * z, nominal_optics(), wavelength_nm) for z in CURVE_UM]


def nominal_curve_table(wavelength_nm: float = CHANNELS[1][1]) -> dict:
    """The nominal optics' 80 %-energy radius (pixels) at :data:`CURVE_UM` below and
    above focus, with the optics and wavelength it was computed for (JSON-ready)."""
    radii = {side: _nominal_radii(wavelength_nm, sign) for side, sign in SIDES.items()}
    return {"optics": nominal_optics().to_dict(), "wavelength_nm": wavelength_nm, **radii}


@lru_cache(maxsize=8)
def _nominal_curve(wavelength_nm: float, sign: float = -1.0) -> np.ndarray:
    side = "above" if sign > 0 else "below"
    try:
        table = json.loads(resources.files(__package__).joinpath(TABLE_FILE).read_text())
        current = table["optics"] == nominal_optics().to_dict()
        current = current and table["wavelength_nm"] == wavelength_nm
        radii = table[side] if current and len(table[side]) == len(CURVE_UM) else None
    except (OSError, ValueError, KeyError, TypeError):  # missing or damaged: recompute
        radii = None
    if radii is None:
        radii = _nominal_radii(wavelength_nm, sign)
    return np.maximum.accumulate(np.asarray(radii))  # monotone, for the inverse


def extended_interp(x: float, xp: np.ndarray, fp: np.ndarray, last: int = 1) -> float:
    """``np.interp(x, xp, fp)`` over increasing ``xp``, continued linearly beyond its end
    along its last ``last`` intervals."""
    if x > xp[-1]:
        slope = (fp[-1] - fp[-1 - last]) / max(xp[-1] - xp[-1 - last], 1e-9)
        return float(fp[-1] + (x - xp[-1]) * slope)
    return float(np.interp(x, xp, fp))


def distance_for_radius(radius_px: float, curve: np.ndarray) -> float:
    """The distance (µm, :data:`CURVE_UM`) at which a monotone radius ``curve`` reaches
    ``radius_px``; beyond its end, extrapolated along its last 10 µm (the radius grows
    linearly with distance there)."""
    return extended_interp(radius_px, curve, np.asarray(CURVE_UM), last=10)


def nominal_offset_um(
    stage_um: float, optics: Optics, wavelength_nm: float = CHANNELS[1][1]
) -> float:
    """The stage offset, on the same side of focus, at which the nominal optics blur as
    much as ``optics`` do at ``stage_um`` (signed, negative below focus; equal radius
    holding 80 % of the PSF's energy, in pixels)."""
    sign = 1.0 if stage_um > 0 else -1.0
    radius = blur_radius_px(stage_um, optics, wavelength_nm)
    return sign * distance_for_radius(radius, _nominal_curve(float(wavelength_nm), sign))


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
    radius = blur_radius_px(stage_um, optics, wavelength_nm)
    return distance_for_radius(radius, _nominal_curve(float(wavelength_nm)))


#: Stage offsets (µm from focus) at which :func:`stage_offset_um` measures the optics'
#: blur (linear in between; beyond: extrapolated).
STAGE_GRID_UM = tuple(float(z) for z in np.arange(0.0, 81.0, 4.0))
#: Nominal-equivalent distance (µm) past which :func:`stage_offset_um` measures no
#: farther offsets (the estimator reads at most 44 µm).
FARTHEST_EQUIVALENT_UM = 60.0


@lru_cache(maxsize=32)
def _equivalent_curve(optics: Optics, sign: float, wavelength_nm: float) -> np.ndarray:
    """``(offsets, equivalents)``: :func:`nominal_equivalent_um` along
    :data:`STAGE_GRID_UM` on one side, made monotone, up to the first offset past
    :data:`FARTHEST_EQUIVALENT_UM`."""
    rows = []
    for z in STAGE_GRID_UM:
        rows.append((z, nominal_equivalent_um(sign * z, optics, wavelength_nm)))
        if rows[-1][1] > FARTHEST_EQUIVALENT_UM and len(rows) > 2:
            break
    curve = np.asarray(rows)
    curve[:, 1] = np.maximum.accumulate(curve[:, 1])
    return curve


def stage_offset_um(
    equivalent_um: float,
    optics: Optics,
    above: bool = False,
    wavelength_nm: float = CHANNELS[1][1],
) -> float:
    """The inverse of :func:`nominal_equivalent_um`: the distance from focus (µm, on the
    side ``above`` says) at which ``optics`` blur as much as the nominal optics
    ``equivalent_um`` below focus; what a reading of the estimator means under known
    optics (measured every 4 µm, linear in between and beyond)."""
    curve = _equivalent_curve(optics, 1.0 if above else -1.0, float(wavelength_nm))
    return extended_interp(equivalent_um, curve[:, 1], curve[:, 0])


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
