"""The deblurring job run by the Deblur widget's worker thread (Qt-free).

A generator over the planes of an image: it yields :class:`PlaneProgress` for every tile
event of :func:`napari_defocus_deblur.inference.iter_deblur` and returns the restored
planes. The widget runs it with ``napari.qt.threading`` so the GUI never waits.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
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
        per_plane = self.done / self.total if self.total else 0.0
        return (self.plane + per_plane) / self.planes


@dataclass(frozen=True)
class DeblurJob:
    """Everything the worker needs; built and validated on the GUI thread.

    What runs on each plane is decided by the run plan
    (:func:`napari_defocus_deblur.inference.plan.plan_run`) in the worker: ``depth`` is a
    distance (µm, 0.0 included) or ``"auto"``; with "auto", ``recorded`` gives each
    plane's distance from the layer's metadata (None: estimate it); ``sides`` the side of
    focus of each plane (None: below). ``model`` is the chosen
    catalogue entry, or None for the catalogue's choice among ``models`` per plane.
    """

    data: Any
    planes: tuple[tuple[int, ...], ...]
    out_shape: tuple[int, ...]
    depth: float | str
    recorded: tuple[float | None, ...] | None
    model: Any
    models: tuple[Any, ...]
    fusion: str
    channel: int | None
    device: str
    preview: bool = False
    backend: str = "auto"
    sides: tuple[str, ...] | None = None
    microscope: Any = None  # the optics stated (None: BBBC006's)
    recorded_pixel_size_um: Any = None  # the layer's file's (``metadata["pixel_size_um"]``)
    views: int | str = "auto"  # mirror views and pixel phases averaged (plan_run's)
    phases: int | str = "auto"


@dataclass(frozen=True)
class DeblurResult:
    """What the worker returns: the restored planes, the depth each one used and the
    models that ran (checkpoint folders).

    ``depths_um`` are the distances the network was told; ``stage_um`` the stage offset
    each plane was given and ``sides`` its side of focus (a plane above focus is told a
    shorter distance than its offset, :mod:`napari_defocus_deblur.inference.side`).
    ``confidences`` holds the estimator's confidence (0..1) for estimated planes, in
    plane order (empty when no depth was estimated). ``grid`` says how an image of another
    pixel size was brought onto BBBC006's grid and back (:class:`~napari_defocus_deblur.
    simulate.sampling.Regrid`), else ``""``. ``passes`` holds each plane's (mirror views,
    pixel phases) averaged (:mod:`napari_defocus_deblur.inference.phases`).
    """

    image: np.ndarray
    depths_um: tuple[float, ...]
    stage_um: tuple[float, ...]
    sides: tuple[str, ...]
    estimated: bool = False
    confidences: tuple[float, ...] = ()
    models: tuple[str, ...] = ()
    grid: str = ""
    passes: tuple[tuple[int, int], ...] = ()


def plan_plane(job: DeblurJob, k: int, plane: np.ndarray) -> tuple[Any, Any]:
    """``(RunPlan, PlaneDepth)`` of plane ``k``: the run plan decides depth and model."""
    from napari_defocus_deblur.inference.plan import ESTIMATED, PlaneDepth, plan_run

    recorded = None if job.recorded is None else job.recorded[k]
    side = "below" if job.sides is None else job.sides[k]
    plan = plan_run(
        plane, job.depth, job.model, job.device, job.backend, fusion=job.fusion,
        channel=job.channel, metadata_depth_um=recorded, models=list(job.models) or None,
        side=side, microscope=job.microscope,
        recorded_pixel_size_um=job.recorded_pixel_size_um, views=job.views, phases=job.phases,
    )  # fmt: skip
    if plan.planes:
        return plan, plan.planes[0]
    # "auto" for a chosen network that is not told distances: the estimate names the result
    guess = estimate_plane(plane)
    return plan, PlaneDepth(float(guess.depth_um), ESTIMATED, float(guess.confidence))


def run_job(job: DeblurJob) -> Generator[PlaneProgress, None, DeblurResult]:
    """Deblur every plane of ``job``; yields progress, returns a :class:`DeblurResult`."""
    from napari_defocus_deblur.inference import iter_deblur

    height, width = job.out_shape[-2:]
    out = np.empty((len(job.planes), height, width), dtype=np.float32)
    depths: list[float] = []
    stage: list[float] = []
    sides: list[str] = []
    confidences: list[float] = []
    used: set[str] = set()
    grid = ""
    passes: list[tuple[int, int]] = []
    for k, index in enumerate(job.planes):
        yield PlaneProgress(k, len(job.planes), 0, 0)  # planning: the bar says so
        plane = np.asarray(job.data[index], dtype=np.float32)
        plan, depth = plan_plane(job, k, plane)
        depths.append(float(depth.depth_um))
        stage.append(float(depth.given_um))
        sides.append(depth.side)
        if depth.confidence is not None:
            confidences.append(float(depth.confidence))
        if plan.model is not None:
            used.add(str(plan.model.path))
        grid = plan.regrid.note() if plan.regrid is not None else grid
        passes.append((plan.views, plan.phases))
        events = iter_deblur(plane, plan=plan)
        restored = yield from relay(
            events, lambda e, k=k: PlaneProgress(k, len(job.planes), int(e.done), int(e.total))
        )
        out[k] = np.asarray(restored, dtype=np.float32).reshape(height, width)
    return DeblurResult(
        out.reshape(job.out_shape),
        depths_um=tuple(depths),
        stage_um=tuple(stage),
        sides=tuple(sides),
        estimated=bool(confidences),
        confidences=tuple(confidences),
        models=tuple(sorted(used)),
        grid=grid,
        passes=tuple(passes),
    )


def plane_indices(shape: Sequence[int], current: tuple[int, ...] | None) -> tuple:
    """Indices of the 2-D planes to process: the current one, or all leading positions."""
    lead = tuple(shape[:-2])
    if not lead:
        return ((),)
    if current is not None:
        return (tuple(current),)
    return tuple(np.ndindex(*lead))


def estimate_plane(plane: np.ndarray, microscope: Any = None) -> Any:
    """The defocus estimate of one plane (``DefocusEstimate``: depth, blur radius,
    confidence; with a stated ``microscope`` also the stage offset under it)."""
    from napari_defocus_deblur.estimate import estimate_defocus

    return estimate_defocus(np.asarray(plane, dtype=np.float32), microscope)


def runs_on(device: str, backend: str) -> str:
    """How a job will run, e.g. ``"OpenVINO bf16 on the CPU"`` (raises ``UserInputError``
    for a device or backend this machine cannot use)."""
    import warnings

    from napari_defocus_deblur.inference.device import describe_backend

    with warnings.catch_warnings():  # "OpenVINO is missing" is said once, by inference
        warnings.simplefilter("ignore")
        text = describe_backend(device, "auto", backend)
    return text.split(" (")[0]  # the why ("AVX512-BF16 bf16 units") is for `predict -v`
