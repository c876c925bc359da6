"""Would another fit of the defocus estimator read true micrometres better?

Fits the estimator as ``scripts/calibrate_estimator.py`` does, on its cached fields
(``runs/estimator-data-v4.npz``), with one change at a time, and never writes the
package's coefficients. For each random start (``--seeds``: the first perceptron's seed;
v5 is seed 0) it prints the held-out errors (``wide`` prior, nominal optics, compact
content), the median error against the stage offset on the robustness set (per optics
setting), the paper fields' and the bright-compact fields' readings at 10 µm, what the
set's in-focus images read, the real BBBC006 z_00 and in-focus readings and, with
``--one-click``, the default network's one-click PSNR gain on the robustness set
(``deblur(image, depth_um=reading)``, as ``depth_um="auto"`` does).

Changes: ``--no-curve`` leaves out the calibration curve (the perceptrons' own answer),
``--compact N`` adds N fields of compact bright content (``wide`` optics; nuclei of 3-10
px radius, 10-160 per field, 2-14 very bright bodies, fine texture 0.05-0.45; simulated
once into ``runs/estimator-compact.npz``), ``--bands N`` uses N log bands instead of 24.
``--shipped`` evaluates the shipped coefficients instead of fitting. Usage::

    python scripts/estimator_variants.py --shipped --one-click
    python scripts/estimator_variants.py --seeds 0 5 10 [--no-curve] [--members 15]
        [--compact 400] [--bands 48] [--one-click]
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibrate_estimator as ce

import napari_defocus_deblur.estimate as est
from napari_defocus_deblur.estimate.profile import band_profile, log_band_edges
from napari_defocus_deblur.io.tiff import read_image
from napari_defocus_deblur.simulate.robustness import read_manifest

#: The paper's distances, far to near (its Table 2 order).
PAPER_UM = (34.0, 28.0, 22.0, 16.0, 10.0)
#: Content ranges of the compact fields (beyond the ``wide`` prior's 4-20 px, 0-6 bodies).
COMPACT = {
    "radius_px": (3.0, 10.0),
    "count": (10.0, 160.0),
    "bright_bodies": (2.0, 14.0),
    "fine_texture": (0.05, 0.45),
}


def compact_data(cache: Path, n: int) -> dict:
    """Compact training (seed 20) and held-out (seed 21, 60) fields, kept in ``cache``
    (simulated as the estimator's own training fields: 8 % in focus, 25 % within 12 µm)."""
    if cache.is_file():
        with np.load(cache) as z:
            if len(z["xc"]) >= n:
                return {k: z[k] for k in z.files}
    from napari_defocus_deblur.simulate.prior import get_prior

    prior = replace(get_prior("wide"), name="wide-compact", **COMPACT)
    xc, yc = ce.simulate(max(n, 400), 20, prior, near_share=0.25)
    xh, yh = ce.simulate(60, 21, prior, near_share=0.25)
    np.savez(cache, xc=xc, yc=yc, xh=xh, yh=yh)
    return {"xc": xc, "yc": yc, "xh": xh, "yh": yh}


def use_bands(n: int) -> None:
    """Fit on band profiles of ``n`` bands; the variant's coefficients carry the edges
    (``fit_variant``), and the estimator reads every field with its coefficients' edges."""
    ce.band_profile = functools.partial(band_profile, edges=log_band_edges(n))


def fit_variant(data: dict, compact: dict, args: argparse.Namespace, seed: int) -> dict:
    """Coefficients of one variant from random starts ``seed``, ``seed + 1``, ..."""
    train, calibrate = ce.split_nominal(data, ce.NOMINAL_FIELDS)
    x, y = train
    if args.compact:
        x = np.concatenate([x, compact["xc"][: args.compact]])
        y = np.concatenate([y, compact["yc"][: args.compact]])
    prof, d, _ = ce.features(x, y)
    coef = ce.fit(prof, d, args.members, first_seed=seed)
    if not args.no_curve:
        readings = ce.field_medians(*calibrate, coef)
        coef["calibration"] = ce.calibration_curve(readings, calibrate[1])
    shipped = json.loads(ce.OUT.read_text())
    keep = ("tile", "depth_range", "spread_scale_um", "band_edges")
    coef = {**{k: shipped[k] for k in keep}, **coef}
    if args.bands:
        coef["band_edges"] = log_band_edges(args.bands).tolist()
    return coef


def set_images(folder: Path) -> list[tuple[dict, np.ndarray, np.ndarray]]:
    """``(manifest entry, blurred, sharp)`` of every field of the set, read once."""
    return [
        (
            entry,
            read_image(folder / f"{entry['name']}_blurred.tif")[0].astype(np.float32),
            read_image(folder / f"{entry['name']}_sharp.tif")[0],
        )
        for entry in read_manifest(folder)
    ]


def set_readings(fields: list, one_click: bool) -> list[dict]:
    """The estimate (and with ``one_click`` the default network's gain) per set field."""
    from napari_defocus_deblur.evaluation.metrics import psnr
    from napari_defocus_deblur.inference import deblur

    rows = []
    for entry, blurred, sharp in fields:
        row = {k: entry[k] for k in ("part", "setting", "content")}
        row.update(depth=float(entry["depth_um"]), read=est.estimate_defocus(blurred).depth_um)
        row["sharp_read"] = est.estimate_defocus(sharp).depth_um
        if one_click:
            restored = deblur(blurred, depth_um=row["read"])
            row["gain_db"] = psnr(restored, sharp) - psnr(blurred, sharp)
        rows.append(row)
    return rows


def _median_read(rows: list[dict], part: str, depth: float) -> float:
    return float(np.median([r["read"] for r in rows if r["part"] == part and r["depth"] == depth]))


def _mean_gain(rows: list[dict], part: str, depth: float) -> float:
    gains = [r["gain_db"] for r in rows if r["part"] == part and r["depth"] == depth]
    return float(np.mean(gains))


def report(
    coef: dict, data: dict, compact: dict, rows: list[dict], real: dict, label: str
) -> None:
    """Print one variant's figures."""
    held = [
        float(np.median(ce.field_errors(data[x], data[y], coef)))
        for x, y in (("xte", "yte"), ("xno", "yno"))
    ]
    held.append(float(np.median(ce.field_errors(compact["xh"], compact["yh"], coef))))
    rob = [r for r in rows if r["part"] == "robustness"]
    settings = list(dict.fromkeys(r["setting"] for r in rob))

    def error(rs: list[dict]) -> float:
        return float(np.median([abs(r["read"] - r["depth"]) for r in rs]))

    per_setting = "/".join(f"{error([r for r in rob if r['setting'] == s]):.2f}" for s in settings)
    paper = "/".join(f"{_median_read(rows, 'paper', d):.1f}" for d in PAPER_UM[::-1])
    print(f"{label}: held-out wide/nominal/compact {'/'.join(f'{v:.2f}' for v in held)} um")
    print(f"  robustness set |error| {error(rob):.2f} um ({'/'.join(settings)}: {per_setting})")
    print(f"  paper fields at 10/16/22/28/34 um read {paper}")
    bright = [r for r in rob if r["content"] == "bright-compact" and r["depth"] == 10.0]
    print(
        "  bright-compact at 10 um read "
        + ", ".join(f"{r['setting']} {r['read']:.1f}" for r in bright)
    )
    sharp = np.percentile([r["sharp_read"] for r in rows], (50, 90, 100))
    print(
        f"  the set's in-focus images read median {sharp[0]:.2f}, p90 {sharp[1]:.2f}, "
        f"max {sharp[2]:.2f} um"
    )
    for folder, images in real.items():
        reads = [est.estimate_defocus(img).depth_um for img in images]
        if reads:
            q = np.percentile(reads, (10, 50, 90))
            print(
                f"  real {folder}: median {q[1]:.2f} (p10-p90 {q[0]:.2f}-{q[2]:.2f}, "
                f"max {max(reads):.2f}) um"
            )
    if "gain_db" in rob[0]:
        gains = [r["gain_db"] for r in rob]
        by_depth = "/".join(f"{_mean_gain(rows, 'robustness', d):+.2f}" for d in (10, 22, 34))
        paper_gain = "/".join(f"{_mean_gain(rows, 'paper', d):+.2f}" for d in PAPER_UM)
        print(
            f"  one click: robustness mean {np.mean(gains):+.3f} dB, worst {min(gains):+.2f} "
            f"(10/22/34 um {by_depth}); paper 34/28/22/16/10 um {paper_gain}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shipped", action="store_true", help="the shipped coefficients")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--members", type=int, default=5)
    ap.add_argument("--no-curve", action="store_true")
    ap.add_argument("--compact", type=int, default=0)
    ap.add_argument("--bands", type=int, default=0)
    ap.add_argument("--one-click", action="store_true")
    ap.add_argument("--set", type=Path, default=Path("runs/robustness-set-v3"))
    ap.add_argument("--cache", type=Path, default=Path("runs/estimator-data-v4.npz"))
    args = ap.parse_args()
    if not args.cache.is_file() or not (args.set / "manifest.json").is_file():
        raise SystemExit(
            f"needs {args.cache} (python scripts/calibrate_estimator.py) and {args.set} "
            "(python scripts/evaluate_zoo_v3.py writes it)"
        )
    data = ce.training_data(args.cache, 800, 0.25)
    compact = compact_data(args.cache.parent / "estimator-compact.npz", args.compact)
    if args.bands:
        use_bands(args.bands)
    fits = (
        [("shipped", json.loads(ce.OUT.read_text()))]
        if args.shipped
        else [(f"seed {s}", fit_variant(data, compact, args, s)) for s in args.seeds]
    )
    fields = set_images(args.set)
    real = {folder: ce.real_images(folder) for folder in ("defocus-z00", "in-focus")}
    for label, coef in fits:
        est._coefficients = lambda coef=coef: coef
        report(coef, data, compact, set_readings(fields, args.one_click), real, label)


if __name__ == "__main__":
    main()
