"""Widefield defocus PSFs (``psf`` package, Richards-Wolf vectorial model) and blurring.

The stage of BBBC006 moves a dry 20x/0.45 objective; the cells sit in an aqueous medium
(n = 1.33). Moving a dry objective by ``dz`` moves its focus in the medium by roughly
``n_medium / n_air * dz``, so the PSF is evaluated at a defocus of
``focal_shift_factor * |stage offset|`` inside a medium of index ``refractive_index``.
``FOCAL_SHIFT_FACTOR`` was fitted to the real z_00 images (32 um stage offset); see
``benchmarks/calibrate_simulator.py`` and ``docs/simulator.md``.

The ideal, aberration-free PSF of a thin object has sharp rings that the real z_00 images
do not show (specimen height, spherical aberration of a dry objective focusing into
water, emission bandwidth). The PSF is therefore averaged uniformly over the defocus
values ``D * (1 - s) .. D * (1 + s)`` around the nominal defocus ``D``; the relative
spread ``s`` (``defocus_spread``) is an effective parameter fitted together with the
focal-shift factor, not a physical thickness.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from napari_defocus_deblur.constants import NUMERICAL_APERTURE, PIXEL_SIZE_UM

#: PSF defocus per micrometre of stage offset (fitted on real z_00; n_water / n_air ~ 1.33)
FOCAL_SHIFT_FACTOR = 1.40
#: refractive index of the sample medium (aqueous)
REFRACTIVE_INDEX = 1.33
#: relative spread of the PSF defocus averaged over (fitted; stands in for aberrations)
DEFOCUS_SPREAD = 0.4
_RADIAL_STEP_UM = 0.02
_SUPERSAMPLE = 3
_SPREAD_SAMPLES = 9


def blur_radius_um(
    depth_um: float,
    *,
    na: float = NUMERICAL_APERTURE,
    focal_shift_factor: float = FOCAL_SHIFT_FACTOR,
    refractive_index: float = REFRACTIVE_INDEX,
) -> float:
    """Geometric radius of the defocus disc for a stage offset, micrometres."""
    defocus = abs(depth_um) * focal_shift_factor
    return defocus * math.tan(math.asin(na / refractive_index))


@lru_cache(maxsize=256)
def _radial_profile(
    defocus_um: float, wavelength_nm: float, na: float, refractive_index: float, rmax_um: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(r, I(r))`` of the emission PSF at one defocus, normalised to unit 2-D integral."""
    import psf

    n = round(rmax_um / _RADIAL_STEP_UM) + 1
    calc = psf.PSF(
        psf.ISOTROPIC | psf.EMISSION,
        shape=(2, n),
        dims=(max(defocus_um, 1e-4), rmax_um),
        em_wavelen=wavelength_nm,
        num_aperture=na,
        refr_index=refractive_index,
    )
    profile = np.asarray(calc.data[-1] if defocus_um > 0 else calc.data[0], dtype=np.float64)
    r = np.linspace(0.0, rmax_um, n)
    return r, profile / max(float(np.sum(profile * r)), 1e-300)


@lru_cache(maxsize=128)
def _cached_psf(
    depth_um: float,
    wavelength_nm: float,
    na: float,
    pixel_size_um: float,
    focal_shift_factor: float,
    size: int | None,
    refractive_index: float,
    defocus_spread: float,
) -> np.ndarray:
    defocus = abs(depth_um) * focal_shift_factor
    spread = defocus * min(max(defocus_spread, 0.0), 0.95)
    tan = math.tan(math.asin(na / refractive_index))
    airy = 1.22 * wavelength_nm * 1e-3 / na
    rmax = (defocus + spread) * tan + 3.0 * airy + 2.0 * pixel_size_um
    half = math.ceil(rmax / pixel_size_um) if size is None else (int(size) - 1) // 2
    rmax = max(rmax, (half + 1) * pixel_size_um * math.sqrt(2.0))
    defoci = (
        np.linspace(defocus - spread, defocus + spread, _SPREAD_SAMPLES) if spread else [defocus]
    )
    r = profile = None
    for d in defoci:
        r, p = _radial_profile(
            round(float(d), 4), wavelength_nm, na, refractive_index, round(rmax, 3)
        )
        profile = p if profile is None else profile + p
    return render_radial(r, profile, half, pixel_size_um)


def render_radial(r: np.ndarray, profile: np.ndarray, half: int, pixel_size_um: float):
    """A centred ``(2 half + 1)``-pixel square kernel from a radial profile ``I(r)``.

    Every pixel is the mean over 3 x 3 sub-pixel samples; the kernel sums to 1 and is
    read-only (it is cached by the PSF functions).
    """
    offsets = (np.arange(_SUPERSAMPLE) + 0.5) / _SUPERSAMPLE - 0.5
    x = ((np.arange(-half, half + 1)[:, None] + offsets[None, :]).ravel()) * pixel_size_um
    radius = np.hypot(x[:, None], x[None, :])
    kernel = np.interp(radius, r, profile, right=0.0)
    n = 2 * half + 1
    kernel = kernel.reshape(n, _SUPERSAMPLE, n, _SUPERSAMPLE).mean(axis=(1, 3))
    kernel /= kernel.sum()
    kernel.setflags(write=False)
    return kernel


