"""Measure which distance networks should be told for planes above focus.

Scores each model on ``--fields`` fields of every above-focus robustness cell (three
contents x 10/22/34 µm, simulated with the nominal optics above focus), told the stage
offset shortened by a share of the focal shift (``inference.side.distance_for_network``
with ``share``): share 0 is the stage offset, 1 the full shift, and the shipped
``FOCAL_SHIFT_SHARE`` is what ``deblur(..., side="above")`` uses.
Prints, per model and share, the mean PSNR gain over the input, the fields below it, the
worst field and the mean per cell; and the one click (``depth_um="auto"``) beside them.
With ``--told-fields`` it prints instead the ship rule's 60 told fields
(:mod:`napari_defocus_deblur.evaluation.told_fields`) told the bare stage offset and told
it with the side (``side="above"`` for the above-focus ones).

Usage::

    python scripts/side_of_focus.py bbbc006-unet bbbc006-sum --fields 5
    python scripts/side_of_focus.py bbbc006-unet --told-fields
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.evaluation.told_fields import (
    FieldGain,
    iter_fields,
    summarise_gains,
    summary_line,
    told_field_gains,
)
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.inference.side import FOCAL_SHIFT_SHARE, distance_for_network

SHARES = (0.0, 0.25, FOCAL_SHIFT_SHARE, 0.75, 1.0)


def score(model: str, fields: list) -> dict[str, list[FieldGain]]:
    """Gains of ``model`` per way of telling it ("share 0.5", ..., "one click")."""
    gains = collections.defaultdict(list)
    for cell, blurred, sharp in fields:
        base = psnr(blurred, sharp)
        ways = [
            (f"share {s:g}", distance_for_network(cell.depth_um, "above", share=s))
            for s in sorted(set(SHARES))
        ]
        for label, told in [*ways, ("one click", "auto")]:
            gain = psnr(deblur(blurred, depth_um=told, model=model), sharp) - base
            gains[label].append(FieldGain(cell.name, cell.setting, cell.depth_um, float(gain)))
    return gains


def told_fields(model: str) -> None:
    """Print the ship rule's told fields of ``model``, told without and with the side."""
    for label, sided in (("told the offset", False), ("told the offset and side", True)):
        gains = told_field_gains(model, tell_side=sided)
        above = summarise_gains([g for g in gains if g.setting == "above-focus"])
        print(
            f"{model} | told fields, {label}: {summary_line(summarise_gains(gains))}; "
            f"above focus: {summary_line(above)}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="bundled names or checkpoint folders")
    parser.add_argument("--fields", type=int, default=5, help="fields per cell (5)")
    parser.add_argument("--told-fields", action="store_true", help="the ship rule's fields")
    args = parser.parse_args()
    if args.told_fields:
        for model in args.models:
            told_fields(model)
        return
    fields = list(iter_fields(args.fields, None, None, ("above-focus",)))
    print(f"{len(fields)} above-focus fields; shipped share {FOCAL_SHIFT_SHARE:g}")
    for model in args.models:
        for label, gains in score(model, fields).items():
            cells = collections.defaultdict(list)
            for gain in gains:
                cells[gain.name.split("_")[2] + f" {gain.told_um:g}"].append(gain.gain_db)
            per_cell = " ".join(f"{k} {np.mean(v):+.2f}" for k, v in cells.items())
            print(f"{model} | {label}: {summary_line(summarise_gains(gains))} | {per_cell}")


if __name__ == "__main__":
    main()
