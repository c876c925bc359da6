"""How much of the invented texture on aberrated fields is the reference's own softness?

The robustness set's ground truth for a cell is the in-focus image *through the cell's
optics*. With 0.5 waves of spherical aberration (the ``aberrated`` setting) that image
is softer than an aberration-free one, so a network that restores the nuclei towards
the aberration-free sharpness reads above 1.0 in ``evaluation.texture.texture_ratio``
even where it invents nothing. This prints, for the sparse smooth cells of the chosen
settings, the texture ratio of each network's output against the set's reference and
against the aberration-free in-focus image of the same content and noise (same seed,
``spherical_waves`` 0), and the ratio of the two references.

Usage::

    python scripts/texture_reference.py [--settings aberrated nominal] [--content sparse-smooth]
"""

from __future__ import annotations

import argparse
import warnings
from dataclasses import replace

import numpy as np

from napari_defocus_deblur.evaluation.texture import texture_ratio
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.simulate.robustness import (
    CONTENT_TYPES,
    OPTICS_SETTINGS,
    cells,
    simulate_cell,
)

#: (label, deblur keyword arguments besides the image); "default" is the one-click path
METHODS = (
    ("default", {"depth_um": "auto"}),
    ("unet", {"fusion": "unet"}),
    ("sum", {"fusion": "sum"}),
    ("concat", {"fusion": "concat"}),
    ("nah", {"fusion": "nah"}),
)


def reference_pair(cell) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(out-of-focus, set reference, aberration-free reference)`` of a cell."""
    blurred, sharp = simulate_cell(cell)
    clean = replace(cell, prior=replace(cell.prior, spherical_waves=(0.0, 0.0)))
    return blurred, sharp, simulate_cell(clean)[1]


def cell_row(cell) -> list[str]:
    """Table cells: the two references' ratio, then each method against both."""
    blurred, sharp, clean = reference_pair(cell)
    row = [f"{texture_ratio(clean, sharp):.2f}"]
    for _, kwargs in METHODS:
        kwargs = {"depth_um": cell.depth_um, **kwargs}
        restored = deblur(blurred.astype(np.float32), **kwargs)
        row.append(f"{texture_ratio(restored, sharp):.2f} / {texture_ratio(restored, clean):.2f}")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--settings", nargs="+", default=["aberrated", "nominal"], choices=sorted(OPTICS_SETTINGS)
    )
    ap.add_argument("--content", default="sparse-smooth", choices=sorted(CONTENT_TYPES))
    args = ap.parse_args()
    warnings.filterwarnings("ignore")  # coverage notes of the one-click path
    names = " | ".join(label for label, _ in METHODS)
    print("Texture ratio against the set's reference / against the aberration-free one")
    print(f"| setting | µm | aberration-free ref / set ref | {names} |")
    print("|---|---:|---:|" + "---:|" * len(METHODS))
    for cell in cells():
        if cell.part != "robustness" or cell.content != args.content:
            continue
        if cell.setting in args.settings:
            row = " | ".join(cell_row(cell))
            print(f"| {cell.setting} | {cell.depth_um:g} | {row} |", flush=True)


if __name__ == "__main__":
    main()
