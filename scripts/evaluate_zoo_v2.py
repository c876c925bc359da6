"""Evaluation v2 (issue 12): paper-layout and robustness tables, estimator errors.

One command: writes the robustness set if missing, scores every method, and rewrites
the tables between the ``<!-- v2-tables -->`` markers of docs/zoo.md, plus the JSON
record docs/data/zoo-v2-eval.json. Prints every target's figure.

    python scripts/evaluate_zoo_v2.py --set runs/robustness-set [--methods ...]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

from napari_defocus_deblur.evaluation.robustness import (
    METHODS,
    Score,
    iter_score_set,
    scores_to_json,
    summarise,
)
from napari_defocus_deblur.progress import drive
from napari_defocus_deblur.simulate.robustness import (
    OPTICS_SETTINGS,
    iter_write_robustness_set,
    read_manifest,
)

REPO = Path(__file__).resolve().parents[1]
ZOO_DOC = REPO / "docs" / "zoo.md"
MARK = re.compile(r"<!-- v2-tables -->.*<!-- /v2-tables -->", re.S)
REAL_Z00 = REPO.parent / "shared" / "data" / "bbbc006-real" / "defocus-z00"


def paper_table(rows: list[dict]) -> str:
    depths = sorted({r["depth_um"] for r in rows}, reverse=True)
    head = "| method | " + " | ".join(f"{d:g} µm" for d in depths) + " | s / image |"
    lines = [head, "|---|" + "---:|" * (len(depths) + 1)]
    for m in dict.fromkeys(r["method"] for r in rows):
        cells = {r["depth_um"]: r for r in rows if r["method"] == m}
        text = [
            f"{cells[d]['psnr']:.2f} / {cells[d]['ssim']:.3f} ({cells[d]['gain_db']:+.2f})"
            for d in depths
        ]
        sec = np.mean([c["seconds"] for c in cells.values()])
        lines.append(f"| {m} | " + " | ".join(text) + f" | {sec:.2f} |")
    return "\n".join(lines)


def gain_table(rows: list[dict], column: str, depth: float) -> str:
    cols = list(dict.fromkeys(r[column] for r in rows if r["depth_um"] == depth))
    lines = [f"| method | {' | '.join(cols)} |", "|---|" + "---:|" * len(cols)]
    for m in dict.fromkeys(r["method"] for r in rows):
        cells = {r[column]: r for r in rows if r["method"] == m and r["depth_um"] == depth}
        lines.append(f"| {m} | " + " | ".join(f"{cells[c]['gain_db']:+.2f}" for c in cols) + " |")
    return "\n".join(lines)


def estimator_figures(folder: Path) -> dict:
    from napari_defocus_deblur.estimate import estimate_defocus
    from napari_defocus_deblur.io.tiff import read_image

    errors, per_setting = [], {}
    for e in read_manifest(folder):
        img = read_image(folder / f"{e['name']}_blurred.tif")[0]
        err = estimate_defocus(img).depth_um - e["depth_um"]
        errors.append(abs(err))
        per_setting.setdefault(e["setting"], []).append(abs(err))
    out = {
        "median_abs_error_um": float(np.median(errors)),
        "per_setting_median_abs_error_um": {
            k: float(np.median(v)) for k, v in per_setting.items()
        },
    }
    if REAL_Z00.is_dir():
        est = [estimate_defocus(read_image(p)[0]) for p in sorted(REAL_Z00.glob("*.tif"))]
        d = np.array([x.depth_um for x in est])
        out["real_z00"] = {
            "n": len(d),
            "median_um": float(np.median(d)),
            "p10_um": float(np.percentile(d, 10)),
            "p90_um": float(np.percentile(d, 90)),
            "median_confidence": float(np.median([x.confidence for x in est])),
        }
    return out


def render(paper: list[dict], robust: list[dict], est: dict, settings: list[dict]) -> str:
    parts = ["<!-- v2-tables -->", "", "### Paper layout, nominal optics (PSNR / SSIM (gain dB))"]
    parts += ["", paper_table(paper), ""]
    for depth in (34.0, 22.0, 10.0):
        parts += [f"### Robustness, {depth:g} µm: PSNR gain over the input per optics setting", ""]
        parts += [gain_table(settings, "setting", depth), ""]
    parts += ["### Robustness, 34 µm: PSNR gain per content type", ""]
    parts += [gain_table(robust, "content", 34.0), ""]
    tex = [r for r in robust if r.get("texture_ratio") is not None and r["depth_um"] == 34.0]
    if tex:
        parts += ["### Invented texture (sparse smooth fields, 34 µm; 1.0 = ground truth)", ""]
        parts += ["| method | band-pass energy ratio |", "|---|---:|"]
        parts += [f"| {r['method']} | {r['texture_ratio']:.2f} |" for r in tex]
        parts += [""]
    parts += ["### Defocus estimator", "", "```json", json.dumps(est, indent=1), "```", ""]
    parts += ["<!-- /v2-tables -->"]
    return "\n".join(parts)


def method_scores(folder: Path, method: str, cache: Path) -> list[Score]:
    """Scores of one method on the set, from ``cache`` when kept there."""
    path = cache / f"{method}.json"
    if path.is_file():
        return [Score(**row) for row in json.loads(path.read_text())]
    scores = drive(
        iter_score_set(folder, [method]), lambda ev: print(method, ev.done, ev.total, end="\r")
    )
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scores_to_json(scores)) + "\n")
    return scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--set", default="runs/robustness-set", help="robustness set folder")
    ap.add_argument("--methods", nargs="+", default=list(METHODS))
    ap.add_argument("--json", default=str(REPO / "docs/data/zoo-v2-eval.json"))
    ap.add_argument(
        "--scores-dir",
        default="runs/v2-scores",
        help="per-method scores are kept here and reused (delete a file to re-score)",
    )
    ap.add_argument("--only", nargs="+", default=None, help="score these methods, no tables")
    args = ap.parse_args()
    folder = Path(args.set)
    if not (folder / "manifest.json").is_file():
        drive(iter_write_robustness_set(folder))
    scores = []
    for method in args.only or args.methods:
        scores += method_scores(folder, method, Path(args.scores_dir))
    if args.only:
        return
    paper = summarise([s for s in scores if s.part == "paper"], ["depth_um"])
    robust_scores = [s for s in scores if s.part == "robustness"]
    robust = summarise(robust_scores, ["depth_um", "content"])
    settings = summarise(robust_scores, ["depth_um", "setting"])
    cells = summarise(robust_scores, ["depth_um", "setting", "content"])
    est = estimator_figures(folder)
    record = {"paper": paper, "by_content": robust, "by_setting": settings, "cells": cells}
    record.update(estimator=est, scores=scores_to_json(scores), settings=OPTICS_SETTINGS)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(record, indent=1, default=str) + "\n")
    text = ZOO_DOC.read_text()
    table = render(paper, robust, est, settings)
    ZOO_DOC.write_text(
        MARK.sub(lambda _: table, text) if MARK.search(text) else text + "\n" + table
    )
    default = [c for c in cells if c["method"] == "default"]
    worst = min(default, key=lambda c: c["gain_db"]) if default else None
    print("\n" + table)
    if worst:
        print(f"worst default cell: {worst}")


if __name__ == "__main__":
    main()
