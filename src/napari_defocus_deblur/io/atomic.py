"""Safe writing: unique temporaries, atomic renames, output checks before work, clean-up.

Every result file is written under a temporary name unique to the process and the call
(``.NAME.<pid>-<random>.partial`` beside the target) and renamed onto the target only
once complete, so a reader never sees half a file and two runs never share a
temporary. Temporaries are removed when a write fails.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from napari_defocus_deblur.errors import UserInputError

#: Suffix of every temporary file written here.
TEMP_SUFFIX = ".partial"


def temp_path(path: str | os.PathLike) -> Path:
    """A hidden temporary name beside ``path``, unique to this process and call."""
    path = Path(path)
    return path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{TEMP_SUFFIX}")


def temp_glob(path: str | os.PathLike) -> str:
    """Glob pattern matching every :func:`temp_path` of ``path`` (any process)."""
    return f".{Path(path).name}.*-*{TEMP_SUFFIX}"


def fsync_file(path: str | os.PathLike) -> None:
    """Flush a file's data to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: str | os.PathLike) -> None:
    """Flush a folder's entries to disk (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def unlink_quietly(path: str | os.PathLike) -> None:
    """Remove a file if it is there; never raises."""
    with contextlib.suppress(OSError):
        os.unlink(path)


def atomic_write(
    path: str | os.PathLike,
    write: Callable[[Path], object],
    *,
    overwrite: bool = True,
    durable: bool = False,
) -> Path:
    """Call ``write(tmp)`` on a unique temporary, then rename it onto ``path``.

    Parameters
    ----------
    path
        The final file.
    write
        Writes the complete file at the path it is given.
    overwrite
        Replace an existing ``path``; when False an existing file is never replaced,
        even one that appeared while writing (UserInputError).
    durable
        fsync the file and its folder (checkpoints), not only rename it.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    tmp = temp_path(path)
    try:
        try:
            write(tmp)
            if durable:
                fsync_file(tmp)
        except OSError as exc:  # name the file the user asked for, not the temporary
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        if overwrite:
            os.replace(tmp, path)
        else:
            _rename_no_clobber(tmp, path)
        if durable:
            fsync_dir(path.parent)
    finally:
        unlink_quietly(tmp)
    return path


def atomic_write_text(path: str | os.PathLike, text: str, **kwargs: bool) -> Path:
    """:func:`atomic_write` of a UTF-8 text file."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), **kwargs)


def _rename_no_clobber(tmp: Path, path: Path) -> None:
    try:
        os.link(tmp, path)  # fails when path exists: no window for a second writer
    except FileExistsError:
        raise UserInputError(
            existing_message([path]) + " (it appeared while writing: another run?)"
        ) from None
    except OSError:  # no hard links on this file system
        if os.path.lexists(path):
            raise UserInputError(existing_message([path])) from None
        os.replace(tmp, path)


def existing_message(
    paths: Sequence[str | os.PathLike], what: str = "output file", option: str = ""
) -> str:
    """The one message for a write that would replace existing files (predict's).

    With ``option`` (one file named by that option), the singular form.
    """
    if option:
        return (
            f"{option} {paths[0]} already exists; pass --overwrite to replace it, or choose "
            "another output"
        )
    return (
        f"{len(paths)} {what}(s) exist already (e.g. {paths[0]}); pass --overwrite to "
        "replace them, or choose another output"
    )


def refuse_existing(
    paths: Iterable[str | os.PathLike],
    *,
    overwrite: bool,
    what: str = "output file",
    option: str = "",
) -> None:
    """Raise :func:`existing_message` when any of ``paths`` exists and not ``overwrite``."""
    existing = [p for p in paths if os.path.lexists(p)]
    if existing and not overwrite:
        raise UserInputError(existing_message(existing, what, option))


def check_output_name(value: object, option: str) -> str:
    """``value`` as a non-empty path string (an empty name would mean the current folder)."""
    text = "" if value is None else os.fspath(value)  # type: ignore[arg-type]
    if not text.strip():
        raise UserInputError(f"{option} is empty; give a file or folder name")
    return text


def check_output_file(path: str | os.PathLike, *, overwrite: bool, option: str) -> Path:
    """Check, before any work, that a result file can be written at ``path``.

    Raises
    ------
    UserInputError
        ``path`` is a folder, exists (without ``overwrite``) or lies where nothing can
        be created (a file in the way, no permission).
    """
    path = Path(check_output_name(path, option)).expanduser()
    if path.is_dir():
        raise UserInputError(f"{option} {path} is a folder; give a file name")
    if os.path.lexists(path):
        refuse_existing([path], overwrite=overwrite, option=option)
        if not path.is_file():
            raise UserInputError(f"{option} {path} is not a regular file")
    _check_creatable(path.parent, option)
    return path


def _check_creatable(folder: Path, option: str) -> None:
    existing = folder
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise UserInputError(f"{option}: cannot create {folder}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserInputError(f"{option}: cannot write to {existing}: permission denied")


def make_dirs(folder: str | os.PathLike) -> list[Path]:
    """``mkdir -p folder``; returns the folders it created, outermost first."""
    folder = Path(folder)
    missing = []
    probe = folder
    while not probe.exists() and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing[::-1]


def remove_empty_dirs(folders: Iterable[str | os.PathLike]) -> None:
    """Remove those of ``folders`` that are empty, deepest first; never raises."""
    for folder in sorted({Path(f) for f in folders}, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            folder.rmdir()
