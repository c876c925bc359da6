"""How often does an image *without* a lattice read a lattice ratio above 10?

Prints, for white noise of a real BBBC006 field's size (520 x 696), the distribution of
:func:`~napari_defocus_deblur.evaluation.lattice.lattice_ratios` per lattice frequency
(the null: no lattice at all) and of
:func:`~napari_defocus_deblur.evaluation.lattice.set_lattice_ratio` over sets of 24 such
fields. With model names it then restores the 24 real z_00 images of
``../shared/data/bbbc006-real/defocus-z00`` (told ``--depth`` µm) in fp32 (PyTorch) in
one pass and with the plugin's default 4 pixel phases, and with 4 phases on this
machine's default path (bf16 with OpenVINO where the CPU has bf16 units), and prints
per model and path the per-image worst ratio (median, max, images above 10) and the
ratio of the set; the real in-focus and z_00 images themselves come first, as the floor.
With ``--per-image`` it prints instead, per real z_00 image, the input's ratio at each
lattice frequency with the amplitude (counts) of its row, column and checkerboard
alternation, then each model's ratios on its restoration (told ``--depth``, the default
path): is a peak the camera's pattern, which every image would share, or one image's
chance?

Usage::

    python scripts/lattice_statistics.py [bbbc006-sum bbbc006-unet ...] [--draws 400]
    python scripts/lattice_statistics.py bbbc006-sum bbbc006-unet --per-image
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from evaluate_zoo_v3 import REAL, real_images  # scripts/ is on the path

from napari_defocus_deblur.evaluation.lattice import (
    LATTICE_FREQUENCIES,
    lattice_ratio,
    lattice_ratios,
    set_lattice_ratio,
)

SHAPE = (520, 696)
SET_SIZE = 24
#: Short names of the lattice frequencies for the per-image table.
SHORT = {
    "nyquist_diagonal": "ND",
    "nyquist_vertical": "NV",
    "nyquist_horizontal": "NH",
    "half_nyquist_vertical": "hV",
    "half_nyquist_horizontal": "hH",
}


def null_figures(draws: int, sets: int, seed: int = 0) -> None:
    """Print the no-lattice distribution of single fields and of sets of 24."""
    rng = np.random.default_rng(seed)
    ratios = [lattice_ratios(rng.normal(size=SHAPE)) for _ in range(draws)]
    print(f"white noise {SHAPE[0]} x {SHAPE[1]}, {draws} fields (no lattice):")
    for name in LATTICE_FREQUENCIES:
        v = np.array([r[name] for r in ratios])
        print(
            f"  {name:24s} median {np.median(v):5.2f}  p99 {np.percentile(v, 99):6.2f}  "
            f"max {v.max():6.2f}  above 10: {100 * np.mean(v > 10):4.1f} %"
        )
    worst = np.array([max(r.values()) for r in ratios])
    print(
        f"  worst of the five         median {np.median(worst):5.2f}  p99 "
        f"{np.percentile(worst, 99):6.2f}  max {worst.max():6.2f}  above 10: "
        f"{100 * np.mean(worst > 10):4.1f} %"
    )
    set_ratios = [
        set_lattice_ratio(rng.normal(size=SHAPE) for _ in range(SET_SIZE)) for _ in range(sets)
    ]
    print(
        f"sets of {SET_SIZE} fields, {sets} sets: set ratio median {np.median(set_ratios):.2f}, "
        f"max {max(set_ratios):.2f}"
    )


def report(label: str, images: list[np.ndarray], seconds: float | None = None) -> None:
    """One line: per-image worst ratio (median, max, count above 10) and the set's."""
    per_image = [lattice_ratio(img) for img in images]
    timing = "" if seconds is None else f"  ({seconds / len(images):.2f} s per image)"
    print(
        f"  {label:34s} per image median {np.median(per_image):5.1f}  max "
        f"{max(per_image):5.1f}  above 10: {sum(r > 10 for r in per_image):2d} of "
        f"{len(per_image)}  set {set_lattice_ratio(images):5.2f}{timing}"
    )


def model_figures(models: list[str], depth: float) -> None:
    """Print the per-image and set ratios of each model's restorations of real z_00."""
    from napari_defocus_deblur.inference import deblur

    z00 = real_images("defocus-z00")
    if not z00:
        print(f"no real images under {REAL}; skipping the models")
        return
    print(f"real z_00 ({len(z00)} images), told {depth:g} µm:")
    report("in-focus images (floor)", real_images("in-focus"))
    report("z_00 inputs", z00)
    fp32 = {"precision": "fp32", "backend": "torch"}
    paths = {
        "fp32, one pass": {**fp32, "phases": 1},
        "fp32, 4 phases": fp32,
        "default path, 4 phases": {},
    }
    for model in models:
        for path, kwargs in paths.items():
            t0 = time.perf_counter()
            out = [deblur(img, model=model, depth_um=depth, **kwargs) for img in z00]
            report(f"{model}, {path}", out, time.perf_counter() - t0)


def alternation_counts(image: np.ndarray) -> dict[str, float]:
    """Amplitude (counts) of the image's row (NV), column (NH) and checkerboard (ND)
    alternation under the Hann window the lattice ratio uses: ``a`` for ``a * (-1)**y``
    added to a field. A camera's fixed pattern has one amplitude and sign on every image."""
    img = np.asarray(image, dtype=np.float64)
    window = np.outer(np.hanning(img.shape[0]), np.hanning(img.shape[1]))
    y, x = np.indices(img.shape)
    signs = {"NV": (-1.0) ** y, "NH": (-1.0) ** x, "ND": (-1.0) ** (x + y)}
    weighted = (img - img.mean()) * window
    return {k: float((weighted * v).sum() / window.sum()) for k, v in signs.items()}


def per_image_figures(models: list[str], depth: float) -> None:
    """Print per real z_00 image the input's ratios and alternations, then each model's
    ratios on its restoration (told ``depth`` µm, the default path)."""
    from napari_defocus_deblur.inference import deblur

    z00 = real_images("defocus-z00")
    if not z00:
        print(f"no real images under {REAL}")
        return
    print(f"real z_00 ({len(z00)} images), ratio per frequency; models told {depth:g} µm")
    for i, img in enumerate(z00):
        ratios = lattice_ratios(img)
        alt = alternation_counts(img)
        line = f"{i:2d} input " + " ".join(f"{SHORT[k]} {v:5.1f}" for k, v in ratios.items())
        line += "  alternation " + " ".join(f"{k} {v:+.3f}" for k, v in alt.items())
        print(line)
        for model in models:
            out = lattice_ratios(deblur(img, model=model, depth_um=depth))
            print(f"   {model:24s} " + " ".join(f"{SHORT[k]} {v:5.1f}" for k, v in out.items()))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("models", nargs="*", help="bundled model names or checkpoint folders")
    ap.add_argument("--draws", type=int, default=400, help="noise fields for the null")
    ap.add_argument("--sets", type=int, default=20, help="noise sets of 24 for the null")
    ap.add_argument("--depth", type=float, default=33.0)
    ap.add_argument("--per-image", action="store_true", help="per real z_00 image instead")
    args = ap.parse_args()
    if args.per_image:
        per_image_figures(args.models, args.depth)
        return
    null_figures(args.draws, args.sets)
    if args.models:
        model_figures(args.models, args.depth)


if __name__ == "__main__":
    main()
