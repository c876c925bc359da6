"""Builders of small fake BBBC006 trees and TIFFs for io/cli tests."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import tifffile

from napari_defocus_deblur.io.bbbc006 import format_name, plane_dir_name

SHAPE = (12, 16)


def image(field: int, plane: int, channel: int, shape=SHAPE) -> np.ndarray:
    """A recognisable image: value = 1000*channel + 10*field + plane (+ a ramp)."""
    base = 1000 * channel + 10 * field + plane
    return (base + np.zeros(shape, dtype=np.uint16)).astype(np.uint16)


def make_tree(
    root: Path,
    planes=(16, 33),
    fields=(("a01", 1), ("a01", 2), ("b02", 1)),
    channels=(1, 2),
    shape=SHAPE,
    as_zip: bool = False,
) -> Path:
    """Write a BBBC006 layout (a fresh uuid per file) and return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for z in planes:
        folder = root / plane_dir_name(z)
        folder.mkdir(exist_ok=True)
        for i, (well, site) in enumerate(fields):
            for ch in channels:
                tifffile.imwrite(
                    folder / format_name(well, site, ch),
                    image(i, z, ch, shape),
                    compression="lzw",
                )
        if as_zip:
            with zipfile.ZipFile(root / f"{plane_dir_name(z)}.zip", "w") as zf:
                for f in sorted(folder.iterdir()):
                    zf.write(f, f"{folder.name}/{f.name}")
            for f in folder.iterdir():
                f.unlink()
            folder.rmdir()
    return root
