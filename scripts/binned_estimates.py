"""Do estimates carry to other pixel sizes? Images binned 2 x 2, read with the pixel stated.

Binning a 0.645 µm image 2 x 2 gives the image a camera with 1.29 µm pixels would take
(the camera integrates over its pixels as the mean does). Stated as such
(``Microscope(pixel_size_um=1.29)``), a reading should come back as the stage offset.
This prints, for the real z_00 images (32-34 µm below focus) and for simulated nominal
fields at 16 and 34 µm, the estimator's readings of the binned images (BBBC006
micrometres) and those readings as stage offsets on the stated 1.29 µm pixels, median
and p10-p90; unbinned, for comparison. Session 36 (the grid estimator on coarse pixels:
real z_00 24 µm, the sampling note then); session 39, the coarse estimator
(``estimate.coarse``, docs/inference.md "Other pixel sizes").

Usage::

    python scripts/binned_estimates.py [--real ../shared/data/bbbc006-real/defocus-z00]
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np

from napari_defocus_deblur.constants import PIXEL_SIZE_UM
from napari_defocus_deblur.estimate import estimate_defocus
from napari_defocus_deblur.simulate.microscope import Microscope
from napari_defocus_deblur.simulate.sampling import integrate_pixels

BINNED = Microscope(pixel_size_um=2 * PIXEL_SIZE_UM)


def line(name: str, images: list[np.ndarray]) -> str:
    """Readings of ``images`` unbinned, binned, and binned as stage offsets."""

    def spread(values: list[float]) -> str:
        p10, p50, p90 = np.percentile(values, [10, 50, 90])
        return f"{p50:5.1f} ({p10:.1f}-{p90:.1f})"

    with warnings.catch_warnings():  # the sampling note this script measures
        warnings.simplefilter("ignore")
        plain = [estimate_defocus(i).depth_um for i in images]
        read = [estimate_defocus(integrate_pixels(i, 2), BINNED) for i in images]
    binned = spread([e.depth_um for e in read])
    stage = spread([e.stage_um for e in read])
    return f"{name:28s} {len(images):3d} {spread(plain):>18s} {binned:>18s} {stage:>18s}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--real", type=Path, default=Path("../shared/data/bbbc006-real/defocus-z00"))
    args = ap.parse_args()
    from napari_defocus_deblur.simulate.field import simulate_prior_field

    print(f"{'images':28s} {'n':>3s} {'read':>18s} {'binned, read':>18s} {'as stage µm':>18s}")
    files = sorted(args.real.glob("*.tif"))
    if files:
        import tifffile

        print(line("real z_00 (32-34 µm)", [tifffile.imread(f) for f in files]))
    for depth in (16.0, 34.0):
        fields = [
            simulate_prior_field([-depth], prior="nominal", seed=9900 + s, shape=(520, 696))[0]
            for s in range(6)
        ]
        print(line(f"simulated nominal {depth:g} µm", [f[-depth] for f in fields]))


if __name__ == "__main__":
    main()
