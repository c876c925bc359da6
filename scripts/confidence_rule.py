"""Where does the session-40 confidence rule tell a network another distance?

``estimate.uncertain.tile_confidence`` scales the tiles' agreement down for fewer than
``FEW_TILES`` tiles with signal and for partly sharp fields (``IN_FOCUS_SHARE``). This
compares it with the rule before (agreement times share of tiles with signal only) on
the ship rule's 60 told fields (ten sparse smooth 10 µm fields per optics setting), one
field per robustness cell (54), and the real BBBC006 images on their own pixels and
binned 2 x 2 and 3 x 3 (a camera with 1.29 / 1.935 µm pixels, stated). For every field
whose told distance changes it prints the confidence and distance before and now, and
for simulated fields the gain of ``--model`` told each; for real in-focus images the
PSNR against the input and the lowest pixel against the input's, told each. With
``--set`` also the fields of the zoo v3 evaluation set (paper layout and robustness,
``scripts/evaluate_zoo_v3.py``).

Usage::

    python scripts/confidence_rule.py [--model bbbc006-unet]
        [--real ../shared/data/bbbc006-real] [--no-simulated] [--set runs/robustness-set-v3]
"""

from __future__ import annotations

import argparse
import math
import warnings
from pathlib import Path

import numpy as np

from napari_defocus_deblur.constants import PIXEL_SIZE_UM
from napari_defocus_deblur.estimate import _coefficients, estimate_tiles
from napari_defocus_deblur.estimate.uncertain import LOW_CONFIDENCE, deblur_depth, tile_confidence
from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.simulate.microscope import Microscope
from napari_defocus_deblur.simulate.sampling import integrate_pixels


def told_before_and_now(image: np.ndarray, microscope: Microscope | None) -> tuple:
    """``(tiles with signal, median, confidence before, now, told before, now)``."""
    tiles = estimate_tiles(image, microscope=microscope)
    readings = tiles.depths_um[np.isfinite(tiles.depths_um)]
    depth = float(np.median(readings))
    scale = _coefficients()["spread_scale_um"]
    spread = float(np.median(np.abs(readings - depth))) if readings.size > 1 else 5.0
    share = readings.size / tiles.depths_um.size
    before = round(math.exp(-spread / scale) * (0.5 + 0.5 * share), 3)
    now = tile_confidence(readings, depth, tiles.depths_um.size, scale)
    told = [deblur_depth(tiles.depths_um, depth, c) for c in (before, now)]
    return readings.size, depth, before, now, *told


def changed(row: tuple) -> bool:
    _, _, before, now, told_before, told_now = row
    return abs(told_before - told_now) > 1e-9 or (before < LOW_CONFIDENCE) != (
        now < LOW_CONFIDENCE
    )


def describe(row: tuple) -> str:
    n, depth, before, now, told_before, told_now = row
    return (
        f"{n} tiles, median {depth:.1f} µm, confidence {before:.2f} -> {now:.2f}, "
        f"told {told_before:.1f} -> {told_now:.1f} µm"
    )


def simulated(model: str) -> None:
    """The told fields and one field per robustness cell."""
    from napari_defocus_deblur.evaluation.told_fields import iter_fields

    for label, fields in (("told fields", (10, "sparse-smooth", 10.0)), ("set", (1, None, None))):
        n = moved = 0
        for cell, blurred, sharp in iter_fields(*fields):
            n += 1
            row = told_before_and_now(blurred, None)
            if changed(row):
                moved += 1
                base = psnr(blurred, sharp)
                gains = [psnr(deblur(blurred, t, model=model), sharp) - base for t in row[-2:]]
                print(f"  {label} {cell.name}: {describe(row)}; gain "
                      f"{gains[0]:+.2f} -> {gains[1]:+.2f} dB")  # fmt: skip
        print(f"{label}: {moved} of {n} fields told another distance", flush=True)


def real(folder: Path, model: str) -> None:
    """The real z_00 and in-focus images, own pixels and binned."""
    from napari_defocus_deblur.io.tiff import read_image

    paths = sorted((folder / "defocus-z00").glob("*.tif")) + sorted(
        (folder / "in-focus").glob("*.png")
    )
    n = moved = 0
    for path in paths:
        image = read_image(path)[0].astype(np.float64)
        for factor in (1, 2, 3):
            sampled = image if factor == 1 else integrate_pixels(image, factor)
            stated = None if factor == 1 else Microscope(pixel_size_um=PIXEL_SIZE_UM * factor)
            row = told_before_and_now(sampled, stated)
            n += 1
            if not changed(row):
                continue
            moved += 1
            line = f"  {path.name} x{factor}: {describe(row)}"
            if path.suffix == ".png":  # in focus: how far each comes from the input
                for told in row[-2:]:
                    out = deblur(sampled, told, model=model, microscope=stated)
                    line += (f"; told {told:.1f}: {psnr(out, sampled):.1f} dB, lowest "
                             f"{out.min() - sampled.min():+.1f}")  # fmt: skip
            print(line, flush=True)
    print(f"real images (own pixels, x2, x3): {moved} of {n} told another distance")


def evaluation_set(folder: Path) -> None:
    """The blurred fields of a written evaluation set."""
    import json

    from napari_defocus_deblur.io.tiff import read_image

    pairs = json.loads((folder / "manifest.json").read_text())["pairs"]
    moved = 0
    for pair in pairs:
        row = told_before_and_now(read_image(folder / f"{pair['name']}_blurred.tif")[0], None)
        if changed(row):
            moved += 1
            print(f"  {pair['name']}: {describe(row)}")
    print(f"evaluation set {folder.name}: {moved} of {len(pairs)} told another distance")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="bbbc006-unet")
    ap.add_argument("--real", type=Path, default=Path("../shared/data/bbbc006-real"))
    ap.add_argument("--no-simulated", action="store_true")
    ap.add_argument("--set", type=Path, default=None)
    args = ap.parse_args()
    if args.set is not None:
        evaluation_set(args.set)
    if args.real.is_dir():
        real(args.real, args.model)
    if not args.no_simulated:
        simulated(args.model)


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        main()
