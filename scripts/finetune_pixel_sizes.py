"""Pilot: fine-tuning on one's own pairs of finer pixels, on their pixels or binned?

A microscopist's z-stacks are often taken at 40x or 60x (0.1-0.33 µm pixels), and the
plugin fine-tunes on them as they are: the network learns the user's pixels and
micrometres (``inference.units``: such networks are not regridded). This pilot measures
what binning the pairs onto BBBC006's 0.645 µm grid first would give. Nominal fields
(BBBC006's aperture, focal shift and emission) on a camera with ``--pixel`` µm pixels
(``scripts/pixel_sizes.py: simulate_on_camera``), ``--depth`` µm below focus: ``--train``
pairs fine-tune the default U-Net for ``--steps`` steps (lr 1e-4, as the Train widget's
fine-tuning) either on the image's own pixels or binned onto the grid
(``simulate.sampling.Regrid``); each is then tested on ``--test`` other fields (binned:
the image regridded, deblurred and brought back). Prints the mean PSNR gain over the
input against the in-focus field on the camera's pixels, beside the bundled network told
the distance on the image's own pixels and regridded (what ``deblur(..., microscope=)``
does). Usage::

    python scripts/finetune_pixel_sizes.py [--pixel 0.3225] [--depth 22] [--steps 150]
        [--train 8] [--test 4] [--workdir runs/finetune-pixels]
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
from pixel_sizes import simulate_on_camera

from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.simulate.microscope import Microscope
from napari_defocus_deblur.simulate.sampling import Regrid

MODEL = "bbbc006-unet"
FIELD = (260, 348)


def pairs(n: int, first_seed: int, pixel: float, depth: float) -> tuple[list, list]:
    """``n`` (blurred, in-focus) fields on the camera's pixels."""
    sharp, blurred = [], []
    for seed in range(first_seed, first_seed + n):
        s, b = simulate_on_camera(pixel, depth, seed, FIELD)
        sharp.append(s.astype(np.float32))
        blurred.append(b.astype(np.float32))
    return blurred, sharp


def fine_tune(blurred: list, sharp: list, depth: float, steps: int, out: Path) -> Path:
    """The default U-Net fine-tuned on the pairs for ``steps`` steps; its folder."""
    from napari_defocus_deblur.training import TrainConfig, TrainingData, train

    data = TrainingData.from_arrays(blurred, sharp, val_fraction=0.25, depth_um=depth)
    config = TrainConfig(
        output_dir=out, depth_um=depth, init=MODEL, steps=steps, lr=1e-4, warmup=10,
        device="cpu", overwrite=True, early_stopping_patience=None,
    )  # fmt: skip
    t0 = time.perf_counter()
    train(config, data)
    print(f"  fine-tuned {out.name}: {steps} steps in {time.perf_counter() - t0:.0f} s")
    return out


def binned(image: np.ndarray, pixel: float) -> Regrid:
    """How ``image`` is brought onto BBBC006's grid."""
    return Regrid(image.shape, pixel)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pixel", type=float, default=0.3225)
    ap.add_argument("--depth", type=float, default=22.0)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--train", type=int, default=8)
    ap.add_argument("--test", type=int, default=4)
    ap.add_argument("--workdir", type=Path, default=Path("runs/finetune-pixels"))
    args = ap.parse_args()
    blurred, sharp = pairs(args.train, 7100, args.pixel, args.depth)
    grid = [binned(b, args.pixel) for b in blurred]
    own = fine_tune(blurred, sharp, args.depth, args.steps, args.workdir / "own-pixels")
    on_grid = fine_tune(
        [g.apply(b) for g, b in zip(grid, blurred)],
        [g.apply(s) for g, s in zip(grid, sharp)],
        args.depth, args.steps, args.workdir / "binned",
    )  # fmt: skip
    stated = Microscope(pixel_size_um=args.pixel)
    gains: dict[str, list[float]] = {}
    test_blurred, test_sharp = pairs(args.test, 7900, args.pixel, args.depth)
    for b, s in zip(test_blurred, test_sharp):
        regrid = binned(b, args.pixel)
        runs = {
            "bundled, own pixels": deblur(b, args.depth, model=MODEL),
            "bundled, regridded": deblur(b, args.depth, model=MODEL, microscope=stated),
            "fine-tuned on own pixels": deblur(b, args.depth, model=str(own)),
            "fine-tuned binned": regrid.restore(
                deblur(regrid.apply(b), args.depth, model=str(on_grid))
            ),
        }
        base = psnr(b, s)
        for way, out in runs.items():
            gains.setdefault(way, []).append(psnr(out, s) - base)
    print(f"{args.pixel:g} µm pixels, {args.depth:g} µm below focus, {args.train} pairs, "
          f"{args.steps} steps; mean gain over the input on {args.test} test fields:")  # fmt: skip
    for way, values in gains.items():
        print(f"  {way:26s} {np.mean(values):+6.2f} dB (min {min(values):+.2f})")


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
