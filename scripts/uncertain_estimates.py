"""What should the one-click path tell a network when the estimate is uncertain?

Telling a network more blur than an image has costs far more than telling it less, and
the fields the estimator reads too deep are those whose tiles disagree (sparse fields,
where few tiles hold nuclei). This takes ``--seeds`` fields per robustness cell
(``simulate.robustness.cells``: 6 optics x 3 contents x 3 distances; seed index
``--first`` onwards, index 0 is the fixed robustness set's own field), estimates each,
and for every field whose confidence is below ``estimate.LOW_CONFIDENCE`` prints the PSNR
gain of the default network told the median of its tiles (the rule before session 20),
told each percentile of ``--percentiles`` of its tile readings, and on the one-click path
as shipped (``DefocusEstimate.deblur_depth_um``). Confident fields are told their median
either way and are only counted. With ``--every-field`` every field gets a row (told its
median, as shipped, and each percentile); with ``--hard`` only the ``--content`` fields
at ``--depth`` in ``--settings`` are taken (e.g. the ship rule's 60 told fields: ``--hard
--seeds 10 --settings`` all six); ``--ramp LOW HIGH`` adds a candidate rule that tells
the 10th percentile at confidence ``LOW`` rising linearly to the median at ``HIGH``;
``--shrink F ...`` adds ``F`` times the shipped one-click distance (a global factor).

With ``--factors``, it prints instead the gain of the network told each factor times the
true distance on the fields of ``--content`` at ``--depth`` µm in each of ``--settings``
(why the rule errs low: over-telling costs more than under-telling).

Usage::

    python scripts/uncertain_estimates.py [--seeds 3] [--first 0] [--percentiles 10 25]
        [--model bbbc006-unet]
    python scripts/uncertain_estimates.py --every-field --seeds 1 --percentiles 25 \
        --ramp 0.3 0.9
    python scripts/uncertain_estimates.py --every-field --seeds 2 --first 10 --percentiles \
        --shrink 0.8 0.9 1.1
    python scripts/uncertain_estimates.py --every-field --hard --seeds 10 --settings \
        nominal above-focus narrow wide-1.5x wide-1.8x aberrated --percentiles 25 --ramp 0.3 0.9
    python scripts/uncertain_estimates.py --seeds 5 --factors 0.7 1 1.3 \
        [--content sparse-smooth] [--depth 10] [--settings above-focus narrow aberrated]
"""

from __future__ import annotations

import argparse

import numpy as np

from napari_defocus_deblur.estimate import LOW_CONFIDENCE, defocus_from_tiles, estimate_tiles
from napari_defocus_deblur.evaluation.told_fields import (
    HARD_CONTENT,
    HARD_DEPTH_UM,
    iter_fields,
    summarise_gains,
    told_field_gains,
)
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.metrics import psnr
from napari_defocus_deblur.simulate.robustness import OPTICS_SETTINGS
from napari_defocus_deblur.zoo.names import DEFAULT_METHOD


def ramp_percentile(confidence: float, low: float, high: float) -> float:
    """Percentile of the tile readings a ramp rule tells: 10 at confidence ``low`` or
    below, 50 (the median) at ``high`` or above, linear between."""
    return 10.0 + 40.0 * float(np.clip((confidence - low) / (high - low), 0.0, 1.0))


