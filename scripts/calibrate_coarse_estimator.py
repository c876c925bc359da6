"""Fit the defocus estimator for pixels coarser than BBBC006's (``estimate/coarse.json``).

The grid estimator (``scripts/calibrate_estimator.py``) learnt nuclei, blur and camera
noise at BBBC006's 0.645 µm pixels; on a camera with pixels twice as wide it read real
z_00 images (32-34 µm) as 24 µm. This script fits a second set of perceptrons for such
cameras. Fields are simulated as for the grid estimator (the ``wide`` prior, a quarter
within 12 µm of focus, a quarter of the defocused ones with real in-focus content, plus
nominal-optics fields), but 512 x 512 on BBBC006's grid, and then recorded by a camera
whose pixels are ``r`` times wider (``simulate.sampling.integrate_pixels``: each coarse
pixel integrates the light under it, noise included; ``r`` log-uniform over
:data:`RATIO_RANGE`, 0.77-2.6 µm pixels). Every side-by-side 128-pixel tile of the
coarse image gives its band profile (the grid estimator's 24 bands, in cycles per coarse
pixel) and ``log2 r``; five perceptrons map them to the distance, and a monotone curve
fitted on other nominal fields maps their answer to nominal-equivalent micrometres on
BBBC006's grid (the grid estimator's units). Prints the held-out error (wide prior; nominal
optics at r = 1.5, 2 and 3) and, where ``../shared`` holds them, what the plugin reads on
the real z_00 and in-focus images binned 2 x 2 and 3 x 3 with their pixel size stated.
Usage::

    python scripts/calibrate_coarse_estimator.py [--fields 1600]
        [--cache runs/coarse-estimator-data.npz]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from calibrate_estimator import (
    CALIBRATION_SEEDS,
    DEPTH_RANGE,
    NOMINAL_FIELDS,
    TRAIN_SEED,
    calibration_curve,
    fit,
    real_images,
    simulate,
    write_coefficients,
)

from napari_defocus_deblur.constants import PIXEL_SIZE_UM
from napari_defocus_deblur.estimate import BAND_EDGES, TILE, band_profiles, tiles_of
from napari_defocus_deblur.estimate.profile import predict_depths
from napari_defocus_deblur.simulate.sampling import MAX_COARSE_RATIO, integrate_pixels

OUT = Path(__file__).resolve().parents[1] / "src/napari_defocus_deblur/estimate/coarse.json"
#: Coarse pixel width over BBBC006's, fitted range.
RATIO_RANGE = (1.2, MAX_COARSE_RATIO)
#: Side of the simulated fields on BBBC006's grid (one 128-pixel tile at r = 4).
FIELD = 512
#: Fields simulated per call (memory: 512 x 512 float32 each).
CHUNK = 100
#: Ratios of the held-out nominal fields.
HELDOUT_RATIOS = (1.5, 2.0, 3.0)


def coarse_features(
    images: np.ndarray, depths: np.ndarray, ratios: np.ndarray, first_owner: int = 0
) -> dict[str, np.ndarray]:
    """Band profile plus ``log2 r`` of every side-by-side tile of each image recorded at
    its ratio, with its field's distance and index."""
    x, y, owner = [], [], []
    for k, (img, depth, ratio) in enumerate(zip(images, depths, ratios)):
        tiles = tiles_of(integrate_pixels(img, ratio), TILE, stride=TILE)
        profiles = band_profiles(tiles, BAND_EDGES)
        x.append(np.column_stack([profiles, np.full(len(tiles), math.log2(ratio))]))
        y += [depth] * len(tiles)
        owner += [first_owner + k] * len(tiles)
    return {"x": np.concatenate(x), "y": np.array(y), "owner": np.array(owner)}


def simulated_set(
    n: int, seed: int, prior: str, ratios: np.ndarray | float, real: list | None = None
) -> dict[str, np.ndarray]:
    """Features of ``n`` fields of ``prior`` (simulated ``CHUNK`` at a time, seeds
    ``seed * 1000 + chunk``) recorded at ``ratios`` (one per field, or one for all)."""
    ratios = np.broadcast_to(np.asarray(ratios, dtype=np.float64), (n,))
    parts = []
    for start in range(0, n, CHUNK):
        count = min(CHUNK, n - start)
        images, depths = simulate(
            count,
            seed * 1000 + start // CHUNK,
            prior,
            real=real,
            near_share=0.25 if prior == "wide" else 0.0,
            shape=(FIELD, FIELD),
        )
        parts.append(coarse_features(images, depths, ratios[start : start + count], start))
        print(f"  {prior} seed {seed}: {start + count}/{n} fields", flush=True)
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def random_ratios(n: int, seed: int) -> np.ndarray:
    """``n`` ratios, log-uniform over :data:`RATIO_RANGE`."""
    low, high = np.log(RATIO_RANGE)
    return np.exp(np.random.default_rng([seed, 7]).uniform(low, high, n))


