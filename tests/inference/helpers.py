"""Tiny networks, checkpoints and images shared by the inference and CLI tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from napari_defocus_deblur.inference import save_model
from napari_defocus_deblur.model import build_model

TINY = {"scales": 2, "base_channels": 8, "levels": 3}


def tiny_model(seed: int = 0, **options):
    """A small head-to-tail network (K=2, 8 channels, 3 levels) in eval mode."""
    torch.manual_seed(seed)
    return build_model(**{**TINY, **options}).eval()


def field(shape=(64, 80), seed=0, dtype=np.uint16) -> np.ndarray:
    """A blob-and-noise image with 12-bit values."""
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(seed)
    spots = (rng.random(shape) > 0.99).astype(np.float64)
    img = 150 + 3e4 * gaussian_filter(spots, 3) + rng.normal(0, 10, shape)
    return np.clip(img, 0, 4095).astype(dtype)


def backend_tolerance(precision: str = "auto") -> float:
    """Largest deviation from PyTorch fp32, as a fraction of the output's range, that the
    CPU backend ``backend="auto"`` resolves to may show: 3% in bf16, 1e-4 in fp32."""
    from napari_defocus_deblur.inference.device import resolve_backend

    picked = resolve_backend("auto", precision, "cpu")
    return 3e-2 if picked.precision == "bf16" else 1e-4


def make_zoo(root: Path) -> Path:
    """Tiny 'bundled' models for 10 µm (sum), 34 µm (sum) and 28 µm (concat); use it
    with ``use_zoo(make_zoo(...), "sum")``: it has no model of the real default family."""
    for depth, fusion, seed in ((10, "sum", 1), (34, "sum", 2), (28, "concat", 3)):
        save_model(
            tiny_model(seed, fusion=fusion),
            root / f"tiny-{depth}um-{fusion}",
            depth_um=depth,
            half=True,
        )
    return root
