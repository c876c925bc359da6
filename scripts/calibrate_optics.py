"""Calibration v3: fit the nominal optics (NA, defocus scale) on the real BBBC006 images.

The 24 real z_00 images (stage 32 µm below BBBC006's focus plane z_16, 34 µm below the
paper's z_17) and the 8 real in-focus images are not pairs, but they show the same cell
line, stain and camera. So the *mean tile band profile* of the z_00 images (the
estimator's own feature: 24 log-power bands per 128 px tile, relative to the strongest
band) must match the mean band profile of the in-focus images blurred by the nominal
forward model at the true stage offset and exposed with the nominal camera. For every
candidate (NA, defocus scale) this simulates the 8 in-focus images at ``--stage`` µm and
prints the RMS band-profile distance (log10 power) to the real z_00 set; the best
candidate is the calibrated nominal. A second, independent check reads both sets with
the shipped estimator (a fixed "blur gauge"): at the right optics the simulated and
the real z_00 images read the same.

Usage::

    python scripts/calibrate_optics.py [--stage -33] [--json runs/calibration-v3.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from napari_defocus_deblur.estimate import TILE, band_profile, estimate_defocus, tiles_of
from napari_defocus_deblur.estimate.profile import has_signal
from napari_defocus_deblur.io.tiff import read_image
from napari_defocus_deblur.simulate.camera import expose
from napari_defocus_deblur.simulate.optics import blur
from napari_defocus_deblur.simulate.prior import PRESETS
from napari_defocus_deblur.simulate.pupil import Optics, gibson_lanni_psf

REAL = Path(__file__).resolve().parents[1].parent / "shared/data/bbbc006-real"
HOECHST_NM = 460.0


def mean_profile(images: list[np.ndarray]) -> np.ndarray:
    """Mean band profile over the tiles with signal of ``images``."""
    rows = [
        band_profile(t)
        for img in images
        for t in tiles_of(np.asarray(img, dtype=np.float64), TILE, stride=TILE)  # as fitted
        if has_signal(t)
    ]
    return np.mean(rows, axis=0)


def simulate_set(focus: list[np.ndarray], stage_um: float, optics: Optics) -> list[np.ndarray]:
    """The in-focus images blurred at ``stage_um`` by ``optics``, with the nominal camera."""
    kernel = gibson_lanni_psf(stage_um, HOECHST_NM, optics)
    camera = PRESETS["nominal"].draw(np.random.default_rng(0)).camera
    out = []
    for k, img in enumerate(focus):
        content = np.clip(img - np.percentile(img, 1), 0, None)
        out.append(expose(blur(content, kernel), np.random.default_rng([k, 3]), camera))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", type=float, default=-33.0, help="z_00 stage offset, µm")
    parser.add_argument("--json", type=Path, default=None, help="write the grid here")
    args = parser.parse_args()
    z00 = [read_image(p)[0] for p in sorted((REAL / "defocus-z00").glob("*.tif"))]
    focus = [read_image(p)[0].astype(np.float64) for p in sorted((REAL / "in-focus").glob("*"))]
    target = mean_profile(z00)
    gauge_real = float(np.median([estimate_defocus(i).depth_um for i in z00]))
    print(f"real z_00: {len(z00)} images, shipped estimator reads {gauge_real:.1f} µm (median)")
    rows = []
    for na, scale in itertools.product((0.40, 0.45, 0.50, 0.55), np.arange(0.70, 1.46, 0.05)):
        sim = simulate_set(focus, args.stage, Optics(na=na, defocus_scale=round(scale, 2)))
        rms = float(np.sqrt(np.mean((mean_profile(sim) - target) ** 2)))
        gauge = float(np.median([estimate_defocus(i).depth_um for i in sim]))
        rows.append({"na": na, "defocus_scale": round(scale, 2), "rms": rms, "gauge_um": gauge})
        print(f"NA {na:.2f} scale {scale:.2f}: band RMS {rms:.4f}  gauge {gauge:5.1f} µm")
    best = min(rows, key=lambda r: r["rms"])
    print(
        f"best: NA {best['na']:.2f}, defocus scale {best['defocus_scale']:.2f} "
        f"(RMS {best['rms']:.4f}; gauge {best['gauge_um']:.1f} vs real {gauge_real:.1f} µm)"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"stage_um": args.stage, "real_gauge_um": gauge_real, "grid": rows, "best": best},
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