def uncertain_rows(args: argparse.Namespace) -> tuple:
    """``(rows, fields)``: one row of told distances and gains per uncertain field (every
    field with ``--every-field``), and how many fields were estimated."""
    rows, fields = [], 0
    cells = (args.content, args.depth) if args.hard else (None, None)
    settings = tuple(args.settings) if args.hard else tuple(OPTICS_SETTINGS)
    for cell, blurred, sharp in iter_fields(args.seeds, *cells, settings, args.first):
        fields += 1
        tiles = estimate_tiles(blurred)
        est = defocus_from_tiles(tiles)
        if not (args.every_field or est.confidence < LOW_CONFIDENCE):
            continue
        readings = tiles.depths_um[np.isfinite(tiles.depths_um)]
        told = {"median": est.depth_um, "shipped": est.deblur_depth_um}
        percentiles = {f"p{p:g}": p for p in args.percentiles}
        if args.ramp:
            percentiles["ramp"] = ramp_percentile(est.confidence, *args.ramp)
        told |= {
            k: min(est.depth_um, float(np.percentile(readings, p))) for k, p in percentiles.items()
        }
        told |= {f"x{f:g}": f * est.deblur_depth_um for f in args.shrink or ()}
        base = psnr(blurred, sharp)
        gains = {
            k: psnr(deblur(blurred, depth_um=v, model=args.model), sharp) - base
            for k, v in told.items()
        }
        rows.append((cell, est, len(readings), told, gains))
        name = f"{cell.setting}/{cell.content} {cell.depth_um:g} um s{cell.seed}"
        print(
            f"{name}: {len(readings)} tile(s), confidence {est.confidence:.2f}; "
            + ", ".join(f"{k} {told[k]:.1f} um {gains[k]:+.2f} dB" for k in told),
            flush=True,
        )
    return rows, fields


def factor_sweep(args: argparse.Namespace) -> None:
    """Gain told ``factor x`` the true distance, per field of the chosen cells."""
    per_factor = {
        f: told_field_gains(
            args.model,
            fields=args.seeds,
            content=args.content,
            depth_um=args.depth,
            settings=tuple(args.settings),
            factor=f,
        )
        for f in args.factors
    }
    for row in zip(*per_factor.values()):
        text = ", ".join(f"x{f:g} {g.gain_db:+.2f} dB" for f, g in zip(args.factors, row))
        print(f"{row[0].name}: {text}")
    for f, gains in per_factor.items():
        s = summarise_gains(gains)
        lo, hi = min(g.gain_db for g in gains), max(g.gain_db for g in gains)
        print(
            f"told x{f:g}: gains {lo:+.2f} to {hi:+.2f} dB, "
            f"{s['below_input']} of {s['fields']} below the input"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="fields per cell")
    parser.add_argument("--first", type=int, default=0, help="first seed index per cell")
    parser.add_argument("--percentiles", type=float, nargs="*", default=[10.0, 25.0])
    parser.add_argument("--model", default=f"bbbc006-{DEFAULT_METHOD}")
    parser.add_argument("--factors", type=float, nargs="+", help="told x the truth instead")
    parser.add_argument("--content", default=HARD_CONTENT)
    parser.add_argument("--depth", type=float, default=HARD_DEPTH_UM)
    parser.add_argument("--settings", nargs="+", default=["above-focus", "narrow", "aberrated"])
    parser.add_argument("--every-field", action="store_true", help="confident fields too")
    parser.add_argument(
        "--shrink", type=float, nargs="+", metavar="F",
        help="also tell F x the shipped one-click distance (a global factor on the estimate)",
    )  # fmt: skip
    parser.add_argument(
        "--hard", action="store_true", help="only --content at --depth in --settings"
    )
    parser.add_argument(
        "--ramp", type=float, nargs=2, metavar=("LOW", "HIGH"),
        help="also tell the ramp rule's percentile (10 at confidence LOW .. 50 at HIGH)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.factors:
        factor_sweep(args)
        return
    rows, fields = uncertain_rows(args)
    which = "fields" if args.every_field else f"fields uncertain (confidence < {LOW_CONFIDENCE:g})"
    print(f"{len(rows)} of {fields} {which}")
    for key in rows[0][3] if rows else ():
        gains = np.array([r[4][key] for r in rows])
        print(
            f"  told {key}: mean gain {gains.mean():+.2f} dB, worst {gains.min():+.2f}, "
            f"below the input {int((gains < 0).sum())}"
        )


if __name__ == "__main__":
    main()
