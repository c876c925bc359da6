"""Deblur many files on Dask: one task per file, each the serial path's
:func:`~.batch.deblur_file`, so a Dask run writes bit-identical files to a serial run at
the same number of torch threads."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.batch import FileResult, PredictOptions, deblur_file
from napari_defocus_deblur.inference.files import Job


def run_dask(
    jobs: Sequence[Job],
    options: PredictOptions,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[FileResult]:
    """Deblur ``jobs`` on Dask, one task per file, yielding results as they finish.

    ``workers=N`` starts a local cluster of N single-threaded worker processes on
    127.0.0.1; ``scheduler="tcp://host:port"`` uses an existing cluster (its workers
    need this package, and the inputs, outputs and model folder on a shared file
    system). Workers run torch with one thread unless ``options.threads`` says otherwise.
    """
    from distributed import Client, LocalCluster, as_completed

    options = replace(options, threads=options.threads or 1)
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = LocalCluster(
                n_workers=int(workers or 1),
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        if cluster is not None:
            cluster.close()
        where = scheduler or "a local cluster"
        raise UserInputError(f"cannot connect to the Dask scheduler {where}: {exc}") from exc
    run = uuid.uuid4().hex[:8]
    try:
        futures = [
            client.submit(deblur_file, job, options, key=f"deblur-{run}-{i}", pure=False)
            for i, job in enumerate(jobs)
        ]
        for future in as_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
