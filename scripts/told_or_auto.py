"""Typed distance or one click? The default network told the true stage offset against
the same network told what the estimator reads (``depth_um="auto"``).

Without ``--fields`` it reads an evaluation record (``scripts/evaluate_zoo_v3.py``'s
docs/data/zoo-v3-eval.json) and prints, per robustness cell, the told and one-click
gains of the candidate default (``unet v3`` / ``default v3``; ``--shipped``: the shipped
rows) and which wins by more than 0.3 dB. With ``--fields N`` it simulates N fields of
each robustness cell of ``--content`` at ``--depth`` µm and prints the estimate, its
confidence and both gains per field (bundled default network); ``--all-cells`` takes every
robustness cell, and ``--factors`` tells the one-click path that many times its distance.

Usage::

    python scripts/told_or_auto.py [--record docs/data/zoo-v3-eval.json] [--shipped]
    python scripts/told_or_auto.py --fields 10 [--depth 10] [--content sparse-smooth]
        [--all-cells] [--factors 1 0.9 0.8]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from napari_defocus_deblur.zoo.names import DEFAULT_METHOD

MARGIN_DB = 0.3


def from_record(path: Path, shipped: bool) -> None:
    """Told against one click per cell of a record, and the count of wins."""
    told, auto = ("unet", "default") if shipped else (f"{DEFAULT_METHOD} v3", "default v3")
    record = json.loads(path.read_text())
    gains = {(c["method"], c["setting"], c["content"], c["depth_um"]): c for c in record["cells"]}
    wins = {"told": 0, "one click": 0, "tie": 0}
    print(f"{'setting':12s} {'content':15s} depth   told  one click")
    for (method, setting, content, depth), cell in sorted(gains.items()):
        if method != told:
            continue
        g_told, g_auto = cell["gain_db"], gains[(auto, setting, content, depth)]["gain_db"]
        key = "told" if g_told > g_auto + MARGIN_DB else "tie"
        key = "one click" if g_auto > g_told + MARGIN_DB else key
        wins[key] += 1
        mark = "" if key == "tie" else key
        print(f"{setting:12s} {content:15s} {depth:5.0f} {g_told:+6.2f} {g_auto:+6.2f}  {mark}")
    print(", ".join(f"{k} {v}" for k, v in wins.items()), f"(margin {MARGIN_DB} dB)")


def fresh_fields(args: argparse.Namespace) -> None:
    """Estimate, confidence and the gains per simulated field: told the true distance,
    and on the one-click path with its distance times each of ``args.factors``."""
    from napari_defocus_deblur.estimate import estimate_defocus
    from napari_defocus_deblur.evaluation.metrics import psnr
    from napari_defocus_deblur.evaluation.told_fields import iter_fields
    from napari_defocus_deblur.inference import deblur

    rows = []
    content, depth = (None, None) if args.all_cells else (args.content, args.depth)
    for cell, blurred, sharp in iter_fields(args.fields, content, depth):
        est = estimate_defocus(blurred)
        base = psnr(blurred, sharp)
        told = [cell.depth_um] + [f * est.deblur_depth_um for f in args.factors]
        rows.append([psnr(deblur(blurred, depth_um=d), sharp) - base for d in told])
        text = ", ".join(f"x{f:g} {g:+.2f}" for f, g in zip(args.factors, rows[-1][1:]))
        print(
            f"{cell.name}: estimate {est.depth_um:.1f} µm (deblurred for "
            f"{est.deblur_depth_um:.1f}), confidence {est.confidence:.2f}; told "
            f"{rows[-1][0]:+.2f} dB, one click {text}",
            flush=True,
        )
    g = np.array(rows)
    for k, label in enumerate(["told"] + [f"one click x{f:g}" for f in args.factors]):
        print(
            f"{label}: mean {g[:, k].mean():+.3f} dB, worst {g[:, k].min():+.2f}, "
            f"{int((g[:, k] < 0).sum())} of {len(g)} below the input"
        )
    print(f"one click (x{args.factors[0]:g}) better than told on {int((g[:, 1] > g[:, 0]).sum())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--record", type=Path, default=Path("docs/data/zoo-v3-eval.json"))
    parser.add_argument("--shipped", action="store_true", help="the record's shipped rows")
    parser.add_argument("--fields", type=int, help="simulate fields instead of a record")
    parser.add_argument("--depth", type=float, default=10.0)
    parser.add_argument("--content", default="sparse-smooth")
    parser.add_argument("--all-cells", action="store_true", help="every robustness cell")
    parser.add_argument("--factors", type=float, nargs="+", default=[1.0])
    args = parser.parse_args()
    if args.fields:
        fresh_fields(args)
    else:
        from_record(args.record, args.shipped)


if __name__ == "__main__":
    main()
