"""A Gibson-Lanni pupil model of a dry objective imaging into an aqueous sample (numpy).

The widefield emission PSF of a point source ``source_depth_um`` deep in a medium of
index ``ns``, seen through a coverslip (``ng``, ``tg``) by an objective designed for an
immersion of index ``ni0`` (air for a dry objective), with the stage moved by
``stage_um`` from the nominal focus (negative: the focal plane below the sample's
focus, as BBBC006's planes z_00..z_15). The optical path difference of Gibson & Lanni
(J. Opt. Soc. Am. A 8, 1991), in the form used by ``MicroscPSF`` / ``psfmodels`` (with
``z = stage_um``, signed as ``psfmodels``' ``zv``)::

    OPD(rho) = pz sqrt(ns^2 - (NA rho)^2)
             + (ti0 - z) sqrt(ni^2 - (NA rho)^2) - ti0 sqrt(ni0^2 - (NA rho)^2)
             + tg sqrt(ng^2 - (NA rho)^2) - tg0 sqrt(ng0^2 - (NA rho)^2)

and the scalar PSF ``|int_0^1 J0(k NA r rho) exp(i k OPD(rho)) rho d rho|^2``. With
``ns != ni`` the first term makes the blur asymmetric about focus and wider than an
aberration-free model predicts. Extra spherical aberration is a Zernike term
``a (6 rho^4 - 6 rho^2 + 1)`` in waves.

We write it ourselves (50 lines of numpy/scipy) because the package that fits real data
best, ``psfmodels``, has no wheels past Python 3.11; ``tests/simulate/test_pupil.py``
checks this model against ``psfmodels.scalar_psf`` where both are installed.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

_PUPIL_SAMPLES = 1024
_RADIAL_STEP_UM = 0.04


@dataclass(frozen=True)
class Optics:
    """Optical parameters of one acquisition (the simulator's unit of randomisation).

    Parameters
    ----------
    na
        Numerical aperture of the dry objective.
    defocus_scale
        Multiplies the stage offset (uncertainty of the real focal shift, sample tilt).
    spherical_waves
        Extra primary spherical aberration, waves at the pupil edge (Zernike Z(4,0)).
    wavelength_shift_nm
        Added to the stain's emission wavelength.
    ns, ni, ng, tg_um, tg0_um, ti0_um, source_depth_um
        Indices and thicknesses of the Gibson-Lanni model (sample, immersion, glass as
        used and as designed, working distance, depth of the source in the sample).
    pixel_size_um
        Pixel size in the sample.
    """

    na: float = 0.45
    defocus_scale: float = 1.0
    spherical_waves: float = 0.0
    wavelength_shift_nm: float = 0.0
    ns: float = 1.33
    ni: float = 1.0
    ng: float = 1.515
    tg_um: float = 170.0
    tg0_um: float = 170.0
    ti0_um: float = 150.0
    source_depth_um: float = 2.0
    pixel_size_um: float = 0.645

    def __post_init__(self) -> None:
        if not 0.05 <= self.na < min(self.ni, self.ns):
            raise ValueError(f"na must be within [0.05, {min(self.ni, self.ns)}), got {self.na}")
        if not 0.1 <= self.defocus_scale <= 5.0:
            raise ValueError(f"defocus_scale must be within [0.1, 5], got {self.defocus_scale}")
        if not 0.05 <= self.pixel_size_um <= 10:
            raise ValueError(f"pixel_size_um must be within [0.05, 10], got {self.pixel_size_um}")

    def to_dict(self) -> dict:
        """Plain dict (JSON provenance)."""
        return asdict(self)


def _opd_um(rho: np.ndarray, stage_um: float, o: Optics) -> np.ndarray:
    s2 = (o.na * rho) ** 2
    return (
        o.source_depth_um * np.sqrt(o.ns**2 - s2)
        + (o.ti0_um - stage_um) * np.sqrt(o.ni**2 - s2)
        - o.ti0_um * np.sqrt(o.ni**2 - s2)
        + o.tg_um * np.sqrt(o.ng**2 - s2)
        - o.tg0_um * np.sqrt(o.ng**2 - s2)
    )


@lru_cache(maxsize=512)
def radial_psf(
    stage_um: float, wavelength_nm: float, optics: Optics, rmax_um: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(r, I(r))`` of the scalar Gibson-Lanni PSF, normalised to unit 2-D integral."""
    from scipy.special import j0

    rho = (np.arange(_PUPIL_SAMPLES) + 0.5) / _PUPIL_SAMPLES
    k = 2 * math.pi / (wavelength_nm * 1e-3)
    phase = k * _opd_um(rho, stage_um * optics.defocus_scale, optics)
    phase = phase + 2 * math.pi * optics.spherical_waves * (6 * rho**4 - 6 * rho**2 + 1)
    pupil = np.exp(1j * phase) * rho / _PUPIL_SAMPLES
    r = np.arange(0.0, rmax_um + _RADIAL_STEP_UM, _RADIAL_STEP_UM)
    field = np.empty(r.size, dtype=np.complex128)
    for start in range(0, r.size, 256):  # bounded memory: 256 x 1024 at a time
        rr = r[start : start + 256, None]
        field[start : start + 256] = j0(k * optics.na * rr * rho[None, :]) @ pupil
    intensity = np.abs(field) ** 2
    norm = np.trapezoid(intensity * 2 * math.pi * r, r)
    return r, intensity / max(norm, 1e-300)


def geometric_radius_um(stage_um: float, optics: Optics) -> float:
    """Radius of the geometric defocus disc in the sample (marginal ray), micrometres."""
    tan = math.tan(math.asin(optics.na / optics.ni))
    return abs(stage_um) * optics.defocus_scale * tan


@lru_cache(maxsize=256)
def _kernel(stage_um: float, wavelength_nm: float, optics: Optics, half: int) -> np.ndarray:
    from napari_defocus_deblur.simulate.optics import render_radial

    rmax = (half + 1) * optics.pixel_size_um * math.sqrt(2.0)
    r, profile = radial_psf(round(stage_um, 4), wavelength_nm, optics, round(rmax, 3))
    return render_radial(r, profile, half, optics.pixel_size_um)


def gibson_lanni_psf(
    stage_um: float,
    wavelength_nm: float = 460.0,
    optics: Optics | None = None,
    *,
    size: int | None = None,
    bandwidth_nm: float = 20.0,
) -> np.ndarray:
    """The 2-D widefield PSF (pixels) at a stage offset, with index mismatch.

    Parameters
    ----------
    stage_um
        Stage offset from focus, micrometres; negative below focus. The sign matters:
        with an index mismatch the PSF is not symmetric about focus.
    wavelength_nm
        Centre emission wavelength (460 nm Hoechst, 520 nm phalloidin).
    optics
        The optical parameters (defaults: 20x/0.45 dry into water, BBBC006 pixels).
    size
        Odd side length; None picks one that holds the defocus disc.
    bandwidth_nm
        Emission bandwidth: the PSF is averaged over three wavelengths spanning it
        (washes out the rings that a monochromatic model has and real images lack).

    Returns
    -------
    numpy.ndarray
        Square float64 kernel, odd side, centred, summing to 1 (a fresh copy).
    """
    optics = optics or Optics()
    if size is not None and (int(size) < 1 or int(size) % 2 == 0):
        raise ValueError(f"size must be a positive odd number, got {size}")
    half = None if size is None else (int(size) - 1) // 2
    if half is None:  # one support for all wavelengths
        rgeo = geometric_radius_um(stage_um, optics) * 1.3
        half = math.ceil((rgeo + 4.0 * wavelength_nm * 1e-3 / optics.na) / optics.pixel_size_um)
        half += 2
    centre = wavelength_nm + optics.wavelength_shift_nm
    spread = (-bandwidth_nm / 2, 0.0, bandwidth_nm / 2) if bandwidth_nm > 0 else (0.0,)
    waves = [centre + d for d in spread]
    kernel = sum(_kernel(round(float(stage_um), 4), float(w), optics, half) for w in waves)
    return np.asarray(kernel / np.sum(kernel), dtype=np.float64)


def encircled_radius_px(kernel: np.ndarray, fraction: float = 0.8) -> float:
    """Radius (pixels) of the centred disc holding ``fraction`` of a kernel's energy."""
    n = kernel.shape[0]
    c = (n - 1) / 2
    yy, xx = np.mgrid[:n, :n]
    r = np.hypot(yy - c, xx - c).ravel()
    order = np.argsort(r)
    cumulative = np.cumsum(kernel.ravel()[order])
    return float(r[order][np.searchsorted(cumulative, fraction * cumulative[-1])])