def defocus_psf(
    depth_um: float,
    wavelength_nm: float = 460.0,
    *,
    na: float = NUMERICAL_APERTURE,
    pixel_size_um: float = PIXEL_SIZE_UM,
    focal_shift_factor: float = FOCAL_SHIFT_FACTOR,
    size: int | None = None,
    refractive_index: float = REFRACTIVE_INDEX,
    defocus_spread: float = DEFOCUS_SPREAD,
) -> np.ndarray:
    """The 2-D widefield PSF for a stage offset of ``depth_um`` from focus.

    Parameters
    ----------
    depth_um
        Stage offset from the in-focus plane, micrometres (sign ignored: the aberration-free
        PSF is symmetric about focus). 0 gives the in-focus Airy pattern.
    wavelength_nm
        Emission wavelength (460 nm Hoechst, 520 nm phalloidin).
    na, pixel_size_um, refractive_index
        Objective numerical aperture, pixel size in the sample, medium index.
    focal_shift_factor
        PSF defocus per micrometre of stage offset (calibrated default).
    size
        Odd side length in pixels; None picks one that holds the whole defocus disc.
    defocus_spread
        Relative half-range ``s`` of PSF defocus averaged over (``D(1-s)..D(1+s)``,
        0..0.95); 0 gives the ideal aberration-free thin-object PSF.

    Returns
    -------
    numpy.ndarray
        Square float64 kernel, odd side, centred, summing to 1 (a fresh copy; computed
        values are cached).
    """
    if size is not None and (int(size) < 1 or int(size) % 2 == 0):
        raise ValueError(f"size must be a positive odd number, got {size}")
    if not 0 < na < refractive_index:
        raise ValueError(f"na must be within (0, {refractive_index}), got {na}")
    kernel = _cached_psf(
        round(abs(float(depth_um)), 6),
        float(wavelength_nm),
        float(na),
        float(pixel_size_um),
        float(focal_shift_factor),
        None if size is None else int(size),
        float(refractive_index),
        float(defocus_spread),
    )
    return kernel.copy()


class FFTConvolution:
    """The package's one FFT convolution: a fixed kernel on a fixed (padded) FFT shape.

    ``origin`` is the kernel pixel that lands on the output pixel (``(0, 0)``: the
    corner, a plain "full" convolution; the centre: a "same" convolution). The kernel's
    transform is computed once, so iterative methods (Richardson-Lucy) reuse it;
    :meth:`correlate` applies the flipped kernel. Convolution is circular on ``shape``:
    callers pad the image (by reflection) so nothing wraps into the part they keep.
    """

    def __init__(
        self,
        kernel: np.ndarray,
        shape: tuple[int, int],
        origin: tuple[int, int] = (0, 0),
        dtype: type = np.float64,
    ) -> None:
        from scipy import fft

        padded = np.zeros(shape, dtype=dtype)
        padded[: kernel.shape[0], : kernel.shape[1]] = kernel
        if origin != (0, 0):
            padded = np.roll(padded, (-origin[0], -origin[1]), axis=(0, 1))
        self.shape = shape
        self.otf = fft.rfft2(padded)
        self.otf_conj = np.conj(self.otf)

    def _apply(self, image: np.ndarray, otf: np.ndarray) -> np.ndarray:
        from scipy import fft

        spectrum = fft.rfft2(image, self.shape, workers=-1) * otf
        return fft.irfft2(spectrum, self.shape, workers=-1)

    def convolve(self, image: np.ndarray) -> np.ndarray:
        """``image`` (zero-padded to the shape) convolved with the kernel."""
        return self._apply(image, self.otf)

    def correlate(self, image: np.ndarray) -> np.ndarray:
        """``image`` correlated with the kernel (convolved with it flipped)."""
        return self._apply(image, self.otf_conj)


def blur(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Convolve a 2-D image with a kernel by FFT; borders are reflected (same shape out)."""
    from scipy import fft

    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    ky, kx = kernel.shape
    py, px = ky // 2, kx // 2
    mode = "reflect" if min(image.shape) > 1 else "edge"
    padded = np.pad(image, ((py, ky - 1 - py), (px, kx - 1 - px)), mode=mode)
    shape = (
        fft.next_fast_len(padded.shape[0], real=True),
        fft.next_fast_len(padded.shape[1], real=True),
    )
    full = FFTConvolution(kernel, shape).convolve(padded)
    return full[ky - 1 : ky - 1 + image.shape[0], kx - 1 : kx - 1 + image.shape[1]]
