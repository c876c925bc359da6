"""Side-by-side or half-overlapping tiles: which reads a field better for the one click?

Until session 35 the estimator read a field from side-by-side 128-pixel tiles (a 260 x
348 robustness field: four tiles; a 520 x 696 BBBC006 field: twenty). Sparse fields then
hang on two or three tiles that hold nuclei, and a nucleus cut by a tile's border reads
differently from a whole one. This takes ``--seeds`` fresh fields per robustness cell
(``simulate.robustness.cells``: 6 optics x 3 contents x 3 distances; seed index
``--first`` onwards, index 0 is the fixed robustness set's own field), reads each with
both tilings (``estimate.estimate_tiles(image, stride=...)``, the same perceptrons), and
prints the median error against the stage offset and against the nominal-equivalent
distance (``simulate.equivalence``), and the one-click gain of ``--model`` told each
tiling's distance (``DefocusEstimate.deblur_depth_um``): mean, fields below the input,
worst, per distance and per seed index (the paired difference's spread says what a
54-field set can resolve).

Usage::

    python scripts/estimator_tiling.py [--seeds 6] [--first 1] [--model bbbc006-unet]
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from napari_defocus_deblur.estimate import STRIDE, TILE, defocus_from_tiles, estimate_tiles
from napari_defocus_deblur.evaluation.told_fields import iter_fields
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.metrics import psnr
from napari_defocus_deblur.simulate.equivalence import nominal_equivalent_um
from napari_defocus_deblur.simulate.robustness import setting_optics
from napari_defocus_deblur.zoo.names import DEFAULT_METHOD

TILINGS = {"side by side": TILE, "half-overlapping": STRIDE}


def field_rows(args: argparse.Namespace) -> list[dict]:
    """One row per field: truth, equivalent distance, and per tiling reading and gain."""
    rows = []
    for cell, blurred, sharp in iter_fields(args.seeds, None, None, first=args.first):
        base = psnr(blurred, sharp)
        row = {
            "cell": cell,
            "equivalent": nominal_equivalent_um(cell.stage_um, setting_optics(cell.setting)),
        }
        told_gain: dict[float, float] = {}
        for name, stride in TILINGS.items():
            est = defocus_from_tiles(estimate_tiles(blurred, stride=stride))
            told = round(est.deblur_depth_um, 6)
            if told not in told_gain:
                restored = deblur(blurred, depth_um=told, model=args.model)
                told_gain[told] = psnr(restored, sharp) - base
            row[name] = (est.depth_um, told_gain[told])
        rows.append(row)
    return rows


def report(rows: list[dict]) -> None:
    """Print the errors, the gains and the paired differences per seed index."""
    for name in TILINGS:
        read = np.array([r[name][0] for r in rows])
        true = np.array([r["cell"].depth_um for r in rows])
        equivalent = np.array([r["equivalent"] for r in rows])
        gains = np.array([r[name][1] for r in rows])
        by_depth = collections.defaultdict(list)
        for r, g in zip(rows, gains):
            by_depth[r["cell"].depth_um].append(g)
        depths = " ".join(f"{d:g} um {np.mean(v):+.3f}" for d, v in sorted(by_depth.items()))
        print(
            f"{name}: median |error| {np.median(abs(read - true)):.2f} um vs the stage offset, "
            f"{np.median(abs(read - equivalent)):.2f} vs the equivalent; one click "
            f"{gains.mean():+.3f} dB, {int((gains < 0).sum())} of {len(gains)} below the "
            f"input (worst {gains.min():+.2f}); {depths}"
        )
    diff = np.array([r["half-overlapping"][1] - r["side by side"][1] for r in rows])
    by_seed = collections.defaultdict(list)
    for r, d in zip(rows, diff):
        by_seed[r["cell"].seed % 100].append(d)
    seeds = " ".join(f"{k}: {np.mean(v):+.3f}" for k, v in sorted(by_seed.items()))
    print(
        f"overlapping - side by side: {diff.mean():+.3f} dB (standard error "
        f"{diff.std() / np.sqrt(len(diff)):.3f}); per seed index {seeds}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=6, help="fields per cell")
    parser.add_argument("--first", type=int, default=1, help="first seed index per cell")
    parser.add_argument("--model", default=f"bbbc006-{DEFAULT_METHOD}")
    report(field_rows(parser.parse_args()))


if __name__ == "__main__":
    main()
