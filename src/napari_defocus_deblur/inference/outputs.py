"""Output folders of batch runs: one run at a time, earlier results recognised, clean-up.

A run creates and locks its output folder before any work (so an unwritable folder is
reported at once, and a second run into the same folder is refused instead of mixing
its files with the first's), and afterwards removes temporaries left by failed or
killed writes and the folders it created that stayed empty.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.atomic import TEMP_SUFFIX, make_dirs, remove_empty_dirs
from napari_defocus_deblur.io.tiff import read_record

LOCK_NAME = ".defocus-deblur-predict.lock"
_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.\d+-[0-9a-f]{8}" + re.escape(TEMP_SUFFIX) + "$")


@dataclass(frozen=True)
class Job:
    """One input image and the output file it becomes."""

    source: str
    target: Path
    depth_um: float | None = None


def written_by_us(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a regular TIFF written by a batch run of this package."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return False
    except OSError:  # unreadable here: the run reports it when it reads the file
        return False
    record = read_record(path)
    return record is not None and "model" in record


def skip_existing(jobs: Sequence[Job], overwrite: bool = False) -> tuple[list[Job], list[str]]:
    """The jobs whose result no batch run wrote yet, and a note on those left out.

    For ``predict --skip-existing``, which continues an interrupted run: results are
    renamed into place only when complete, so an existing result of ours is whole.

    Raises
    ------
    UserInputError
        ``overwrite`` is also asked for, or a target exists that this package did not
        write (it is never replaced).
    """
    from napari_defocus_deblur.io.atomic import refuse_existing

    if overwrite:
        raise UserInputError("--skip-existing keeps earlier results; drop --overwrite")
    todo = [job for job in jobs if not written_by_us(job.target)]
    refuse_existing([j.target for j in todo], overwrite=False, what="file not written by predict")
    done = len(jobs) - len(todo)
    notes = [f"left out {done} file(s) whose result exists already (--skip-existing)"]
    return todo, notes if done else []


@contextlib.contextmanager
def output_run(outdir: str | os.PathLike, jobs: Sequence[Job]) -> Iterator[Path]:
    """Create and lock ``outdir`` for a run; clean up after it, however it ends.

    Raises
    ------
    UserInputError
        ``outdir`` cannot be created or written, or another run holds it.
    """
    outdir = Path(outdir).expanduser()
    if outdir.exists() and not outdir.is_dir():
        raise UserInputError(f"output {outdir} exists and is not a folder")
    parents = {job.target.parent for job in jobs}
    fresh = {p for parent in parents for p in _missing(parent, outdir)}
    try:
        created = make_dirs(outdir)
    except OSError as exc:
        raise UserInputError(f"cannot create output folder {outdir}: {_reason(exc)}") from exc
    with contextlib.ExitStack() as stack:  # clean-up runs in reverse order:
        stack.callback(remove_empty_dirs, created)  # 3. OUTDIR itself, once unlocked
        stack.enter_context(output_lock(outdir))
        stack.callback(remove_empty_dirs, fresh)  # 2. sub-folders, under the lock
        stack.callback(remove_temporaries, jobs)  # 1. temporaries of failed writes
        yield outdir


def _missing(folder: Path, outdir: Path) -> list[Path]:
    out = []
    while not folder.exists() and folder != outdir and folder.parent != folder:
        out.append(folder)
        folder = folder.parent
    return out


def remove_temporaries(jobs: Sequence[Job]) -> int:
    """Remove the temporaries of every job's target (any process); returns how many."""
    names: dict[Path, set[str]] = {}
    for job in jobs:
        names.setdefault(job.target.parent, set()).add(job.target.name)
    removed = 0
    for folder, wanted in names.items():
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            match = _TEMP_RE.match(entry)
            if match and match["name"] in wanted:
                with contextlib.suppress(OSError):
                    os.unlink(folder / entry)
                    removed += 1
    return removed


@contextlib.contextmanager
def output_lock(outdir: Path) -> Iterator[None]:
    """Hold ``outdir/.defocus-deblur-predict.lock`` for the duration of a run.

    The lock is released by the operating system when the process dies, so a killed
    run never blocks the next one.

    Raises
    ------
    UserInputError
        Another process holds the lock, or the folder is not writable.
    """
    path = outdir / LOCK_NAME
    fd = _acquire(path, outdir)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.close(fd)


def _acquire(path: Path, outdir: Path) -> int:
    for _ in range(20):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise UserInputError(
                f"cannot write to output folder {outdir}: {_reason(exc)}"
            ) from exc
        if not _try_lock(fd):
            holder = os.read(fd, 32).decode("ascii", "replace").strip()
            os.close(fd)
            who = f" (process {holder})" if holder.isdigit() else ""
            raise UserInputError(
                f"another predict run{who} is writing into {outdir}; wait for it to finish "
                "or choose another output folder"
            )
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:
            same = False
        if same:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)  # the lock file was removed by its last holder meanwhile: again
    raise UserInputError(f"cannot lock output folder {outdir}; try again")


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # no locks on this file system: run unlocked
        return True
    return True


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)
