"""Where should the focus gate's ramp end? The one-click path on the robustness set.

``inference/focus_gate.py`` returns planes told (or estimated) within 3 µm of focus
unchanged and ramps linearly to the full restoration at ``FULL_RESTORATION_UM`` (8 µm).
This scores a network's one-click path (``depth_um="auto"``) on the v3 robustness set
(``scripts/evaluate_zoo_v3.py`` writes it) with other ends of the ramp and prints, per
end, the mean gain over the 54 robustness cells, the worst cell, the mean gain per
distance and on the paper fields, and the cells that moved by more than 0.05 dB against
the shipped end. Scores are cached beside the evaluation's (``runs/v3-scores``).

Usage::

    python scripts/focus_gate_sweep.py [--ends 5 6] [--method default]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import evaluate_zoo_v3 as ev

from napari_defocus_deblur.evaluation.robustness import Score, summarise
from napari_defocus_deblur.inference import focus_gate

CELL = ("depth_um", "setting", "content")


def scores_with_end(folder: Path, cache: Path, method: str, end: float) -> list[Score]:
    """``method``'s scores with the ramp ending at ``end`` µm, labelled ``end``."""
    shipped = (focus_gate.FULL_RESTORATION_UM, ev.INFERENCE_RULE)
    if end != shipped[0]:
        focus_gate.FULL_RESTORATION_UM = end
        ev.INFERENCE_RULE = f"{shipped[1]}-gate{end:g}"
    try:
        scores = ev.scores_of(folder, method, cache)
    finally:
        focus_gate.FULL_RESTORATION_UM, ev.INFERENCE_RULE = shipped
    return [replace(s, method=f"{end:g}") for s in scores]


def report(scores: list[Score], label: str, reference: str) -> None:
    """Print the summary of ``label`` and the cells that moved against ``reference``."""
    robust = [s for s in scores if s.part == "robustness"]
    cells = {
        tuple(c[k] for k in CELL): c["gain_db"]
        for c in summarise(robust, CELL)
        if c["method"] == label
    }
    per_depth = {
        c["depth_um"]: round(c["gain_db"], 2)
        for c in summarise(robust, ["depth_um"])
        if c["method"] == label
    }
    paper = [s for s in scores if s.part == "paper"]
    per_paper = {
        c["depth_um"]: round(c["gain_db"], 2)
        for c in summarise(paper, ["depth_um"])
        if c["method"] == label
    }
    gains = list(cells.values())
    print(
        f"ramp end {label} um: robustness mean {np.mean(gains):+.3f} dB, worst cell "
        f"{min(gains):+.2f}, cells below the input {sum(g < 0 for g in gains)}; per "
        f"distance {per_depth}; paper fields {per_paper}"
    )
    if label == reference:
        return
    base = {
        tuple(c[k] for k in CELL): c["gain_db"]
        for c in summarise(robust, CELL)
        if c["method"] == reference
    }
    for key, gain in cells.items():
        if abs(gain - base[key]) > 0.05:
            print(f"    {key}: {base[key]:+.2f} -> {gain:+.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ends", type=float, nargs="+", default=[5.0, 6.0])
    ap.add_argument("--method", default="default", help="a shipped network or 'default'")
    ap.add_argument("--set", type=Path, default=Path("runs/robustness-set-v3"))
    ap.add_argument("--scores-dir", type=Path, default=Path("runs/v3-scores"))
    args = ap.parse_args()
    shipped = focus_gate.FULL_RESTORATION_UM
    ends = [shipped, *(e for e in args.ends if e != shipped)]
    scores = ev.scores_of(args.set, "input", args.scores_dir)
    for end in ends:
        scores += scores_with_end(args.set, args.scores_dir, args.method, end)
    for end in ends:
        report(scores, f"{end:g}", f"{shipped:g}")


if __name__ == "__main__":
    main()
