"""Fit the defocus estimator's regression on fields simulated from the ``wide`` prior.

Writes ``src/napari_defocus_deblur/estimate/coefficients.json`` and prints the held-out
error. Usage: ``python scripts/calibrate_estimator.py [--fields 800] [--seed 0]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from napari_defocus_deblur.estimate import (
    BAND_EDGES,
    COEFFICIENTS_FILE,
    TILE,
    band_profile,
    design_matrix,
    tiles_of,
)
from napari_defocus_deblur.simulate.field import simulate_prior_field
from napari_defocus_deblur.simulate.prior import get_prior

OUT = (
    Path(__file__).resolve().parents[1] / "src/napari_defocus_deblur/estimate" / COEFFICIENTS_FILE
)
DEPTH_RANGE = (0.0, 44.0)


def samples(n_fields: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(profiles, depth per tile, field index per tile) of ``n_fields`` prior fields."""
    rng = np.random.default_rng([seed, 5])
    profiles, depths, owner = [], [], []
    for i in range(n_fields):
        s = 7_000_000 + seed * 100_000 + i
        depth = 0.0 if rng.random() < 0.08 else float(rng.uniform(*DEPTH_RANGE))
        above = get_prior("wide").draw(np.random.default_rng([s, 7])).above_focus
        offset = depth if above else -depth
        images, _ = simulate_prior_field([offset], prior="wide", seed=s, shape=(256, 256))
        for tile in tiles_of(images[offset].astype(np.float64), TILE):
            profiles.append(band_profile(tile))
            depths.append(depth)
            owner.append(i)
    return np.array(profiles), np.array(depths), np.array(owner)


def fit(profiles: np.ndarray, depths: np.ndarray, ridge: float = 1e-2) -> np.ndarray:
    """Ridge regression weights of :func:`design_matrix` features onto depth."""
    x = design_matrix(profiles)
    penalty = ridge * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    return np.linalg.solve(x.T @ x + penalty, x.T @ depths)


def per_field_error(profiles, depths, owner, weights) -> np.ndarray:
    """Absolute error of the median tile estimate of every field (µm)."""
    est = np.clip(design_matrix(profiles) @ weights, *DEPTH_RANGE)
    return np.array(
        [abs(np.median(est[owner == k]) - depths[owner == k][0]) for k in np.unique(owner)]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fields", type=int, default=800)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    p, d, _ = samples(args.fields, args.seed)
    hp, hd, ho = samples(max(50, args.fields // 4), args.seed + 1)
    weights = fit(p, d)
    err = per_field_error(hp, hd, ho, weights)
    print(
        f"held-out fields: {len(err)}; median |error| {np.median(err):.2f} um, "
        f"p90 {np.percentile(err, 90):.2f} um"
    )
    info = {
        "_comment": "fitted by scripts/calibrate_estimator.py on the 'wide' prior",
        "fields": args.fields,
        "seed": args.seed,
        "tile": TILE,
        "band_edges": BAND_EDGES.round(5).tolist(),
        "depth_range": list(DEPTH_RANGE),
        "spread_scale_um": 6.0,
        "heldout_median_abs_error_um": round(float(np.median(err)), 3),
        "weights": weights.tolist(),
    }
    OUT.write_text(json.dumps(info, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
