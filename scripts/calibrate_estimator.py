"""Fit the defocus estimator's perceptrons on fields simulated from the ``wide`` prior.

Writes ``src/napari_defocus_deblur/estimate/coefficients.json`` and prints the held-out
error (wide prior and nominal optics) and, where ``../shared`` holds them, what it reads
on the real BBBC006 z_00 and in-focus images. A quarter of the defocused training fields
use the real in-focus images as content (never the in-focus fields, so the real
in-focus check is not a training image). A quarter of the training fields are drawn
within ``NEAR_UM`` of focus, where the focus gate decides whether a plane is restored at
all; 400 nominal-optics fields (seed 3) join the 800 ``wide`` ones (v5: alone, the
``wide`` fields taught the perceptrons an answer that falls from 12 to 14 µm on nominal
optics); five perceptrons from other random starts are averaged; a monotone curve fitted
on 400 other nominal-optics fields (seed 4; isotonic regression of the distance on the
mean answer) maps the answer to nominal-equivalent micrometres. Usage::

    python scripts/calibrate_estimator.py [--fields 800] [--nominal-train 400]
        [--cache runs/estimator-data-v4.npz]

The simulated fields are kept in ``--cache`` so a re-fit does not simulate again.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from napari_defocus_deblur.estimate import (
    BAND_EDGES,
    COEFFICIENTS_FILE,
    TILE,
    band_profile,
    predict_depths,
    tiles_of,
)
from napari_defocus_deblur.simulate.field import prior_draw, simulate_prior_field
from napari_defocus_deblur.simulate.prior import Prior

OUT = (
    Path(__file__).resolve().parents[1] / "src/napari_defocus_deblur/estimate" / COEFFICIENTS_FILE
)
DEPTH_RANGE = (0.0, 44.0)
#: Training fields drawn within this distance of focus (share ``--near-share``).
NEAR_UM = 12.0
#: Simulation seed of the training fields (v3 fitted 600 fields of seed 0).
TRAIN_SEED = 10
#: Simulation seeds of the nominal-optics fields, 400 each: the first joins the training
#: fields (``--nominal-train``), the second fits the calibration curve.
CALIBRATION_SEEDS = (3, 4)
#: Fields per nominal-optics seed.
NOMINAL_FIELDS = 400
REAL = Path(__file__).resolve().parents[1].parent / "shared/data/bbbc006-real"


def real_images(folder: str) -> list[np.ndarray]:
    """The real BBBC006 images of ``REAL / folder`` (empty where ../shared is absent)."""
    from napari_defocus_deblur.io.tiff import read_image

    return [read_image(p)[0] for p in sorted((REAL / folder).glob("*.*"))]


def simulate(
    n: int,
    seed: int,
    prior: str | Prior = "wide",
    real: list | None = None,
    near_share: float = 0.0,
    shape: tuple[int, int] = (256, 256),
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` fields of ``shape`` (8 % in focus, ``near_share`` within :data:`NEAR_UM`, else
    0-44 µm) and their distances; a quarter of the defocused fields take a crop of one of
    ``real`` as content."""
    from napari_defocus_deblur.simulate.content import fit_to_shape

    rng = np.random.default_rng([seed, 5])
    images, depths = [], []
    for i in range(n):
        s = 8_000_000 + seed * 100_000 + i
        draw = rng.random()
        if draw < 0.08:
            depth = 0.0
        elif draw < 0.08 + near_share:
            depth = float(rng.uniform(0.0, NEAR_UM))
        else:
            depth = float(rng.uniform(*DEPTH_RANGE))
        above = prior_draw(prior, s).above_focus
        offset = depth if above else -depth
        content = None
        if real and depth > 0 and rng.random() < 0.25:
            crop = fit_to_shape(real[int(rng.integers(len(real)))], shape, rng)
            content = np.clip(crop - np.percentile(crop, 1), 0, None)
        out, _ = simulate_prior_field([offset], prior=prior, seed=s, shape=shape, content=content)
        images.append(out[offset] if offset else out[0.0])
        depths.append(depth)
    return np.array(images, dtype=np.float32), np.array(depths)


