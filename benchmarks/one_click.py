"""The one click's time per field: ``deblur(image, "auto")`` with 4 phases and with one.

Reads the first ``--fields`` real BBBC006 z_00 images (``../shared/data/bbbc006-real``,
520 x 696) and prints the plan the one click makes (network, estimated distance, backend
and precision) and the seconds per field with ``phases="auto"`` (4 phases on fields this
size) and ``phases=1``, after one warm-up field each (compilation, reach measurement).
Run with the CPU quiet::

    python benchmarks/one_click.py [--fields 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from napari_defocus_deblur.inference import deblur, plan_run
from napari_defocus_deblur.io.tiff import read_image

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "bbbc006-real" / "defocus-z00"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fields", type=int, default=4)
    parser.add_argument("--real", type=Path, default=REAL, help="folder of z_00 TIFFs")
    args = parser.parse_args()
    files = sorted(args.real.glob("*.tif"))[: args.fields]
    if not files:
        raise SystemExit(f"no real z_00 TIFFs in {args.real}")
    images = [read_image(f)[0] for f in files]
    print(plan_run(images[0], "auto").describe())
    print(f"load average {os.getloadavg()[0]:.1f}, {len(images)} fields {images[0].shape}")
    for phases in ("auto", 1):
        deblur(images[0], "auto", phases=phases)  # warm-up
        seconds = []
        for image in images:
            start = time.perf_counter()
            deblur(image, "auto", phases=phases)
            seconds.append(time.perf_counter() - start)
        print(
            f"  phases={phases!s:4s} {statistics.median(seconds):.2f} s per field "
            f"({min(seconds):.2f}-{max(seconds):.2f})"
        )


if __name__ == "__main__":
    main()
