"""How much of a ship-rule verdict is the fixed set's luck? Two models told the distance
on fresh fields, paired.

The ship rule compares a candidate with the shipped zoo on the robustness set's 54 cells,
one field each, and refuses a network told the distance more than 0.05 dB below its
namesake. This scores model A and model B (bundled names or checkpoint folders) told the
true distance on ``--seeds`` fresh fields per robustness cell (seed index ``--first``
onwards; index 0 is the fixed set's own field, ``--first 0`` includes it) and prints the
mean paired difference B - A with its standard error, per seed index (each index is one
54-field draw like the fixed set) and over all; ``--by content`` (or ``depth``,
``setting``) adds the same per content type (distance, optics setting).

Usage::

    python scripts/paired_told.py bbbc006-concat runs/v3ul12-steps/soup/v3ul12-avg-concat \
        [--seeds 3] [--first 0] [--by content depth]
    python scripts/paired_told.py bbbc006-unet bbbc006-unet --phases 4 1  # one model, two runs
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

from napari_defocus_deblur.evaluation.told_fields import iter_fields
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.metrics import psnr


def paired_gains(
    model_a: str, model_b: str, seeds: int, first: int, phases: tuple = ("auto", "auto")
) -> list[tuple]:
    """``(seed index, cell, gain of A, gain of B)`` per field, both told the true distance,
    each run with its ``phases``."""
    rows = []
    for cell, blurred, sharp in iter_fields(seeds, None, None, first=first):
        base = psnr(blurred, sharp)  # told as the ship rule tells: the distance, no side
        gains = [
            psnr(deblur(blurred, depth_um=cell.depth_um, model=m, phases=n), sharp) - base
            for m, n in zip((model_a, model_b), phases)
        ]
        rows.append((cell.seed % 100, cell, *gains))
    return rows


def report(rows: list[tuple], by: tuple[str, ...] = ()) -> None:
    """Print per seed index, per value of each cell attribute in ``by`` (``content``,
    ``depth_um``, ``setting``) and overall: mean gains and the paired difference B - A."""
    groups = [("seed index", lambda row: row[0])]
    groups += [(key, lambda row, key=key: getattr(row[1], key)) for key in by]
    for label, key_of in groups:
        grouped = collections.defaultdict(list)
        for row in rows:
            grouped[key_of(row)].append(row[2:])
        for value, pairs in sorted(grouped.items()):
            _print_pairs(f"{label} {value}", pairs)
    _print_pairs("all", [row[2:] for row in rows])


def _print_pairs(label: str, pairs: list) -> None:
    a, b = np.array(pairs).T
    diff = b - a
    error = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else float("nan")
    print(
        f"{label}: {len(diff)} fields, A {a.mean():+.3f} dB, B {b.mean():+.3f} "
        f"dB, B - A {diff.mean():+.3f} (standard error {error:.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model_a")
    parser.add_argument("model_b")
    parser.add_argument("--seeds", type=int, default=3, help="fields per cell")
    parser.add_argument("--first", type=int, default=0, help="first seed index per cell")
    parser.add_argument(
        "--phases",
        nargs=2,
        default=("auto", "auto"),
        metavar=("A", "B"),
        help="pixel phases of A and B: auto, 1 or 4 (auto auto)",
    )
    parser.add_argument(
        "--by", nargs="+", default=(), choices=("content", "depth", "setting"),
        help="also per content type, distance or optics setting",
    )  # fmt: skip
    args = parser.parse_args()
    phases = tuple(n if n == "auto" else int(n) for n in args.phases)
    by = tuple("depth_um" if key == "depth" else key for key in args.by)
    report(paired_gains(args.model_a, args.model_b, args.seeds, args.first, phases), by)


if __name__ == "__main__":
    main()
