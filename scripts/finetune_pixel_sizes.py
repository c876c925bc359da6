"""Fine-tuning on one's own pairs of finer pixels: binned onto BBBC006's grid, or not?

A microscopist's z-stacks are often taken at 40x or 60x (0.1-0.33 µm pixels). Training
bins such pairs onto BBBC006's 0.645 µm grid by default (``training.pixels``; the record
keeps the pixel size, and ``deblur`` bins images alike for that network,
``inference.units.trained_microscope``); ``regrid=False`` (``train --own-pixels``) trains
on the pixels as they are. Nominal fields (BBBC006's aperture, focal shift and emission)
on a camera with ``--pixel`` µm pixels (``scripts/pixel_sizes.py: simulate_on_camera``),
``--depth`` µm below focus: ``--train`` pairs fine-tune the default U-Net for ``--steps``
steps (lr 1e-4, as the Train widget's fine-tuning) both ways
(``TrainingData.from_arrays(..., pixel_size_um=, regrid=)``); each is then run by
``deblur`` on ``--test`` other fields with no pixel size stated (the binned network's
record says it). Prints the mean PSNR gain over the input against the in-focus field on
the camera's pixels, beside the bundled network told the distance on the image's own
pixels and with the pixel size stated (``deblur(..., microscope=)``: regridded).
Usage::

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


def fine_tune(
    training: tuple[list, list], depth: float, steps: int, out: Path, pixel: float, regrid: bool
) -> Path:
    """The default U-Net fine-tuned on the pairs of ``pixel`` µm for ``steps`` steps, on
    BBBC006's grid (``regrid``) or on their own pixels; its folder."""
    from napari_defocus_deblur.training import TrainConfig, TrainingData, train

    data = TrainingData.from_arrays(
        *training, val_fraction=0.25, depth_um=depth, pixel_size_um=pixel, regrid=regrid
    )
    config = TrainConfig(
        output_dir=out, depth_um=depth, init=MODEL, steps=steps, lr=1e-4, warmup=10,
        device="cpu", overwrite=True, early_stopping_patience=None,
    )  # fmt: skip
    t0 = time.perf_counter()
    train(config, data)
    print(f"  fine-tuned {out.name}: {steps} steps in {time.perf_counter() - t0:.0f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pixel", type=float, default=0.3225)
    ap.add_argument("--depth", type=float, default=22.0)
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--train", type=int, default=8)
    ap.add_argument("--test", type=int, default=4)
    ap.add_argument("--workdir", type=Path, default=Path("runs/finetune-pixels"))
    args = ap.parse_args()
    training = pairs(args.train, 7100, args.pixel, args.depth)
    tune = (args.depth, args.steps)
    own = fine_tune(training, *tune, args.workdir / "own-pixels", args.pixel, regrid=False)
    on_grid = fine_tune(training, *tune, args.workdir / "binned", args.pixel, regrid=True)
    stated = Microscope(pixel_size_um=args.pixel)
    gains: dict[str, list[float]] = {}
    test_blurred, test_sharp = pairs(args.test, 7900, args.pixel, args.depth)
    for b, s in zip(test_blurred, test_sharp):
        runs = {
            "bundled, own pixels": deblur(b, args.depth, model=MODEL),
            "bundled, regridded": deblur(b, args.depth, model=MODEL, microscope=stated),
            "fine-tuned on own pixels": deblur(b, args.depth, model=str(own)),
            "fine-tuned binned": deblur(b, args.depth, model=str(on_grid)),
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