def real_readings() -> dict:
    """``estimate_defocus`` (with the coefficients just written) on the real images."""
    from napari_defocus_deblur.estimate import _coefficients, estimate_defocus

    _coefficients.cache_clear()
    out = {}
    for folder in ("defocus-z00", "in-focus"):
        reads = [estimate_defocus(img).depth_um for img in real_images(folder)]
        if reads:
            q = np.percentile(reads, (10, 50, 90))
            print(
                f"real {folder}: {len(reads)} images, median {q[1]:.1f} um "
                f"(p10-p90 {q[0]:.1f}-{q[2]:.1f}, max {max(reads):.1f})"
            )
            out[folder] = {
                "median": round(float(q[1]), 2),
                "p10": round(float(q[0]), 2),
                "p90": round(float(q[2]), 2),
                "max": round(max(reads), 2),
            }
    return out


def features(images: np.ndarray, depths: np.ndarray):
    """Band profiles, per-tile distance and owning field of every tile (side-by-side
    tiles, as the shipped coefficients were fitted; the estimator reads overlapping ones)."""
    rows, d, owner = [], [], []
    for k, (img, depth) in enumerate(zip(images, depths)):
        for tile in tiles_of(img.astype(np.float64), TILE, stride=TILE):
            rows.append(band_profile(tile))
            d.append(depth)
            owner.append(k)
    return np.array(rows), np.array(d), np.array(owner)


