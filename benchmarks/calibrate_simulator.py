"""Calibrate the defocus simulator against the real BBBC006 z_00 images.

The real z_00 images (32 um stage offset below focus) have no in-focus counterparts here,
so statistics are compared, not pixels:

1. camera: background level and the photon-transfer curve (noise variance vs. mean) of
   the real z_00 images -> offset, gain (ADU per electron);
2. optics: the real in-focus images are blurred with ``defocus_psf(32 um)`` for a grid of
   focal-shift factors and relative defocus spreads, passed through the camera model, and
   their mean normalised radial power spectrum is compared with that of the real z_00
   set (RMS of the log10 difference over 0.004-0.06 cycles/pixel, the band where the
   defocus OTF shapes the spectrum above the noise floor);
3. the procedural simulator's z_00 (``simulate_field([-32])``) is compared too.

Writes ``docs/images/calibration.png`` and prints the numbers recorded in
``docs/simulator.md``. Usage::

    python benchmarks/calibrate_simulator.py [--real ../shared/data/bbbc006-real]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from napari_defocus_deblur.io.tiff import read_image
from napari_defocus_deblur.simulate.camera import CameraModel, expose
from napari_defocus_deblur.simulate.field import simulate_field
from napari_defocus_deblur.simulate.optics import (
    DEFOCUS_SPREAD,
    FOCAL_SHIFT_FACTOR,
    blur,
    defocus_psf,
)

REPO = Path(__file__).resolve().parents[1]
BAND = (0.004, 0.06)
STAGE_OFFSET_UM = 32.0


def radial_psd(image: np.ndarray, nbins: int = 120, fmax: float = 0.12):
    """Radially averaged power spectrum (Hann-windowed), frequencies in cycles/pixel."""
    img = image.astype(np.float64) - image.mean()
    img *= np.outer(np.hanning(img.shape[0]), np.hanning(img.shape[1]))
    power = np.abs(np.fft.fft2(img)) ** 2
    fr = np.hypot(np.fft.fftfreq(img.shape[0])[:, None], np.fft.fftfreq(img.shape[1])[None, :])
    edges = np.linspace(0, fmax, nbins + 1)
    idx = np.digitize(fr.ravel(), edges) - 1
    ok = idx < nbins
    sums = np.bincount(idx[ok], power.ravel()[ok], minlength=nbins)
    counts = np.maximum(np.bincount(idx[ok], minlength=nbins), 1)
    return 0.5 * (edges[1:] + edges[:-1]), sums / counts


def mean_log_psd(images) -> tuple[np.ndarray, np.ndarray]:
    """Mean log10 PSD, each normalised by its power at 0.0025-0.01 cycles/pixel."""
    logs = []
    for image in images:
        freq, p = radial_psd(image)
        logs.append(np.log10(p / p[3:10].mean()))
    return freq, np.mean(logs, axis=0)


def photon_transfer(images) -> tuple[float, float]:
    """Fit noise variance = gain * (mean - offset) on 4-neighbour residuals."""
    from scipy import ndimage

    means, variances = [], []
    for a in images:
        a = a.astype(np.float64)
        nb = (np.roll(a, 1, 0) + np.roll(a, -1, 0) + np.roll(a, 1, 1) + np.roll(a, -1, 1)) / 4
        res = (a - nb)[2:-2, 2:-2]
        means.append(ndimage.uniform_filter(a, 5)[2:-2, 2:-2].ravel())
        variances.append(res.ravel() ** 2 / 1.25)
    m, v = np.concatenate(means), np.concatenate(variances)
    gain, intercept = np.polyfit(m, v, 1)
    return float(gain), float(-intercept / gain)


def simulate_from_real(in_focus, factor, spread, seed=0):
    camera = CameraModel()
    kernel = defocus_psf(STAGE_OFFSET_UM, 460.0, focal_shift_factor=factor, defocus_spread=spread)
    out = []
    for i, image in enumerate(in_focus):
        signal = np.clip(image - np.percentile(image, 1), 0, None)
        out.append(expose(blur(signal, kernel), np.random.default_rng([seed, i]), camera))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REPO.parent / "shared/data/bbbc006-real")
    parser.add_argument("--out", type=Path, default=REPO / "docs/images/calibration.png")
    parser.add_argument("--procedural-fields", type=int, default=8)
    args = parser.parse_args()
    start = time.perf_counter()
    z00 = [
        read_image(p)[0].astype(float) for p in sorted((args.real / "defocus-z00").glob("*.tif"))
    ]
    sharp = [
        read_image(p)[0].astype(float) for p in sorted((args.real / "in-focus").glob("*.png"))
    ]
    print(f"real z_00 images: {len(z00)}, real in-focus images: {len(sharp)}")

    gain, offset = photon_transfer(z00)
    print(f"photon transfer (real z_00): variance = {gain:.3f} * (mean - {offset:.1f}) ADU^2")
    bg_sharp = np.median([np.percentile(a, 1) for a in sharp])
    bg_z00 = np.median([np.percentile(a, 1) for a in z00])
    print(f"background (1st percentile): real in-focus {bg_sharp:.1f} ADU, z_00 {bg_z00:.1f} ADU")

    freq, real = mean_log_psd(z00)
    band = (freq > BAND[0]) & (freq < BAND[1])
    factors = np.round(np.arange(1.0, 1.601, 0.05), 3)
    spreads = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    errors = np.zeros((len(spreads), len(factors)))
    for i, t in enumerate(spreads):
        for j, f in enumerate(factors):
            _, sim = mean_log_psd(simulate_from_real(sharp, f, t))
            errors[i, j] = np.sqrt(np.mean((sim - real)[band] ** 2))
        print(
            f"spread {t:.1f}: RMS log10 PSD error by factor "
            + " ".join(f"{f:.2f}:{e:.3f}" for f, e in zip(factors, errors[i]))
        )
    bi, bj = np.unravel_index(np.argmin(errors), errors.shape)
    print(
        f"best: focal_shift_factor {factors[bj]:.2f}, defocus spread {spreads[bi]:.1f}, "
        f"error {errors[bi, bj]:.3f} (1:1 factor, thin object: {errors[0, 0]:.3f}); "
        f"defaults in optics.py: {FOCAL_SHIFT_FACTOR}, {DEFOCUS_SPREAD}"
    )

    sim_real = simulate_from_real(sharp, FOCAL_SHIFT_FACTOR, DEFOCUS_SPREAD)
    procedural = [
        simulate_field([-STAGE_OFFSET_UM], seed=s)[-STAGE_OFFSET_UM]
        for s in range(args.procedural_fields)
    ]
    sets = {
        "real z_00": z00,
        "simulated from real in-focus": sim_real,
        "simulated procedural": procedural,
    }
    print(f"{'set':32s} {'p1':>6s} {'median':>7s} {'p99':>6s} {'max':>6s} {'PSD err':>8s}")
    for name, images in sets.items():
        p = np.median([np.percentile(a, (1, 50, 99, 100)) for a in images], axis=0)
        err = np.sqrt(np.mean((mean_log_psd(images)[1] - real)[band] ** 2))
        print(f"{name:32s} {p[0]:6.0f} {p[1]:7.0f} {p[2]:6.0f} {p[3]:6.0f} {err:8.3f}")

    _figure(args.out, sets, freq, real, band, factors, spreads, errors, sharp)
    print(f"wrote {args.out} in {time.perf_counter() - start:.1f} s")


def _figure(out, sets, freq, real, band, factors, spreads, errors, sharp):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    crops = [
        sets["real z_00"][0],
        sets["simulated from real in-focus"][0],
        sets["simulated procedural"][0],
    ]
    titles = [
        "real z_00 (32 um below focus)",
        "real in-focus + simulated 32 um",
        "procedural + simulated 32 um",
    ]
    for ax, img, title in zip(axes[0], crops, titles):
        lo, hi = np.percentile(img, (0.5, 99.8))
        ax.imshow(img, cmap="gray", vmin=lo, vmax=hi)
        ax.set_title(title)
        ax.axis("off")
    ax = axes[1, 0]
    bins = np.arange(80, 1500, 10)
    for name, images in sets.items():
        ax.hist(
            np.concatenate([a.ravel() for a in images]),
            bins=bins,
            density=True,
            histtype="step",
            label=name,
        )
    ax.set_yscale("log")
    ax.set_xlabel("intensity (ADU)")
    ax.set_title("intensity histograms")
    ax.legend(fontsize=8)
    ax = axes[1, 1]
    ax.plot(freq, real, "k", lw=2, label="real z_00")
    for name, images in list(sets.items())[1:]:
        ax.plot(freq, mean_log_psd(images)[1], label=name)
    _, thin = mean_log_psd(simulate_from_real(sharp, 1.0, 0.0))
    ax.plot(freq, thin, ":", label="real in-focus + 32 um, factor 1.0, thin")
    ax.axvspan(freq[band][0], freq[band][-1], color="0.9", zorder=0)
    ax.set_xlabel("spatial frequency (cycles / pixel)")
    ax.set_ylabel("log10 normalised power")
    ax.set_title("radial power spectrum")
    ax.legend(fontsize=8)
    ax = axes[1, 2]
    for t, row in zip(spreads, errors):
        ax.plot(factors, row, "o-", label=f"defocus spread {t:.1f}")
    ax.set_xlabel("focal-shift factor (PSF defocus / stage offset)")
    ax.set_ylabel("RMS log10 PSD error")
    ax.set_title("fit of the focal-shift factor")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)


if __name__ == "__main__":
    main()
