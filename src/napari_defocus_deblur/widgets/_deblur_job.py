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

from napari_defocus_deblur.progress import relay


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
    record a different distance from focus for every plane). A depth of None means
    "estimate it" (:func:`napari_defocus_deblur.estimate.estimate_defocus`).
    """

    data: Any
    planes: tuple[tuple[int, ...], ...]
    out_shape: tuple[int, ...]
    models: tuple[Path, ...]
    depths_um: tuple[float | None, ...]
    fusion: str
    device: str
    preview: bool = False
    backend: str = "auto"


@dataclass(frozen=True)
class DeblurResult:
    """What the worker returns: the restored planes and the depth each one used.

    ``confidences`` holds the estimator's confidence (0..1) for estimated planes, in
    plane order (empty when no depth was estimated).
    """

    image: np.ndarray
    depths_um: tuple[float, ...]
    estimated: bool = False
    confidences: tuple[float, ...] = ()


def run_job(job: DeblurJob) -> Generator[PlaneProgress, None, DeblurResult]:
    """Deblur every plane of ``job``; yields progress, returns a :class:`DeblurResult`."""
    from napari_defocus_deblur.inference import iter_deblur, load_model

    loaded: dict[Path, Any] = {}
    height, width = job.out_shape[-2:]
    out = np.empty((len(job.planes), height, width), dtype=np.float32)
    depths: list[float] = []
    confidences: list[float] = []
    for k, index in enumerate(job.planes):
        path = job.models[k]
        if path not in loaded:
            loaded[path] = load_model(path, device=job.device)
        plane = np.asarray(job.data[index], dtype=np.float32)
        yield PlaneProgress(k, len(job.planes), 0, 1)
        depth = job.depths_um[k]
        if depth is None:
            from napari_defocus_deblur.estimate import estimate_defocus

            estimate = estimate_defocus(plane)
            depth = float(estimate.depth_um)
            confidences.append(float(estimate.confidence))
        depths.append(float(depth))
        events = iter_deblur(
            plane,
            depth_um=depth,
            fusion=job.fusion,
            model=loaded[path],
            device=job.device,
            backend=job.backend,
        )
        restored = yield from relay(
            events, lambda e, k=k: PlaneProgress(k, len(job.planes), int(e.done), int(e.total))
        )
        out[k] = np.asarray(restored, dtype=np.float32).reshape(height, width)
    return DeblurResult(
        out.reshape(job.out_shape), tuple(depths), bool(confidences), tuple(confidences)
    )


def plane_indices(shape: Sequence[int], current: tuple[int, ...] | None) -> tuple:
    """Indices of the 2-D planes to process: the current one, or all leading positions."""
    lead = tuple(shape[:-2])
    if not lead:
        return ((),)
    if current is not None:
        return (tuple(current),)
    return tuple(np.ndindex(*lead))


def estimate_plane(plane: np.ndarray) -> Any:
    """The defocus estimate of one plane (``DefocusEstimate``: depth, blur radius, confidence)."""
    from napari_defocus_deblur.estimate import estimate_defocus

    return estimate_defocus(np.asarray(plane, dtype=np.float32))


def runs_on(device: str, backend: str) -> str:
    """How a job will run, e.g. ``"PyTorch fp32 on the CPU"`` (raises ``UserInputError``
    for a device or backend this machine cannot use)."""
    import warnings

    from napari_defocus_deblur.inference.device import describe_backend

    with warnings.catch_warnings():  # "OpenVINO is missing" is said once, by inference
        warnings.simplefilter("ignore")
        return describe_backend(device, "auto", backend)
