"""Defocus estimator speed: milliseconds per field of ``estimate_tiles`` (prints figures).

Reads the first real BBBC006 z_00 image (``../shared/data/bbbc006-real``, a 520 x 696
field) or, without it, a simulated nominal field of that size at 32 µm, and times
``estimate_tiles`` on half-overlapping tiles (the estimator's) and side by side: ROUNDS
rounds of REPS calls each, the two tilings interleaved, median (min-max) per call. The
machine may be shared, so the load average is printed; run it with the CPU quiet and one
thread, as the focus map's workers do::

    OMP_NUM_THREADS=1 python benchmarks/estimator_speed.py [--rounds 7] [--reps 10] [--image TIFF]

To compare two versions of the code, run it in a ``git worktree`` of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np

from napari_defocus_deblur.estimate import STRIDE, TILE, estimate_tiles, estimator_id

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "bbbc006-real" / "defocus-z00"


def test_field(path: Path | None = None) -> tuple[np.ndarray, str]:
    """The image at ``path``, else the first real z_00 field where the shared data is
    present, else a simulated one."""
    files = [path] if path else sorted(REAL.glob("*.tif"))
    if files:
        from napari_defocus_deblur.io.tiff import read_image

        return read_image(files[0])[0].astype(np.float64), files[0].name[:40]
    from napari_defocus_deblur.simulate.field import simulate_field

    return np.asarray(simulate_field([-32.0], shape=(520, 696))[-32.0], float), "simulated"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--image", type=Path, help="a TIFF to read (default: see above)")
    args = parser.parse_args()
    image, name = test_field(args.image)
    tilings = {"half-overlapping": STRIDE, "side by side": TILE}
    times: dict[str, list[float]] = {k: [] for k in tilings}
    for stride in tilings.values():
        estimate_tiles(image, stride=stride)  # warm-up
    for _ in range(args.rounds):
        for label, stride in tilings.items():
            start = time.perf_counter()
            for _ in range(args.reps):
                estimate_tiles(image, stride=stride)
            times[label].append((time.perf_counter() - start) / args.reps * 1e3)
    print(f"estimator {estimator_id()}, field {name} {image.shape}, load {os.getloadavg()[0]:.1f}")
    for label, values in times.items():
        tiles = estimate_tiles(image, stride=tilings[label]).depths_um.size
        print(
            f"  {label:17s} {tiles:3d} tiles: {statistics.median(values):6.1f} ms per field "
            f"(min {min(values):.1f}, max {max(values):.1f})"
        )


if __name__ == "__main__":
    main()
