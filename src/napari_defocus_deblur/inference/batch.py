"""Deblur many files: serially with read-ahead/write-behind threads (or on Dask,
:mod:`.dask_run`).

Both paths run the same per-file code (:func:`deblur_file` around :func:`deblur`) with
the same tile plan, so a Dask run writes bit-identical files to a serial run at the
same number of torch threads. Unreadable or unusable files are reported in a
:class:`FileResult` and skipped; they never stop the run.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from napari_defocus_deblur.constants import DEFAULT_DEPTH_UM
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.device import Backend, resolve_backend
from napari_defocus_deblur.inference.files import Job, read_input, write_output
from napari_defocus_deblur.inference.plan import RunPlan, plan_run
from napari_defocus_deblur.zoo.names import FUSED_METHODS, method_of

if TYPE_CHECKING:
    from napari_defocus_deblur.simulate.microscope import Microscope


@dataclass(frozen=True)
class PredictOptions:
    """Settings of a batch run; plain values, so they travel to Dask workers.

    ``model_dir`` None: every file gets the catalogue's choice for its distance (the
    run plan's rule, :func:`~.plan.plan_run`). ``depth_um`` is checked already
    (:func:`~.checks.check_depth`): micrometres or ``"auto"``.
    """

    model_dir: str | None
    model_name: str | None = None
    depth_um: float | str = DEFAULT_DEPTH_UM
    fusion: str | None = None
    device: str = "auto"
    tile: int | None = None
    overlap: int | None = None
    phases: int | str = "auto"
    views: int | str = "auto"
    precision: str = "auto"
    output_dtype: str = "float32"
    backend: str = "auto"
    threads: int | None = None
    side: str = "below"
    microscope: Microscope | None = None  # the optics stated (None: BBBC006's)
    runtime: Backend | None = None  # backend/precision/device resolved once (serial runs)


@dataclass(frozen=True)
class FileResult:
    """What happened to one input: ``target`` written, or ``error`` (then skipped); the
    run plan's ``notes`` (a regrid, an uncertain estimate, ...) for a written one."""

    source: str
    target: str | None
    error: str | None = None
    notes: tuple[str, ...] = ()


#: Per-file failures that skip the file instead of stopping the run.
SKIPPED_ERRORS = (UserInputError, OSError, MemoryError, torch.cuda.OutOfMemoryError)


def _metadata(
    job: Job, meta: dict[str, Any], plan: RunPlan, options: PredictOptions
) -> dict[str, Any]:
    from napari_defocus_deblur import __version__
    from napari_defocus_deblur.io.record import SOFTWARE

    trained = plan.info.get("depth_um")
    stated = _microscope(options, meta)
    recorded = plan.depth == "auto" and job.depth_um is not None  # e.g. a focus map's depth
    method = method_of(plan.info) if plan.info else options.fusion  # U-Net, Nah: no fusion
    return {
        "axes": meta.get("axes"),
        "pixel_size_um": meta.get("pixel_size_um"),
        "source": str(job.source),
        "model": plan.model_name,
        "depth_um": job.depth_um if recorded else plan.depth,
        "side": options.side,
        "microscope": stated and stated.describe(),
        "told_um": [round(p.depth_um, 2) for p in plan.planes],
        "model_depth_um": None if trained is None else float(trained),
        "network": method,
        "fusion": plan.info.get("fusion", options.fusion) if method in FUSED_METHODS else None,
        "views": plan.views,
        "phases": plan.phases,
        "software": f"{SOFTWARE} {__version__}",
    }


def _runtime(options: PredictOptions) -> Backend:
    """The run's backend, device and precision (resolved once per run or Dask task)."""
    return resolve_backend(options.backend, options.precision, options.device)


def _microscope(options: PredictOptions, meta: dict[str, Any]) -> Microscope | None:
    """The optics stated, else those the file's recorded pixel size implies
    (:func:`~napari_defocus_deblur.simulate.recorded.image_microscope`)."""
    from napari_defocus_deblur.simulate.recorded import image_microscope

    return image_microscope(options.microscope, meta.get("pixel_size_um"))


def _deblur(
    image: np.ndarray, options: PredictOptions, job: Job | None, meta: dict[str, Any]
) -> tuple[np.ndarray, RunPlan]:
    """The file's run plan (its BBBC006 distance as recorded metadata) and its result."""
    from napari_defocus_deblur.inference.api import deblur

    plan = plan_run(
        image,
        options.depth_um,
        options.model_dir,
        backend=options.runtime or _runtime(options),
        fusion=options.fusion,
        tile=options.tile,
        overlap=options.overlap,
        phases=options.phases,
        views=options.views,
        metadata_depth_um=None if job is None else job.depth_um,
        side=options.side,
        microscope=_microscope(options, meta),
        recorded_pixel_size_um=meta.get("pixel_size_um"),
        checked=True,
    )
    dtype = None if options.output_dtype == "float32" else options.output_dtype
    return deblur(image, output_dtype=dtype, plan=plan), plan


