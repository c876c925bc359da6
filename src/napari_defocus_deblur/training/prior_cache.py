"""Simulated training sets kept between runs: the same settings give the same fields, so
a resumed or repeated run reads them back instead of simulating them again (``.npz``
without pickles, written atomically, best effort: a set that cannot be kept or read is
simulated again)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from napari_defocus_deblur.training.data import TrainingData
from napari_defocus_deblur.training.fields import Field

#: Bump when the simulator changes what a seed produces (invalidates cached sets).
SIMULATOR_VERSION = "2.0"


def cache_key(*parts) -> str:
    """The name a simulated set is kept under: a hash of what it was made from."""
    import hashlib
    import json

    text = json.dumps([SIMULATOR_VERSION, *[str(p) for p in parts]])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def cache_path(key: str) -> Path:
    """Where the set of ``key`` is kept (the user cache folder)."""
    from napari_defocus_deblur.inference.cache import cache_dir

    return cache_dir("prior-data") / f"{key}.npz"


def save_cached(key: str, data: TrainingData, depth_range: tuple[float, float]) -> None:
    """Keep a simulated set for the next run with the same settings (best effort)."""
    import contextlib

    fields = [*data.train, *data.val]
    arrays = {
        "oof": np.stack([f.oof for f in fields]),
        "target": np.stack([f.target for f in fields]),
        "lo": np.array([f.lo for f in fields]),
        "hi": np.array([f.hi for f in fields]),
        "depth": np.array([f.depth_um for f in fields], dtype=np.float64),
        "ids": np.array([f.field_id for f in fields]),
        "n_train": np.array(len(data.train)),
        "depths_um": np.array(depth_range),
        "prior": np.array(data.source.removeprefix("prior:")),
    }
    with contextlib.suppress(OSError, ValueError):
        path = cache_path(key)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, path)


def load_cached(key: str) -> tuple[list[Field], int, tuple[float, float], str] | None:
    """``(fields, training field count, distance range, prior)`` of a kept set, or None."""
    try:
        path = cache_path(key)
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as z:
            fields = [
                Field(str(i), o, t, float(lo), float(hi), float(d))
                for i, o, t, lo, hi, d in zip(
                    z["ids"], z["oof"], z["target"], z["lo"], z["hi"], z["depth"]
                )
            ]
            n = int(z["n_train"])
            depths = tuple(float(d) for d in z["depths_um"])
            prior = str(z["prior"])
    except (OSError, ValueError, KeyError):
        return None
    return fields, n, depths, prior
