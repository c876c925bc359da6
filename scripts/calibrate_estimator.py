"""Fit the defocus estimator's perceptron on fields simulated from the ``wide`` prior.

Writes ``src/napari_defocus_deblur/estimate/coefficients.json`` and prints the held-out
error (wide prior and nominal optics) and, where ``../shared`` holds them, what it reads
on the real BBBC006 z_00 and in-focus images. A quarter of the defocused training fields
use the real in-focus images as content (never the in-focus fields, so the real
in-focus check is not a training image). Usage::

    python scripts/calibrate_estimator.py [--fields 600] [--cache runs/estimator-data-v3.npz]

The simulated fields are kept in ``--cache`` so a re-fit does not simulate again.
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
    predict_depths,
    tiles_of,
)
from napari_defocus_deblur.simulate.field import simulate_prior_field
from napari_defocus_deblur.simulate.prior import get_prior

OUT = (
    Path(__file__).resolve().parents[1] / "src/napari_defocus_deblur/estimate" / COEFFICIENTS_FILE
)
DEPTH_RANGE = (0.0, 44.0)
REAL = Path(__file__).resolve().parents[1].parent / "shared/data/bbbc006-real"


def real_images(folder: str) -> list[np.ndarray]:
    """The real BBBC006 images of ``REAL / folder`` (empty where ../shared is absent)."""
    from napari_defocus_deblur.io.tiff import read_image

    return [read_image(p)[0] for p in sorted((REAL / folder).glob("*.*"))]


def simulate(
    n: int, seed: int, prior: str = "wide", real: list | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` 256 x 256 fields (8 % in focus, else 0-44 µm) and their distances; a quarter
    of the defocused fields take a crop of one of ``real`` as content."""
    from napari_defocus_deblur.simulate.content import fit_to_shape

    rng = np.random.default_rng([seed, 5])
    images, depths = [], []
    for i in range(n):
        s = 8_000_000 + seed * 100_000 + i
        depth = 0.0 if rng.random() < 0.08 else float(rng.uniform(*DEPTH_RANGE))
        above = get_prior(prior).draw(np.random.default_rng([s, 7])).above_focus
        offset = depth if above else -depth
        content = None
        if real and depth > 0 and rng.random() < 0.25:
            crop = fit_to_shape(real[int(rng.integers(len(real)))], (256, 256), rng)
            content = np.clip(crop - np.percentile(crop, 1), 0, None)
        out, _ = simulate_prior_field(
            [offset], prior=prior, seed=s, shape=(256, 256), content=content
        )
        images.append(out[offset] if offset else out[0.0])
        depths.append(depth)
    return np.array(images), np.array(depths)


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
    """Band profiles, per-tile distance and owning field of every tile."""
    rows, d, owner = [], [], []
    for k, (img, depth) in enumerate(zip(images, depths)):
        for tile in tiles_of(img.astype(np.float64), TILE):
            rows.append(band_profile(tile))
            d.append(depth)
            owner.append(k)
    return np.array(rows), np.array(d), np.array(owner)


def fit(profiles: np.ndarray, depths: np.ndarray, steps: int = 3000) -> dict:
    """Train the 24-64-64-1 perceptron (smooth L1, Adam); its weights as plain lists."""
    import torch

    torch.manual_seed(0)
    mu, sd = profiles.mean(0), profiles.std(0) + 1e-6
    x = torch.tensor((profiles - mu) / sd, dtype=torch.float32)
    y = torch.tensor(depths, dtype=torch.float32)[:, None]
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
    layers = [{"w": m.weight.tolist(), "b": m.bias.tolist()} for m in linear]
    return {"mu": mu.tolist(), "sd": sd.tolist(), "layers": layers}


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
    """Knots of the inverse calibration curve: true depth as a function of raw reading.

    A regression to the distance shrinks towards the middle of the prior (in-focus
    fields read a few µm, 34 µm fields read low), and the prior's optics are on average
    blurrier than the nominal ones (spherical aberration, longer emission). The median
    raw reading of *nominal-optics* fields at each true distance (bins of ``step`` µm),
    made strictly increasing, is the calibration curve ``raw = f(depth)``; the estimator
    applies its inverse, so that its answer is the depth-equivalent defocus at the
    nominal (calibrated BBBC006) optics: at every distance the median reading of such
    images is the distance itself.
    """
    centres = np.arange(DEPTH_RANGE[0], DEPTH_RANGE[1] + step / 2, step)
    knots_raw, knots_depth = [], []
    for c in centres:
        sel = np.abs(depths - c) <= step / 2
        if sel.sum() >= 3:
            knots_raw.append(float(np.median(raw[sel])))
            knots_depth.append(float(c))
    r = np.maximum.accumulate(np.array(knots_raw))
    r = r + 1e-3 * np.arange(len(r))  # strictly increasing for np.interp
    return {"raw": r.round(4).tolist(), "depth": knots_depth}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fields", type=int, default=600)
    ap.add_argument("--cache", type=Path, default=Path("runs/estimator-data-v3.npz"))
    args = ap.parse_args()
    if args.cache.is_file():
        z = np.load(args.cache)
        data = {k: z[k] for k in z.files}
    else:
        real = [r.astype(np.float64) for r in real_images("in-focus")]
        (xtr, ytr), (xte, yte) = simulate(args.fields, 0, real=real), simulate(100, 1)
        xno, yno = simulate(60, 2, "nominal")
        data = {"xtr": xtr, "ytr": ytr, "xte": xte, "yte": yte, "xno": xno, "yno": yno}
    if "xcn" not in data:  # nominal-optics fields for the calibration curve
        real = [r.astype(np.float64) for r in real_images("in-focus")]
        data["xcn"], data["ycn"] = simulate(400, 3, "nominal", real=real)
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(args.cache, **data)
    prof, d, _ = features(data["xtr"], data["ytr"])
    coef = fit(prof, d)
    coef["calibration"] = calibration_curve(
        field_medians(data["xcn"], data["ycn"], coef), data["ycn"]
    )
    wide = field_errors(data["xte"], data["yte"], coef)
    nominal = field_errors(data["xno"], data["yno"], coef)
    print(
        f"held-out median |error|: wide prior {np.median(wide):.2f} um ({len(wide)} fields), "
        f"nominal optics {np.median(nominal):.2f} um ({len(nominal)} fields)"
    )
    info = {
        "_comment": "fitted by scripts/calibrate_estimator.py on the 'wide' prior",
        "fields": len(data["ytr"]),
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
    OUT.write_text(json.dumps(info) + "\n")
    info["real_bbbc006_readings_um"] = real_readings()
    OUT.write_text(json.dumps(info) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
