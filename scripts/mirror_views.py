"""Mirror views against pixel phases: the shipped networks under both averages.

Scores each method of the v3 robustness set (``scripts/evaluate_zoo_v3.py`` writes it)
twice, through ``deblur``'s four pixel phases (``phases=4``, one view: the inference of
releases before mirror views) and through its default, four mirror views
(:mod:`napari_defocus_deblur.inference.phases`), and prints per method: the mean gain
over the 54 robustness cells and the paper part per distance, the worst cell and the
cells below the input, the 34 µm gains per optics setting and content, the band-pass
texture ratio at 34 µm (median over settings, and the largest), the set's lattice ratio
(mean spectrum), and the paired difference per field. With ``--real`` it also restores
the 24 real z_00 images told 33 µm (the default network) both ways and prints their
lattice ratio, sharpness gain and ringing; with ``--told-fields`` the ship rule's 60
told fields (``evaluation.told_fields``), the default network told the distance both ways.

Usage::

    python scripts/mirror_views.py [--set runs/robustness-set-v3]
        [--methods default unet sum concat nah] [--real] [--told-fields]
        [--cache runs/mirror-views-scores]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from napari_defocus_deblur.evaluation.lattice import ratios_of_blocks
from napari_defocus_deblur.evaluation.robustness import (
    Score,
    iter_score_set,
    scores_to_json,
    summarise,
)
from napari_defocus_deblur.progress import drive

#: The two averages compared: four pixel phases (one view), and deblur's default.
AVERAGES = {"phases 4": {"phases": 4}, "views 4": {}}
REAL_Z00 = Path(__file__).resolve().parents[2] / "shared/data/bbbc006-real/defocus-z00"


def _gains(scores: list[Score], part: str, keys: list[str]) -> dict[tuple, float]:
    rows = summarise([s for s in scores if s.part == part], keys)
    return {tuple(r[k] for k in keys): r["gain_db"] for r in rows if r["method"] != "input"}


def report(name: str, scores: list[Score]) -> None:
    """Print one average's figures for one method (scores include the input's)."""
    cells = _gains(scores, "robustness", ["setting", "content", "depth_um"])
    paper = _gains(scores, "paper", ["depth_um"])
    values = np.array(list(cells.values()))
    worst = min(cells, key=cells.get)
    at34 = {k: v for k, v in cells.items() if k[2] == 34.0}
    by = {
        axis: {
            key: np.mean([v for k, v in at34.items() if k[i] == key])
            for key in sorted({k[i] for k in at34})
        }
        for i, axis in enumerate(("setting", "content"))
    }
    fields = [s for s in scores if s.method != "input"]
    texture = [s.texture_ratio for s in fields if s.texture_ratio and s.depth_um == 34.0]
    blocks = sum(np.asarray(s.lattice_blocks) for s in fields)
    print(
        f"  {name}: cells mean {values.mean():+.3f} dB, worst {cells[worst]:+.2f} {worst}, "
        f"below input {int((values < 0).sum())}; paper "
        + "/".join(f"{paper[d]:+.2f}" for d in sorted(paper, reverse=True))
        + f" (34..10 µm); set lattice {max(ratios_of_blocks(blocks).values()):.2f}"
    )
    for axis, gains in by.items():
        print(f"    34 µm by {axis}: " + ", ".join(f"{k} {v:+.2f}" for k, v in gains.items()))
    print(f"    texture at 34 µm: median {np.median(texture):.2f}, max {max(texture):.2f}")


def scores_of(folder: Path, method: str, average: str, cache: Path) -> list[Score]:
    """The input's and ``method``'s scores under ``average``, kept in ``cache``."""
    path = cache / f"{method}-{average.replace(' ', '')}.json"
    if path.is_file():
        return [Score(**row) for row in json.loads(path.read_text())]
    scores = drive(iter_score_set(folder, ["input", method], passes=AVERAGES[average]))
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(scores_to_json(scores)) + "\n")
    return scores


def compare(folder: Path, method: str, cache: Path) -> None:
    """Score ``method`` both ways and print both reports and the paired difference."""
    runs = {name: scores_of(folder, method, name, cache) for name in AVERAGES}
    print(method)
    for name, scores in runs.items():
        report(name, scores)
    old, new = ([s.psnr for s in runs[n] if s.method == method] for n in AVERAGES)
    diff = np.array(new) - np.array(old)
    sem = diff.std(ddof=1) / np.sqrt(len(diff))
    print(
        f"  views - phases per field ({len(diff)}): {diff.mean():+.3f} +- {sem:.3f} dB "
        f"(min {diff.min():+.2f}, max {diff.max():+.2f}, better on {(diff > 0).sum()})"
    )


def real_z00() -> None:
    """The 24 real z_00 images told 33 µm, both ways: lattice, sharpness, ringing."""
    from napari_defocus_deblur.evaluation.lattice import lattice_ratio, set_lattice_ratio
    from napari_defocus_deblur.evaluation.no_reference import ringing_share, sharpness
    from napari_defocus_deblur.inference import deblur
    from napari_defocus_deblur.io.tiff import read_image

    images = [read_image(p)[0].astype(np.float32) for p in sorted(REAL_Z00.glob("*.tif"))]
    if not images:
        print("real z_00: ../shared is absent")
        return
    for name, passes in AVERAGES.items():
        out = [deblur(im, 33.0, **passes) for im in images]
        ratios = [lattice_ratio(o) for o in out]
        gain = [sharpness(o) / sharpness(im) for o, im in zip(out, images)]
        ring = [100 * ringing_share(im, o) for o, im in zip(out, images)]
        print(
            f"real z_00 ({len(images)}), {name}: set lattice {set_lattice_ratio(out):.2f}, "
            f"fields above 10: {sum(r > 10 for r in ratios)} (max {max(ratios):.1f}); "
            f"sharpness x{np.median(gain):.2f} ({min(gain):.2f}-{max(gain):.2f}); "
            f"ringing median {np.median(ring):.2f} %, max {max(ring):.2f} %"
        )


def told_fields(model: str = "bbbc006-unet") -> None:
    """The ship rule's told fields (ten sparse smooth 10 µm fields per optics setting),
    ``model`` told the distance, and the side too, both ways."""
    from napari_defocus_deblur.evaluation.told_fields import (
        summarise_gains,
        summary_line,
        told_field_gains,
    )

    for name, passes in AVERAGES.items():
        for side in (False, True):
            gains = told_field_gains(model, tell_side=side, passes=passes)
            told = "told the side too" if side else "told"
            print(f"told fields, {model}, {name}, {told}: {summary_line(summarise_gains(gains))}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=Path("runs/robustness-set-v3"))
    ap.add_argument("--methods", nargs="*", default=["default", "unet"])
    ap.add_argument("--real", action="store_true", help="also the real z_00 images")
    ap.add_argument("--told-fields", action="store_true", help="also the 60 told fields")
    ap.add_argument("--cache", type=Path, default=Path("runs/mirror-views-scores"))
    args = ap.parse_args()
    for method in args.methods:
        compare(args.set, method, args.cache)
    if args.real:
        real_z00()
    if args.told_fields:
        told_fields()


if __name__ == "__main__":
    main()
