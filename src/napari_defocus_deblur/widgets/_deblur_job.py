"""The deblurring job run by the Deblur widget's worker thread (Qt-free).

A generator over the planes of an image: it yields :class:`PlaneProgress` for every tile
event of :func:`napari_defocus_deblur.inference.iter_deblur` and returns the restored
planes. The widget runs it with ``napari.qt.threading`` so the GUI never waits.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class PlaneProgress:
    """Progress of a deblurring job: tile ``done`` of ``total`` in plane ``plane``."""

    plane: int
    planes: int
    done: int
    total: int

    @property
    def fraction(self) -> float:
        """Completed fraction of the whole job, 0..1."""
        per_plane = self.done / self.total if self.total else 1.0
        return (self.plane + per_plane) / self.planes


@dataclass(frozen=True)
class DeblurJob:
    """Everything the worker needs; built and validated on the GUI thread.

    ``models`` and ``depths_um`` hold one entry per plane (z-stacks read from BBBC006
    can use a different model for every plane's distance from focus).
    """

    data: Any
    planes: tuple[tuple[int, ...], ...]
    out_shape: tuple[int, ...]
    models: tuple[Path, ...]
    depths_um: tuple[float, ...]
    fusion: str
    device: str

    @property
    def label(self) -> str:
        """``"34 µm sum"`` or, with several distances, ``"10-34 µm (per plane) sum"``."""
        low, high = min(self.depths_um), max(self.depths_um)
        depth = f"{high:g} µm" if low == high else f"{low:g}-{high:g} µm (per plane)"
        return f"{depth} {self.fusion}"


def run_job(job: DeblurJob) -> Generator[PlaneProgress, None, np.ndarray]:
    """Deblur every plane of ``job``; yields progress, returns float32 ``job.out_shape``."""
    from napari_defocus_deblur.inference import iter_deblur, load_model

    loaded: dict[Path, Any] = {}
    height, width = job.out_shape[-2:]
    out = np.empty((len(job.planes), height, width), dtype=np.float32)
    for k, index in enumerate(job.planes):
        path = job.models[k]
        if path not in loaded:
            loaded[path] = load_model(path, device=job.device)
        plane = np.asarray(job.data[index], dtype=np.float32)
        events = iter_deblur(
            plane,
            depth_um=job.depths_um[k],
            fusion=job.fusion,
            model=loaded[path],
            device=job.device,
        )
        yield PlaneProgress(k, len(job.planes), 0, 1)
        while True:
            try:
                event = next(events)
            except StopIteration as stop:
                out[k] = np.asarray(stop.value, dtype=np.float32).reshape(height, width)
                break
            yield PlaneProgress(k, len(job.planes), int(event.done), int(event.total))
    return out.reshape(job.out_shape)


def plane_indices(shape: Sequence[int], current: tuple[int, ...] | None) -> tuple:
    """Indices of the 2-D planes to process: the current one, or all leading positions."""
    lead = tuple(shape[:-2])
    if not lead:
        return ((),)
    if current is not None:
        return (tuple(current),)
    return tuple(np.ndindex(*lead))
