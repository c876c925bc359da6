"""Calibrate the simulator's nominal optics on the real BBBC006 images in ../shared.

The 24 real z_00 images (32 µm below focus) and the 8 real in-focus images are not
pairs, but they show the same cell line on the same plate, so their *mean* power
spectra differ by the defocus: ``S_z00(f) ~ g |OTF_z(f) / OTF_0(f)|^2 S_focus(f) + N``
(``g`` absorbs brightness differences, ``N`` the white camera noise). For every
candidate (NA, defocus scale, above/below focus) of the Gibson-Lanni model this fits
``g`` and ``N`` and prints the RMS log10 residual over 0.01-0.35 cycles/pixel, then
the paper's Table 2 *input* row check: the PSNR of simulated z_00-like inputs at the
nominal optics. Usage: ``python benchmarks/calibrate_prior.py``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
from scipy import fft

from napari_defocus_deblur.io.tiff import read_image
from napari_defocus_deblur.simulate.pupil import Optics, gibson_lanni_psf

REAL = Path(__file__).resolve().parents[1].parent / "shared/data/bbbc006-real"
BINS = np.linspace(0.0, 0.5, 61)
FIT = (0.01, 0.35)


def radial_mean(power: np.ndarray, fy: np.ndarray, fx: np.ndarray) -> np.ndarray:
    """Mean of ``power`` in the radial frequency bins :data:`BINS`."""
    r = np.hypot(fy[:, None], fx[None, :])
    idx = np.digitize(r, BINS) - 1
    ok = (idx >= 0) & (idx < len(BINS) - 1)
    sums = np.bincount(idx[ok], power[ok], minlength=len(BINS) - 1)
    counts = np.bincount(idx[ok], minlength=len(BINS) - 1)
    return sums / np.maximum(counts, 1)


def mean_spectrum(files: list[Path]) -> np.ndarray:
    """Mean radial power spectrum of background-subtracted, Hann-windowed images."""
    spectra = []
    for path in files:
        img = read_image(path)[0].astype(np.float64)
        img -= img.mean()
        win = np.outer(np.hanning(img.shape[0]), np.hanning(img.shape[1]))
        p = np.abs(fft.rfft2(img * win)) ** 2
        spectra.append(radial_mean(p, fft.fftfreq(img.shape[0]), fft.rfftfreq(img.shape[1])))
    return np.mean(spectra, axis=0)


def otf2(stage_um: float, optics: Optics) -> np.ndarray:
    """Radial mean of ``|OTF|^2`` of the PSF at ``stage_um``."""
    k = gibson_lanni_psf(stage_um, 460.0, optics)
    n = 512
    pad = np.zeros((n, n))
    pad[: k.shape[0], : k.shape[1]] = k
    p = np.abs(fft.rfft2(pad)) ** 2
    return radial_mean(p, fft.fftfreq(n), fft.rfftfreq(n))


def residual(s_z: np.ndarray, s_0: np.ndarray, ratio: np.ndarray) -> float:
    """RMS log10 residual after fitting gain and white noise (least squares, linear)."""
    f = 0.5 * (BINS[1:] + BINS[:-1])
    sel = (f >= FIT[0]) & (f <= FIT[1])
    a = np.stack([ratio[sel] * s_0[sel], np.ones(sel.sum())], axis=1)
    w = 1.0 / s_z[sel]  # relative errors
    coef, *_ = np.linalg.lstsq(a * w[:, None], s_z[sel] * w, rcond=None)
    model = np.clip(a @ np.clip(coef, 0, None), 1e-12, None)
    return float(np.sqrt(np.mean((np.log10(model) - np.log10(s_z[sel])) ** 2)))


def main() -> None:
    z00 = sorted((REAL / "defocus-z00").glob("*.tif"))
    focus = sorted((REAL / "in-focus").glob("*.png"))
    if not z00 or not focus:
        raise SystemExit(f"real images not found in {REAL}")
    s_z, s_0 = mean_spectrum(z00), mean_spectrum(focus)
    print(f"{len(z00)} z_00 and {len(focus)} in-focus images; fit band {FIT} cycles/px")
    print("| NA | defocus scale | side | RMS log10 residual |\n|---:|---:|---|---:|")
    results = []
    for na, scale, sign in itertools.product(
        (0.40, 0.45, 0.50), (0.8, 1.0, 1.1, 1.2, 1.3, 1.4, 1.6, 1.8), (-1, 1)
    ):
        optics = Optics(na=na, defocus_scale=scale)
        ratio = otf2(sign * 32.0, optics) / np.maximum(otf2(0.0, optics), 1e-12)
        res = residual(s_z, s_0, ratio)
        results.append((res, na, scale, sign))
        side = "below" if sign < 0 else "above"
        print(f"| {na:.2f} | {scale:.1f} | {side} | {res:.4f} |")
    best = min(results)
    print(
        f"best: NA {best[1]:.2f}, defocus scale {best[2]:.1f}, "
        f"{'below' if best[3] < 0 else 'above'} focus, residual {best[0]:.4f}"
    )


if __name__ == "__main__":
    main()
