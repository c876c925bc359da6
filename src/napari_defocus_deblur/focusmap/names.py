"""Which files make up a plate, and the well, site and channel of each from its name.

By default names are parsed as BBBC006 names
(``mcf-z-stacks-03212011_<well>_s<site>_w<channel><uuid>.tif``, with
:func:`napari_defocus_deblur.io.bbbc006.parse_name`). Other screens give a regular
expression with named groups: ``well`` (required, e.g. ``B03`` or ``AF48``), ``site``
and ``channel`` (optional, 1 when absent); it is searched in the file's base name.
Example for ``Plate1_B03_s2_w1.tif``: ``_(?P<well>[A-P]\\d\\d)_s(?P<site>\\d+)_w(?P<channel>\\d)``.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.tiff import IMAGE_SUFFIXES

#: Standard plate formats: wells -> (rows, columns).
LAYOUTS = {96: (8, 12), 384: (16, 24), 1536: (32, 48)}
_WELL_RE = re.compile(r"^(?P<row>[A-Za-z]{1,2})0*(?P<column>\d{1,2})$")


@dataclass(frozen=True)
class FieldFile:
    """One image of a plate: where it is and which well, site and channel it shows.

    ``row`` and ``column`` count from 1 (row 1 is A, row 27 is AA).
    """

    path: str
    well: str
    row: int
    column: int
    site: int
    channel: int


def split_well(well: str) -> tuple[int, int]:
    """``"b03"`` -> ``(2, 3)``; ``"AF48"`` -> ``(32, 48)`` (rows and columns from 1).

    Raises
    ------
    UserInputError
        Not a well name (one or two row letters and a column number).
    """
    match = _WELL_RE.match(well.strip())
    if match is None:
        raise UserInputError(f"not a well name (like B03 or AF48): {well!r}")
    letters = match["row"].upper()
    row = 0
    for letter in letters:
        row = row * 26 + (ord(letter) - ord("A") + 1)
    return row, int(match["column"])


def well_name(row: int, column: int) -> str:
    """``(2, 3)`` -> ``"B03"`` (``"AA01"`` for row 27), the inverse of :func:`split_well`."""
    letters = ""
    while row > 0:
        row, rest = divmod(row - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"{letters}{column:02d}"


def plate_layout(files: Sequence[FieldFile]) -> tuple[int, int]:
    """``(rows, columns)`` of the smallest standard plate (96, 384, 1536 wells) that
    holds every well; larger wells than a 1536-well plate get their own extent."""
    rows = max((f.row for f in files), default=1)
    columns = max((f.column for f in files), default=1)
    for shape in LAYOUTS.values():
        if rows <= shape[0] and columns <= shape[1]:
            return shape
    return rows, columns


def compile_pattern(pattern: str | None) -> re.Pattern | None:
    """The user's regular expression, checked for a ``well`` group (None: BBBC006)."""
    if not pattern:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise UserInputError(f"pattern {pattern!r} is not a regular expression: {exc}") from exc
    if "well" not in compiled.groupindex:
        raise UserInputError(
            f"pattern {pattern!r} needs a named group 'well', e.g. (?P<well>[A-P]\\d\\d); "
            "'site' and 'channel' are optional"
        )
    return compiled


def parse_field(path: str, pattern: re.Pattern | None = None) -> FieldFile | None:
    """Well, site and channel of ``path`` from its base name; None when it does not match."""
    from napari_defocus_deblur.io.bbbc006 import parse_name

    base = os.path.basename(path)
    if pattern is None:
        parsed = parse_name(base)
        if parsed is None:
            return None
        well, site, channel = parsed.well, parsed.site, parsed.channel
    else:
        match = pattern.search(base)
        if match is None or not base.lower().endswith(IMAGE_SUFFIXES):
            return None
        groups = match.groupdict()
        well = groups["well"]
        site = int(groups.get("site") or 1)
        channel = int(groups.get("channel") or 1)
    try:
        row, column = split_well(well)
    except UserInputError:
        return None
    return FieldFile(str(path), well_name(row, column), row, column, site, channel)


def list_fields(
    source: str | os.PathLike | Sequence[str | os.PathLike],
    pattern: str | None = None,
    channel: int | None = None,
) -> tuple[list[FieldFile], list[str]]:
    """The images of a plate (names only, no pixels read) and the names left out.

    Parameters
    ----------
    source
        A folder (searched recursively), a ``.zip`` archive, or a list of files.
    pattern
        A regular expression with named groups (module docstring); None: BBBC006 names.
    channel
        Keep only this channel (None: all).

    Raises
    ------
    UserInputError
        Missing source, an unreadable archive, no image whose name matches, or two images
        of the same well, site and channel (two planes: map one plane at a time).
    """
    compiled = compile_pattern(pattern)
    found, others = [], []
    for path in _candidates(source):
        parsed = parse_field(path, compiled)
        if parsed is None:
            others.append(os.path.basename(path))
        elif channel is None or parsed.channel == channel:
            found.append(parsed)
    if not found:
        what = f"pattern {pattern!r}" if pattern else "the BBBC006 naming"
        raise UserInputError(
            f"no image in {_describe(source)} is named by {what}"
            + (f" for channel {channel}" if channel is not None else "")
            + (f" (e.g. {others[0]} does not match)" if others else "")
        )
    _check_unique(found)
    found.sort(key=lambda f: (f.row, f.column, f.site, f.channel, f.path))
    return found, others


def _candidates(source: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        if not path.exists():
            raise UserInputError(f"no such file or folder: {path}")
        if path.is_dir():
            return [
                os.path.join(root, name)
                for root, dirs, names in sorted(os.walk(path))
                for name in sorted(names)
                if not name.startswith(".")
            ]
        if path.suffix.lower() == ".zip":
            return _zip_members(path)
        return [str(path)]
    return [os.fspath(p) for p in source]


def _zip_members(archive: Path) -> list[str]:
    try:
        with zipfile.ZipFile(archive) as zf:
            names = [i.filename for i in zf.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError) as exc:
        raise UserInputError(f"{archive} is not a readable zip archive ({exc})") from exc
    return [os.path.join(archive, *n.split("/")) for n in sorted(names)]


def _check_unique(found: list[FieldFile]) -> None:
    seen: dict[tuple[str, int, int], str] = {}
    for f in found:
        key = (f.well, f.site, f.channel)
        if key in seen:
            raise UserInputError(
                f"{seen[key]} and {f.path} are both well {f.well} site {f.site} channel "
                f"{f.channel}: map one plane (folder or archive) at a time"
            )
        seen[key] = f.path


def _describe(source: object) -> str:
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    return "the files given"
