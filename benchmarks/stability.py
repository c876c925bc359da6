"""How much the bundled networks' output moves with tiles and with bf16 (prints figures).

On the 1040 x 1392 mosaic of ``inference_backends.py`` (four real BBBC006 z_00 fields from
../shared when present, else a simulated 22 µm field), per network and per number of
mirror views (1 and 4), the largest and 99.9th-percentile difference, as a fraction of
the reference output's range, and the share of pixels above 1 %:

* automatic tiles (``tile=None``: the CPU's tile cap, widened to the network's reach)
  against the untiled run (``tile=2048``), both PyTorch fp32;
* the ``auto`` backend (OpenVINO bf16 where the CPU has bf16 units) against PyTorch fp32,
  both untiled (reads 0 on CPUs without bf16 units, where ``auto`` computes in fp32).

Both compare the network with itself, so a large figure means detail the network
invents that small changes of context or arithmetic move (session 44: the sum network
in the most blurred regions of the real mosaic), not a seam or rounding of real detail.
Run: python -u benchmarks/stability.py [bbbc006-unet bbbc006-sum ...] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import warnings

import numpy as np
import torch
from inference_backends import mosaic

from napari_defocus_deblur.zoo.names import METHODS


def difference(result: np.ndarray, reference: np.ndarray) -> str:
    """Largest, p99.9 and share-above-1 % of ``|result - reference|`` over its range."""
    x = np.abs(result - reference) / float(reference.max() - reference.min())
    return (
        f"max {100 * x.max():.2f} %, p99.9 {100 * np.percentile(x, 99.9):.2f} %, "
        f"{100 * (x > 0.01).mean():.3f} % of pixels above 1 %"
    )


def main() -> None:
    from napari_defocus_deblur.inference import deblur, load_model
    from napari_defocus_deblur.inference.device import describe_backend

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="*", default=[f"bbbc006-{m}" for m in METHODS])
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.simplefilter("ignore")  # the safe-tile notice; the figures say what matters
    image, depth, what = mosaic()
    print(f"{what} {image.shape[0]}x{image.shape[1]}, told {depth:g} µm; {describe_backend()}")
    for name in args.models:
        model = load_model(name)
        for views in (1, 4):
            run = {"model": model, "views": views, "phases": 1}
            whole = deblur(image, depth, tile=2048, precision="fp32", **run)
            tiled = deblur(image, depth, tile=None, precision="fp32", **run)
            auto = deblur(image, depth, tile=2048, **run)
            label = f"{name}, {views} view(s)"
            print(f"{label}: automatic tiles vs untiled: {difference(tiled, whole)}")
            print(f"{label}: auto backend vs fp32: {difference(auto, whole)}")


if __name__ == "__main__":
    main()
