"""Limits on zip archives: member count, member size and compression ratio.

A zip archive states each member's uncompressed size, and :mod:`zipfile` never
returns more bytes than stated, so checking the stated sizes before reading bounds the
memory and disk a hostile archive (a "zip bomb") can claim. Members up to
:data:`RATIO_FREE_BYTES` may compress arbitrarily well (a blank image does); larger
ones must not expand more than :data:`MAX_RATIO` times.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from napari_defocus_deblur.errors import UserInputError

#: Most members an archive may hold (a BBBC006 plane archive holds 768).
MAX_MEMBERS = 100_000
#: Largest member read into memory.
MAX_READ_BYTES = 2 * 1024**3
#: Largest member extracted to disk.
MAX_EXTRACT_BYTES = 16 * 1024**3
#: Largest uncompressed/compressed size ratio of members above RATIO_FREE_BYTES.
MAX_RATIO = 100
#: Members up to this size may have any compression ratio.
RATIO_FREE_BYTES = 16 * 1024**2


def check_member(info: zipfile.ZipInfo, archive: str | os.PathLike, limit: int) -> None:
    """Raise UserInputError when a member is larger than ``limit`` bytes or expands more
    than :data:`MAX_RATIO` times."""
    name = f"{info.filename} in {Path(archive).name}"
    if info.file_size > limit:
        raise UserInputError(
            f"{name} is too large ({_gib(info.file_size)} uncompressed, limit {_gib(limit)})"
        )
    if info.file_size > RATIO_FREE_BYTES and info.file_size > MAX_RATIO * max(
        info.compress_size, 1
    ):
        raise UserInputError(
            f"{name} expands {info.file_size / max(info.compress_size, 1):.0f}-fold "
            f"({_gib(info.file_size)} from {info.compress_size} bytes): refused as a "
            f"possible zip bomb (limit {MAX_RATIO}-fold)"
        )


def check_archive(zf: zipfile.ZipFile, archive: str | os.PathLike) -> list[zipfile.ZipInfo]:
    """The members of an open archive after checking their count, sizes and ratios for
    extraction; raises UserInputError otherwise."""
    members = zf.infolist()
    if len(members) > MAX_MEMBERS:
        raise UserInputError(
            f"{Path(archive).name} holds {len(members)} members, more than the "
            f"{MAX_MEMBERS} accepted"
        )
    for info in members:
        check_member(info, archive, MAX_EXTRACT_BYTES)
    return members


def check_archive_file(archive: str | os.PathLike) -> None:
    """:func:`check_archive` on a zip file by path (unreadable archives pass: their
    readers report them)."""
    if not Path(archive).is_file():  # never open a pipe or device
        return
    try:
        with zipfile.ZipFile(archive) as zf:
            check_archive(zf, archive)
    except (zipfile.BadZipFile, OSError):
        return


def read_member(archive: str | os.PathLike, member: str) -> bytes:
    """The bytes of one member, after checking its size and ratio.

    Raises
    ------
    UserInputError
        Missing member, unreadable archive, or a member beyond the limits.
    """
    try:
        with zipfile.ZipFile(archive) as zf:
            info = zf.getinfo(member)
            check_member(info, archive, MAX_READ_BYTES)
            return zf.read(info)
    except KeyError as exc:
        raise UserInputError(f"file not found: {member} in archive {archive}") from exc
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise UserInputError(f"cannot read {member} from archive {archive}: {exc}") from exc


def _gib(n: int) -> str:
    return f"{n / 1024**3:.2f} GiB" if n >= 1024**3 else f"{n / 1024**2:.1f} MiB"
