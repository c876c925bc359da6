"""Choosing the number of Richardson-Lucy iterations on validation fields, with a cache.

The choice maximises the mean PSNR (metrics convention) over validation fields — never
test fields — and is cached in a small JSON file keyed by data, distance, channel, PSF
parameters and the validation field ids, because it costs a few seconds per field.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.evaluation.richardson_lucy import (
    DEFAULT_CANDIDATES,
    iter_richardson_lucy,
)

CACHE_FILE = "rl_iterations.json"


def default_cache_dir() -> Path:
    """The package's one cache folder, sub-folder ``rl-tuning``
    (:func:`~napari_defocus_deblur.inference.cache.cache_dir`: ``$DEFOCUS_DEBLUR_CACHE_DIR``,
    else the platform's user cache folder)."""
    from napari_defocus_deblur.inference.cache import cache_dir

    return cache_dir("rl-tuning")


def cache_key(
    source: str, depth_um: float, channel: int, psf: np.ndarray, field_ids: Sequence[str]
) -> str:
    """Stable key of one choice."""
    digest = hashlib.sha256(np.ascontiguousarray(psf, dtype=np.float64).tobytes())
    digest.update("|".join(sorted(field_ids)).encode())
    return f"{source}|{depth_um:g}|w{channel}|{digest.hexdigest()[:16]}"


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def choose_iterations(
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    psf: np.ndarray,
    candidates: Sequence[int] = DEFAULT_CANDIDATES,
) -> tuple[int, dict[int, float]]:
    """Best iteration count on ``(blurred, sharp)`` pairs; returns it and mean PSNR per count."""
    scores: dict[int, list[float]] = {int(n): [] for n in candidates}
    for blurred, sharp in pairs:
        for n, estimate in iter_richardson_lucy(blurred, psf, scores):
            scores[n].append(psnr(estimate, sharp))
    means = {n: float(np.mean(v)) for n, v in scores.items()}
    best = max(means, key=lambda n: (means[n], -n))
    return best, means


def cached_iterations(
    key: str,
    pairs: Sequence[tuple[np.ndarray, np.ndarray]],
    psf: np.ndarray,
    cache_dir: Path | None,
) -> tuple[int, bool]:
    """Iterations for ``key`` from the cache, or chosen now and stored; ``(n, from_cache)``."""
    path = None if cache_dir is None else Path(cache_dir) / CACHE_FILE
    if path is not None:
        entry = _read(path).get(key)
        if isinstance(entry, dict) and isinstance(entry.get("iterations"), int):
            return entry["iterations"], True
    best, means = choose_iterations(pairs, psf)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            data = _read(path)
            data[key] = {"iterations": best, "val_psnr": {str(k): v for k, v in means.items()}}
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1) + "\n")
            os.replace(tmp, path)
        except OSError:
            pass  # the cache is an optimisation only
    return best, False
