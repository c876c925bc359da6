"""How long a field of finer pixels takes, on its own pixels and regridded.

A simulated nominal field 22 µm below focus (520 x 696 BBBC006 pixels) is resized to
1040 x 1392 (what a camera with 0.3225 µm pixels records of the same field of view) and
deblurred told 22 µm two ways: on its own pixels (what ``deblur`` did before images
were regridded) and with ``Microscope(pixel_size_um=0.3225)`` stated (binned 2 x 2 onto
BBBC006's grid, deblurred, brought back). Prints the median of three runs each, after
one warm-up run, on the default backend of this machine.

Usage: ``python benchmarks/regrid_speed.py [--runs 3]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from napari_defocus_deblur import Microscope, deblur
from napari_defocus_deblur.simulate.field import simulate_prior_field


def median_seconds(run, runs: int) -> tuple[float, list[float]]:
    """Median wall time of ``runs`` calls of ``run`` and every time."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), times


def main() -> None:
    from skimage.transform import resize

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    warnings.simplefilter("ignore")  # the notes of the runs timed
    field = simulate_prior_field([-22.0], seed=3, shape=(520, 696))[0][-22.0]
    fine = resize(field.astype(np.float32), (1040, 1392), order=1, preserve_range=True)
    fine = fine.astype(np.float32)
    stated = Microscope(pixel_size_um=0.3225)
    deblur(field, 22.0)  # warm-up: model load, backend compile
    ways = {
        "on its own pixels": lambda: deblur(fine, 22.0),
        "regridded (0.3225 µm stated)": lambda: deblur(fine, 22.0, microscope=stated),
    }
    for name, run in ways.items():
        median, times = median_seconds(run, args.runs)
        every = ", ".join(f"{t:.2f}" for t in times)
        print(f"1040 x 1392, {name}: median {median:.2f} s ({every})")


if __name__ == "__main__":
    main()