def fit_one(x, y, seed: int, steps: int = 3000) -> list[dict]:
    """One 24-64-64-1 perceptron (smooth L1, Adam) from random start ``seed``; its layers
    as plain lists (weights to 6 decimals: the answer moves by < 1e-4 µm)."""
    import torch

    torch.manual_seed(seed)
    net = torch.nn.Sequential(
        torch.nn.Linear(x.shape[1], 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, 64),
        torch.nn.ReLU(),
        torch.nn.Linear(64, 1),
    )
    opt = torch.optim.Adam(net.parameters(), 3e-3, weight_decay=1e-4)
    for _ in range(steps):
        idx = torch.randint(0, len(x), (256,))
        loss = torch.nn.functional.smooth_l1_loss(net(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    linear = [m for m in net if isinstance(m, torch.nn.Linear)]
    return [
        {
            "w": np.round(m.weight.detach().numpy(), 6).tolist(),
            "b": np.round(m.bias.detach().numpy(), 6).tolist(),
        }
        for m in linear
    ]


def fit(profiles: np.ndarray, depths: np.ndarray, members: int = 5, first_seed: int = 0) -> dict:
    """``members`` perceptrons on the standardised profiles (random starts
    ``first_seed``, ``first_seed + 1``, ...)."""
    import torch

    mu, sd = profiles.mean(0), profiles.std(0) + 1e-6
    x = torch.tensor((profiles - mu) / sd, dtype=torch.float32)
    y = torch.tensor(depths, dtype=torch.float32)[:, None]
    nets = [{"layers": fit_one(x, y, first_seed + k)} for k in range(members)]
    return {"mu": mu.tolist(), "sd": sd.tolist(), "members": nets}


def field_errors(images: np.ndarray, depths: np.ndarray, coef: dict) -> np.ndarray:
    """|median tile estimate - truth| per field, µm."""
    prof, _d, owner = features(images, depths)
    est = np.clip(predict_depths(prof, coef), *DEPTH_RANGE)
    return np.array([abs(np.median(est[owner == k]) - depths[k]) for k in np.unique(owner)])


def field_medians(images: np.ndarray, depths: np.ndarray, coef: dict) -> np.ndarray:
    """Median tile estimate per field (µm), with the calibration curve of ``coef``."""
    prof, _d, owner = features(images, depths)
    est = np.clip(predict_depths(prof, coef), *DEPTH_RANGE)
    return np.array([np.median(est[owner == k]) for k in np.unique(owner)])


def calibration_curve(raw: np.ndarray, depths: np.ndarray, step: float = 2.0) -> dict:
    """Knots of the calibration curve: true depth as a monotone function of raw reading.

    The perceptrons answer in the ``wide`` prior's terms (its optics are on average
    blurrier than the nominal ones: spherical aberration, longer emission), and a
    regression shrinks towards the middle of its range. On nominal-optics fields, the
    isotonic (monotone least-squares) regression of the true distance on the raw field
    reading is the curve; its knots are where it crosses every ``step`` µm. v3 inverted
    the median raw reading per 2 µm bin instead, which goes flat wherever the raw
    readings of neighbouring bins cross (6-8 µm: fields at 8 µm read 3.3 µm).
    """
    from scipy.optimize import isotonic_regression

    order = np.argsort(raw)
    sorted_raw, fitted = raw[order], isotonic_regression(depths[order]).x
    knots_raw, knots_depth = [], []
    for depth in np.arange(DEPTH_RANGE[0], DEPTH_RANGE[1] + step / 2, step):
        i = int(np.searchsorted(fitted, depth))
        if 0 < i < len(fitted):
            knots_raw.append(float(sorted_raw[i]))
            knots_depth.append(float(depth))
    r = np.maximum.accumulate(np.array(knots_raw))
    r = r + 1e-3 * np.arange(len(r))  # strictly increasing for np.interp
    return {"raw": r.round(4).tolist(), "depth": knots_depth}


def training_data(cache: Path, fields: int, near_share: float) -> dict:
    """The simulated fields (kept in ``cache``): training, held-out wide and nominal, and
    the nominal-optics calibration fields."""
    if cache.is_file():
        z = np.load(cache)
        return {k: z[k] for k in z.files}
    real = [r.astype(np.float64) for r in real_images("in-focus")]
    data = {}
    data["xtr"], data["ytr"] = simulate(fields, TRAIN_SEED, real=real, near_share=near_share)
    data["xte"], data["yte"] = simulate(100, 1)
    data["xno"], data["yno"] = simulate(60, 2, "nominal")
    calibration = [
        simulate(NOMINAL_FIELDS, seed, "nominal", real=real) for seed in CALIBRATION_SEEDS
    ]
    data["xcn"] = np.concatenate([x for x, _ in calibration])
    data["ycn"] = np.concatenate([y for _, y in calibration])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, **data)
    return data


def split_nominal(data: dict, n_train: int) -> tuple[tuple, tuple]:
    """Training fields (the ``wide`` ones plus the first ``n_train`` nominal fields of seed
    3) and calibration fields (the nominal fields of seed 4; v4 used both seeds)."""
    if not 0 <= n_train <= NOMINAL_FIELDS:
        raise SystemExit(f"--nominal-train must be 0-{NOMINAL_FIELDS}")
    first = slice(0, n_train)
    rest = slice(NOMINAL_FIELDS if n_train else 0, None)  # never calibrate on training
    train = (
        np.concatenate([data["xtr"], data["xcn"][first]]),
        np.concatenate([data["ytr"], data["ycn"][first]]),
    )
    return train, (data["xcn"][rest], data["ycn"][rest])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fields", type=int, default=800)
    ap.add_argument("--near-share", type=float, default=0.25)
    ap.add_argument("--members", type=int, default=5)
    ap.add_argument(
        "--nominal-train",
        type=int,
        default=NOMINAL_FIELDS,
        help="nominal-optics fields (seed 3) added to the training fields (v4: 0)",
    )
    ap.add_argument("--cache", type=Path, default=Path("runs/estimator-data-v4.npz"))
    args = ap.parse_args()
    data = training_data(args.cache, args.fields, args.near_share)
    train, calibrate = split_nominal(data, args.nominal_train)
    prof, d, _ = features(*train)
    coef = fit(prof, d, args.members)
    coef["calibration"] = calibration_curve(field_medians(*calibrate, coef), calibrate[1])
    wide = field_errors(data["xte"], data["yte"], coef)
    nominal = field_errors(data["xno"], data["yno"], coef)
    print(
        f"held-out median |error|: wide prior {np.median(wide):.2f} um ({len(wide)} fields), "
        f"nominal optics {np.median(nominal):.2f} um ({len(nominal)} fields)"
    )
    info = {
        "_comment": "fitted by scripts/calibrate_estimator.py on the 'wide' prior and "
        f"{args.nominal_train} nominal fields (v5)",
        "fields": len(train[1]),
        "tile": TILE,
        "band_edges": BAND_EDGES.round(5).tolist(),
        "depth_range": list(DEPTH_RANGE),
        "spread_scale_um": 6.0,
        "heldout_median_abs_error_um": {
            "wide": round(float(np.median(wide)), 3),
            "nominal": round(float(np.median(nominal)), 3),
        },
        **coef,
    }
    write_coefficients(OUT, info, real_readings)


def write_coefficients(out: Path, info: dict, readings: Callable[[], dict]) -> None:
    """Write ``info`` to ``out``, then again with what the estimator reading with it
    (``readings()``) gives on the real BBBC006 images."""
    out.write_text(json.dumps(info) + "\n")
    info["real_bbbc006_readings_um"] = readings()
    out.write_text(json.dumps(info) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