def training_data(cache: Path, fields: int) -> dict[str, np.ndarray]:
    """Training, calibration and held-out features (kept in ``cache``)."""
    if cache.is_file():
        z = np.load(cache)
        return {k: z[k] for k in z.files}
    real = [r.astype(np.float64) for r in real_images("in-focus")]
    sets = {
        "train": simulated_set(fields, TRAIN_SEED, "wide", random_ratios(fields, 0), real),
        "nominal": simulated_set(
            NOMINAL_FIELDS, CALIBRATION_SEEDS[0], "nominal", random_ratios(NOMINAL_FIELDS, 1), real
        ),
        "calibrate": simulated_set(
            NOMINAL_FIELDS, CALIBRATION_SEEDS[1], "nominal", random_ratios(NOMINAL_FIELDS, 2), real
        ),
        "wide_test": simulated_set(150, 1, "wide", random_ratios(150, 3)),
    }
    for ratio in HELDOUT_RATIOS:
        sets[f"nominal_test_{ratio:g}"] = simulated_set(60, 2, "nominal", ratio)
    data = {f"{name}_{k}": v for name, part in sets.items() for k, v in part.items()}
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **data)
    return data


def part(data: dict, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(features, distances, owners)`` of one set."""
    return data[f"{name}_x"], data[f"{name}_y"], data[f"{name}_owner"]


def field_medians(x: np.ndarray, owner: np.ndarray, coef: dict) -> np.ndarray:
    """Median tile reading per field (µm), through ``coef``'s curve when it has one."""
    est = np.clip(predict_depths(x, coef), *DEPTH_RANGE)
    return np.array([np.median(est[owner == k]) for k in np.unique(owner)])


def field_depths(y: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """The true distance per field, in :func:`field_medians`' order."""
    return np.array([y[owner == k][0] for k in np.unique(owner)])


def heldout_errors(data: dict, coef: dict) -> dict[str, float]:
    """Median |field reading - truth| (µm) of every held-out set."""
    out = {}
    for name in ["wide_test"] + [f"nominal_test_{r:g}" for r in HELDOUT_RATIOS]:
        x, y, owner = part(data, name)
        error = np.abs(field_medians(x, owner, coef) - field_depths(y, owner))
        out[name.replace("_test", "")] = round(float(np.median(error)), 3)
        print(f"held-out {name}: median |error| {out[name.replace('_test', '')]:.2f} um")
    return out


def real_readings() -> dict:
    """What ``estimate_defocus`` reads on the real images binned 2 x 2 and 3 x 3, their
    pixel size stated (``coarse.json`` just written)."""
    from napari_defocus_deblur.estimate import estimate_defocus
    from napari_defocus_deblur.estimate.coarse import _coarse_coefficients
    from napari_defocus_deblur.simulate.microscope import Microscope

    _coarse_coefficients.cache_clear()
    out = {}
    for folder in ("defocus-z00", "in-focus"):
        images = real_images(folder)
        for factor in (2, 3):
            stated = Microscope(pixel_size_um=factor * PIXEL_SIZE_UM)
            reads = [
                estimate_defocus(integrate_pixels(img, factor), stated).depth_um for img in images
            ]
            if not reads:
                continue
            q = np.percentile(reads, (10, 50, 90))
            print(f"real {folder} binned {factor}x{factor}: median {q[1]:.1f} um "
                  f"(p10-p90 {q[0]:.1f}-{q[2]:.1f}, max {max(reads):.1f})")  # fmt: skip
            out[f"{folder} binned {factor}"] = {
                "median": round(float(q[1]), 2),
                "p10": round(float(q[0]), 2),
                "p90": round(float(q[2]), 2),
                "max": round(max(reads), 2),
            }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fields", type=int, default=1600)
    ap.add_argument("--members", type=int, default=5)
    ap.add_argument("--cache", type=Path, default=Path("runs/coarse-estimator-data.npz"))
    args = ap.parse_args()
    data = training_data(args.cache, args.fields)
    x = np.concatenate([data["train_x"], data["nominal_x"]])
    y = np.concatenate([data["train_y"], data["nominal_y"]])
    coef = fit(x, y, args.members)
    cx, cy, cowner = part(data, "calibrate")
    raw = field_medians(cx, cowner, coef)
    coef["calibration"] = calibration_curve(raw, field_depths(cy, cowner))
    info = {
        "_comment": "fitted by scripts/calibrate_coarse_estimator.py: band profile of each "
        "128-pixel tile on the coarse pixels plus log2(pixel size / 0.645 um)",
        "fields": int(len(np.unique(data["train_owner"])) + NOMINAL_FIELDS),
        "tile": TILE,
        "band_edges": BAND_EDGES.round(5).tolist(),
        "ratio_range": list(RATIO_RANGE),
        "depth_range": list(DEPTH_RANGE),
        "heldout_median_abs_error_um": heldout_errors(data, coef),
        **coef,
    }
    write_coefficients(OUT, info, real_readings)


if __name__ == "__main__":
    main()