def deblur_file(job: Job, options: PredictOptions) -> FileResult:
    """Read, deblur and write one file (the task of serial and Dask runs)."""
    if options.threads:
        torch.set_num_threads(options.threads)
    try:
        image, meta = read_input(job.source)
        out, plan = _deblur(image, options, job, meta)
        write_output(job.target, out, _metadata(job, meta, plan, options))
    except SKIPPED_ERRORS as exc:
        return FileResult(job.source, None, _one_line(exc))
    return FileResult(job.source, str(job.target), notes=plan.notes)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, MemoryError | torch.cuda.OutOfMemoryError):
        return f"out of memory ({text[:120]}); try a smaller --tile"
    return text


def _read(job: Job) -> tuple[np.ndarray, dict[str, Any]] | str:
    try:
        return read_input(job.source)
    except SKIPPED_ERRORS as exc:
        return _one_line(exc)


def run_serial(
    jobs: Sequence[Job], options: PredictOptions, *, read_ahead: int = 2, group: int = 1
) -> Iterator[FileResult]:
    """Deblur ``jobs`` in this process, yielding one result per file in order.

    A reader thread decodes the next ``read_ahead`` files and a writer thread encodes
    finished ones while the network runs. ``group`` > 1 stacks consecutive 2-D images
    of equal shape into one call (GPU batching; on the CPU the result is bit-identical to
    one by one, on a GPU equal up to floating-point rounding).
    """
    if options.threads:
        torch.set_num_threads(options.threads)
    options = replace(options, runtime=options.runtime or _runtime(options))
    with (
        ThreadPoolExecutor(1, thread_name_prefix="deblur-read") as reader,
        ThreadPoolExecutor(1, thread_name_prefix="deblur-write") as writer,
    ):
        reads: deque[tuple[Job, Future]] = deque()
        writes: deque[tuple[Job, Future, tuple[str, ...]]] = deque()
        queue = iter(jobs)

        def refill() -> None:
            while len(reads) < max(read_ahead, group):
                job = next(queue, None)
                if job is None:
                    return
                reads.append((job, reader.submit(_read, job)))

        refill()
        while reads:
            batch: list[tuple[Job, tuple[np.ndarray, dict[str, Any]]]] = []
            while reads and len(batch) < group:
                job, fut = reads[0]
                data = fut.result()
                if isinstance(data, str):
                    reads.popleft()
                    yield FileResult(job.source, None, data)
                    break
                if batch and not _stackable(batch[0][1], data):
                    break
                reads.popleft()
                batch.append((job, data))
                refill()
            refill()
            if not batch:
                continue
            for (job, (_img, meta)), done in zip(batch, _run_group(batch, options)):
                if isinstance(done, str):
                    yield FileResult(job.source, None, done)
                    continue
                out, plan = done
                tags = _metadata(job, meta, plan, options)
                future = writer.submit(write_output, job.target, out, tags)
                writes.append((job, future, plan.notes))
            while len(writes) > 2 or (writes and not reads):
                yield _written(*writes.popleft())


def _stackable(a: tuple[np.ndarray, dict], b: tuple[np.ndarray, dict]) -> bool:
    """Two read files run as one stack: 2-D, one shape, dtype and recorded pixel size."""
    (x, x_meta), (y, y_meta) = a, b
    same_pixels = x_meta.get("pixel_size_um") == y_meta.get("pixel_size_um")
    return x.ndim == 2 and x.shape == y.shape and x.dtype == y.dtype and same_pixels


def _run_group(batch: list, options: PredictOptions) -> list[tuple[np.ndarray, RunPlan] | str]:
    """``(result, plan)`` or the reason it failed, per file; 2-D images of one shape and
    one recorded distance run as one stack (one plan), others one by one."""
    images = [data[0] for _job, data in batch]
    chosen_each = options.model_dir is None and options.depth_um == "auto"  # per image
    if len(images) > 1 and (chosen_each or len({job.depth_um for job, _data in batch}) > 1):
        return [item for pair in batch for item in _run_group([pair], options)]
    try:
        job, meta = batch[0][0], batch[0][1][1]
        if len(images) == 1:
            return [_deblur(images[0], options, job, meta)]
        out, plan = _deblur(np.stack(images), options, job, meta)
        return [(o, plan) for o in out]
    except SKIPPED_ERRORS as exc:
        if len(images) == 1:
            return [_one_line(exc)]
    return [item for pair in batch for item in _run_group([pair], options)]


def _written(job: Job, fut: Future, notes: tuple[str, ...]) -> FileResult:
    try:
        fut.result()
    except SKIPPED_ERRORS as exc:
        return FileResult(job.source, None, f"cannot write {job.target}: {_one_line(exc)}")
    return FileResult(job.source, str(job.target), notes=notes)
