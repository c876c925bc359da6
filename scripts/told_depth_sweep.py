"""Which distance should a network be told? PSNR gain on the paper fields vs the told depth.

For each distance of the paper layout (nominal optics, 4 fields each, part "paper" of
the robustness set written by ``scripts/evaluate_zoo_v3.py``), restores the fields with
``deblur(image, depth_um=told, model=...)`` for told distances around the true one and
prints the mean PSNR gain over the input. A network whose depth conditioning matches
the nominal optics peaks at the true distance. The paper part has other fields at every
distance; ``--simulate N`` takes N fresh nominal fields instead (260 x 348, seeds
9,700,000 + i), each with the same content at every distance, so that distance and
content are not confounded. ``--band`` also prints, per told distance, the band-pass
energy of the restored fields over the ground truth's (whole field, the difference of
Gaussians of :mod:`napari_defocus_deblur.evaluation.texture`; 1.0 = as much fine structure
as in focus): it tells a network that under-restores (below 1 at every told distance)
from one whose knob is mislabelled.

Usage::

    python scripts/told_depth_sweep.py bbbc006-sum [bbbc006-unet ...] \\
        [--depths 10 16 22 28 34] [--offsets -6 -3 0 3 6 10] [--simulate 6] [--band]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.evaluation.texture import band_pass
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.io.tiff import read_image
from napari_defocus_deblur.simulate.robustness import read_manifest


def paper_pairs(folder: Path, depth: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(blurred, sharp)`` of the set's paper fields at ``depth`` µm."""
    pairs = []
    for entry in read_manifest(folder):
        if entry["part"] == "paper" and float(entry["depth_um"]) == depth:
            blurred = read_image(folder / f"{entry['name']}_blurred.tif")[0]
            sharp = read_image(folder / f"{entry['name']}_sharp.tif")[0]
            pairs.append((blurred.astype(np.float32), sharp))
    return pairs


def simulated_pairs(
    n: int, depth: float, prior: str = "nominal"
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(blurred, sharp)`` of ``n`` fields of ``prior`` ``depth`` µm from focus; a
    field's content, optics and camera depend on its seed only, not on the distance."""
    from napari_defocus_deblur.simulate.field import simulate_prior_field

    pairs = []
    for i in range(n):
        images, _ = simulate_prior_field(
            [-depth], prior=prior, seed=9_700_000 + i, shape=(260, 348)
        )
        pairs.append((images[-depth].astype(np.float32), images[0.0]))
    return pairs


def band_energy(image: np.ndarray) -> float:
    """Mean squared band-pass (difference of Gaussians, sigma 1 and 3 px) of a field."""
    return float(np.mean(band_pass(image) ** 2))


def sweep(model: str, pairs: list, told: list[float]) -> tuple[list[float], list[float]]:
    """Mean PSNR gain over the input of ``model`` told each of ``told``, and the mean
    band-pass energy of the restored fields over the ground truth's."""
    input_psnr = np.array([psnr(b, s) for b, s in pairs])
    truth_band = np.array([band_energy(s) for _, s in pairs])
    gains, bands = [], []
    for t in told:
        restored = [deblur(b, depth_um=t, model=model) for b, _ in pairs]
        gains.append(
            float(np.mean([psnr(r, s) for r, (_, s) in zip(restored, pairs)] - input_psnr))
        )
        bands.append(float(np.mean([band_energy(r) for r in restored] / truth_band)))
    return gains, bands


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="+")
    ap.add_argument("--set", type=Path, default=Path("runs/robustness-set-v3"))
    ap.add_argument("--depths", type=float, nargs="+", default=[10.0, 16.0, 22.0, 28.0, 34.0])
    ap.add_argument("--offsets", type=float, nargs="+", default=[-6.0, -3.0, 0.0, 3.0, 6.0, 10.0])
    ap.add_argument("--simulate", type=int, default=0, help="N fresh fields, same content")
    ap.add_argument("--prior", default="nominal", help="preset of the --simulate fields")
    ap.add_argument("--band", action="store_true", help="also the band-pass energy ratio")
    args = ap.parse_args()
    for depth in args.depths:
        pairs = (
            simulated_pairs(args.simulate, depth, args.prior)
            if args.simulate
            else paper_pairs(args.set, depth)
        )
        told = [depth + o for o in args.offsets if depth + o >= 0]
        for model in args.models:
            gains, bands = sweep(model, pairs, told)
            best = told[int(np.argmax(gains))]
            cells = " | ".join(
                f"told {t:4.1f}: {g:+.2f}" + (f" x{r:.2f}" if args.band else "")
                for t, g, r in zip(told, gains, bands)
            )
            print(f"{model} at {depth:g} µm ({len(pairs)} fields): {cells}  best {best:g}")


if __name__ == "__main__":
    main()
