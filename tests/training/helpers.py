"""Tiny data for the training/evaluation tests (in memory, or a simulated BBBC006 set)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter

#: Tiny network options: build_model(2, base_channels=8, levels=3).
TINY = {"scales": 2, "base_channels": 8, "levels": 3}


def blob_pairs(
    n: int, shape: tuple[int, int] = (64, 64), seed: int = 0, sigma: float = 2.5
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``n`` (blurred, sharp) pairs of random bright blobs on a camera offset."""
    rng = np.random.default_rng(seed)
    blurred, sharp = [], []
    for _ in range(n):
        img = np.zeros(shape)
        for _ in range(shape[0] * shape[1] // 200):
            y, x = rng.integers(3, shape[0] - 3), rng.integers(3, shape[1] - 3)
            img[y - 2 : y + 3, x - 2 : x + 3] += rng.uniform(300, 1500)
        img = gaussian_filter(img, 0.8) + 100.0
        sharp.append(img.astype(np.float32))
        noisy = gaussian_filter(img, sigma) + rng.normal(0, 2.0, shape)
        blurred.append(noisy.astype(np.float32))
    return blurred, sharp


def simulated_set(root: Path, n_fields: int = 8, planes=(11, 16), shape=(64, 80)) -> Path:
    """A tiny simulated BBBC006 layout (channel 1 only) written by the data team's simulator.

    In focus at z_16 (recorded in its ``simulation.json``); the default z_11 is 10 um below.
    """
    from napari_defocus_deblur.simulate.dataset import write_dataset

    return write_dataset(root, n_fields, planes=planes, channels=(1,), shape=shape, seed=1)


def write_z_stacks(
    root: Path, pixel_size_um: float | None, n: int = 4, shape: tuple[int, int] = (64, 72)
) -> Path:
    """``n`` five-plane z-stack TIFFs (in focus: plane 1; planes 2-4 ever more blurred),
    recording ``pixel_size_um`` (None: a plain TIFF recording nothing)."""
    from napari_defocus_deblur.io.tiff import write_tiff

    _, sharp = blob_pairs(n, shape, seed=2)
    meta = {"axes": "ZYX", "pixel_size_um": pixel_size_um} if pixel_size_um else None
    for i, img in enumerate(sharp):
        stack = np.stack([gaussian_filter(img, s) for s in (1.5, 0.0, 1.5, 3.0, 4.5)])
        write_tiff(root / f"field{i}.tif", stack.astype(np.uint16), metadata=meta)
    return root
