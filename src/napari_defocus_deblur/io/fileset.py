"""Sets of files in one folder that change together or not at all (checkpoints).

A save writes every file of the set into a fresh staging folder
``.checkpoint-staging-<pid>-<random>`` inside the target folder and flushes it to disk.
Renaming the staging folder to ``.checkpoint-commit`` is the commit point; the files are
then moved into place one by one and the commit folder is removed. A process killed at
any moment leaves either

* the previous set untouched (plus a staging folder, removed by the next save), or
* a committed set whose moves :func:`recover` completes (roll forward),

so the files in the folder always come from one save.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from napari_defocus_deblur.io.atomic import fsync_dir, fsync_file

COMMIT_DIR = ".checkpoint-commit"
STAGING_PREFIX = ".checkpoint-staging-"


@contextlib.contextmanager
def file_set(directory: str | os.PathLike, first: Sequence[str] = ()) -> Iterator[Path]:
    """Stage files for ``directory``; they replace the old ones together on exit.

    Parameters
    ----------
    directory
        The folder the files belong in (created if missing).
    first
        Names moved into place before the others (e.g. the file whose presence tells
        that the folder holds a set).

    Yields
    ------
    pathlib.Path
        The staging folder: write the set's files there. When the block raises,
        nothing in ``directory`` changes and the staging folder is removed.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    recover(directory, first=first, discard_stale=True)
    staging = directory / f"{STAGING_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        yield staging
        for entry in staging.iterdir():
            fsync_file(entry)
        fsync_dir(staging)
        os.rename(staging, directory / COMMIT_DIR)  # the commit point
        fsync_dir(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _apply(directory, first)


def recover(
    directory: str | os.PathLike, *, first: Sequence[str] = (), discard_stale: bool = False
) -> bool:
    """Finish a committed save that was interrupted; returns True when there was one.

    With ``discard_stale``, staging folders of processes that no longer run are removed
    (saves that never reached their commit point).
    """
    directory = Path(directory)
    pending = (directory / COMMIT_DIR).is_dir()
    if pending:
        _apply(directory, first)
    if discard_stale:
        for staging in directory.glob(STAGING_PREFIX + "*"):
            if not _alive(_pid_of(staging.name)):
                shutil.rmtree(staging, ignore_errors=True)
    return pending


def _apply(directory: Path, first: Sequence[str]) -> None:
    commit = directory / COMMIT_DIR
    try:
        names = sorted(os.listdir(commit), key=lambda n: (n not in first, n))
    except FileNotFoundError:  # finished by a concurrent recover
        return
    for name in names:
        with contextlib.suppress(FileNotFoundError):
            os.replace(commit / name, directory / name)
    fsync_dir(directory)
    with contextlib.suppress(OSError):
        commit.rmdir()


def _pid_of(name: str) -> int | None:
    try:
        return int(name[len(STAGING_PREFIX) :].split("-", 1)[0])
    except ValueError:
        return None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    if pid == os.getpid():
        return False  # our own leftover: this process is not inside a save now
    if os.name == "nt":  # os.kill would terminate the process
        try:
            import psutil
        except ImportError:
            return True
        return bool(psutil.pid_exists(pid))
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
