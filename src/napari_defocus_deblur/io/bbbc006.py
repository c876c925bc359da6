"""BBBC006 file names, plane folders and discovery of a data set on disk.

BBBC006 is published as 34 archives ``BBBC006_v1_images_z_NN.zip`` (NN = 00..33), each
holding a folder of the same name with 1,536 TIFFs named
``mcf-z-stacks-03212011_<well>_s<site>_w<channel><uuid4>.tif``. The uuid differs from
plane to plane, so a field is identified by ``(well, site)`` and a file by
``(well, site, channel)`` plus its plane; the uuid is ignored.

:func:`discover` accepts a root holding plane folders and/or plane archives, a single
plane folder, a single plane archive, or a folder of loose BBBC006 TIFFs (plane unknown),
and returns a :class:`Bbbc006Index`. It only lists names (archives: their central
directory); no pixel data are read.
"""

from __future__ import annotations

import os
import re
import uuid as _uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from napari_defocus_deblur.constants import N_PLANES
from napari_defocus_deblur.errors import UserInputError

#: plate prefix of every BBBC006 file name
PLATE = "mcf-z-stacks-03212011"
#: plane index used for loose TIFFs whose folder does not name the plane
UNKNOWN_PLANE = -1
#: 16 plate rows x 24 columns = 384 wells
ROWS = "abcdefghijklmnop"
COLUMNS = 24
SITES = (1, 2)

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_NAME_RE = re.compile(
    rf"^(?:\d\d_)?(?P<plate>[^_]+)_(?P<well>[a-pA-P]\d\d)_s(?P<site>\d+)_w(?P<channel>\d)"
    rf"(?P<uuid>{_UUID})?\.tiff?$"
)
_PLANE_RE = re.compile(r"^BBBC006_v1_images_z_(?P<z>\d\d)(?P<zip>\.zip)?$")
_IGNORED = {".ds_store", "thumbs.db", "desktop.ini"}

FieldKey = tuple[str, int, int]  # (well, site, channel)


@dataclass(frozen=True)
class FieldName:
    """The parts of a BBBC006 file name."""

    well: str
    site: int
    channel: int
    uuid: str = ""
    plate: str = PLATE

    @property
    def field_id(self) -> str:
        """``<well>_s<site>``, the identity of a field across planes and channels."""
        return f"{self.well}_s{self.site}"

    @property
    def key(self) -> FieldKey:
        """``(well, site, channel)``: one image per plane."""
        return (self.well, self.site, self.channel)


def parse_name(name: str) -> FieldName | None:
    """Parse a BBBC006 file name (with or without uuid); ``None`` if it is not one."""
    match = _NAME_RE.match(os.path.basename(name))
    if match is None:
        return None
    return FieldName(
        well=match["well"].lower(),
        site=int(match["site"]),
        channel=int(match["channel"]),
        uuid=match["uuid"] or "",
        plate=match["plate"],
    )


def format_name(well: str, site: int, channel: int, uuid: str | None = None) -> str:
    """The BBBC006 file name of a field image; a fresh uuid4 when ``uuid`` is None."""
    uid = str(_uuid.uuid4()) if uuid is None else uuid
    return f"{PLATE}_{well.lower()}_s{int(site)}_w{int(channel)}{uid}.tif"


def plane_dir_name(plane: int) -> str:
    """``BBBC006_v1_images_z_NN``, the folder (and archive stem) of a plane."""
    if not 0 <= int(plane) < N_PLANES:
        raise UserInputError(f"plane index must be within 0..{N_PLANES - 1}, got {plane}")
    return f"BBBC006_v1_images_z_{int(plane):02d}"


def plane_from_name(name: str) -> int | None:
    """The plane of a ``BBBC006_v1_images_z_NN`` folder or ``.zip`` name, else None
    (UserInputError for a plane number BBBC006 does not have, over 33)."""
    base = os.path.basename(os.fspath(name).rstrip("/\\"))
    match = _PLANE_RE.match(base)
    if match and int(match["z"]) >= N_PLANES:
        raise UserInputError(f"{base}: BBBC006 planes are numbered 00..{N_PLANES - 1}")
    return int(match["z"]) if match else None


def split_field_id(field_id: str) -> tuple[str, int]:
    """``"a01_s2"`` -> ``("a01", 2)``."""
    well, _, site = field_id.partition("_s")
    if not site.isdigit():
        raise UserInputError(f"not a BBBC006 field id (expected like 'a01_s1'): {field_id!r}")
    return well, int(site)


def plate_fields(n_fields: int | None = None) -> list[tuple[str, int]]:
    """Fields in plate order (a01 s1, a01 s2, a02 s1, ...); the first ``n_fields``."""
    fields = [
        (f"{row}{col:02d}", site)
        for row in ROWS
        for col in range(1, COLUMNS + 1)
        for site in SITES
    ]
    if n_fields is not None:
        if not 1 <= n_fields <= len(fields):
            raise UserInputError(f"number of fields must be within 1..{len(fields)}")
        fields = fields[:n_fields]
    return fields


@dataclass(frozen=True)
class Bbbc006Index:
    """What :func:`discover` found: image paths by ``(well, site, channel)`` and plane.

    Paths of images inside a ``.zip`` archive are ``<archive.zip>/<member>``; read them
    with :func:`napari_defocus_deblur.io.tiff.read_image`.
    """

    root: Path
    files: Mapping[FieldKey, Mapping[int, str]]
    skipped: tuple[str, ...] = ()
    planes: tuple[int, ...] = field(default=())

    @property
    def channels(self) -> tuple[int, ...]:
        """Channels present, sorted."""
        return tuple(sorted({key[2] for key in self.files}))

    def fields(self, channel: int | None = None) -> list[str]:
        """Field ids (``<well>_s<site>``) in plate order, optionally for one channel."""
        keys = {(k[0], k[1]) for k in self.files if channel is None or k[2] == channel}
        return [f"{well}_s{site}" for well, site in sorted(keys)]

    def path(self, field_id: str, channel: int, plane: int) -> Path | None:
        """The image of one field, channel and plane, or None when absent."""
        raw = self.raw_path(field_id, channel, plane)
        return None if raw is None else Path(raw)

    def raw_path(self, field_id: str, channel: int, plane: int) -> str | None:
        """Like :meth:`path` as a plain string (cheap for tens of thousands of files)."""
        well, site = split_field_id(field_id)
        return self.files.get((well, site, channel), {}).get(plane)

    def planes_of(self, field_id: str, channel: int) -> list[int]:
        """Planes present for one field and channel, sorted."""
        well, site = split_field_id(field_id)
        return sorted(self.files.get((well, site, channel), {}))


def is_bbbc006(path: str | os.PathLike) -> bool:
    """Cheap test: does ``path`` look like BBBC006 data (root, plane folder, archive)?"""
    p = Path(path)
    try:
        if p.is_file():
            if p.suffix.lower() != ".zip":
                return False
            if plane_from_name(p.name) is not None:
                return True
            with zipfile.ZipFile(p) as zf:
                return any(plane_from_name(os.path.dirname(n)) is not None for n in zf.namelist())
        if not p.is_dir() or plane_from_name(p.name) is not None:
            return p.is_dir()
        with os.scandir(p) as entries:
            for entry in entries:
                if plane_from_name(entry.name) is not None:
                    return True
                if entry.is_file() and parse_name(entry.name) is not None:
                    return True
    except (OSError, zipfile.BadZipFile):
        return False
    except UserInputError:  # a plane number out of range: read, to say so
        return True
    return False


def discover(path: str | os.PathLike) -> Bbbc006Index:
    """Index a BBBC006 root, plane folder, plane archive or folder of loose TIFFs.

    Raises
    ------
    UserInputError
        When the path does not exist or holds no BBBC006 images.
    """
    root = Path(path)
    if not root.exists():
        raise UserInputError(f"no such file or folder: {root}")
    files: dict[FieldKey, dict[int, str]] = {}
    skipped: list[str] = []
    try:
        if root.is_file():
            plane = plane_from_name(root.name)
            if root.suffix.lower() != ".zip":
                raise UserInputError(
                    f"{root} is not a BBBC006 plane archive (BBBC006_v1_images_z_NN.zip)"
                )
            _add_zip(root, UNKNOWN_PLANE if plane is None else plane, files, skipped)
        elif plane_from_name(root.name) is not None:
            _add_folder(root, plane_from_name(root.name), files, skipped)
        else:
            _add_root(root, files, skipped)
    except PermissionError as exc:
        raise UserInputError(f"permission denied while listing {exc.filename or root}") from exc
    if not files:
        detail = f" ({'; '.join(skipped)})" if skipped else ""
        raise UserInputError(
            f"no BBBC006 images found in {root}: expected BBBC006_v1_images_z_NN folders or "
            f".zip archives, or TIFFs named {PLATE}_<well>_s<site>_w<channel><uuid>.tif{detail}"
        )
    planes = tuple(sorted({z for per in files.values() for z in per}))
    return Bbbc006Index(root=root, files=files, skipped=tuple(skipped), planes=planes)


def _add_root(root: Path, files: dict, skipped: list[str]) -> None:
    folders: dict[int, Path] = {}
    archives: dict[int, Path] = {}
    loose = False
    with os.scandir(root) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            plane = plane_from_name(entry.name)
            if plane is not None and entry.is_dir():
                folders[plane] = Path(entry.path)
            elif plane is not None and entry.name.lower().endswith(".zip"):
                archives[plane] = Path(entry.path)
            elif entry.is_file() and parse_name(entry.name) is not None:
                loose = True
    for plane, folder in folders.items():
        _add_folder(folder, plane, files, skipped)
    for plane, archive in archives.items():
        if plane in folders:  # the extracted folder wins over its archive
            continue
        _add_zip(archive, plane, files, skipped)
    if loose and not folders and not archives:
        _add_folder(root, UNKNOWN_PLANE, files, skipped)


def _add_folder(folder: Path, plane: int, files: dict, skipped: list[str]) -> None:
    others: list[str] = []
    with os.scandir(folder) as entries:
        names = sorted(e.name for e in entries if e.is_file())
    for name in names:
        _add(os.path.join(folder, name), name, plane, files, others)
    _note_others(folder, others, skipped)


def _add_zip(archive: Path, plane: int, files: dict, skipped: list[str]) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            names = sorted(i.filename for i in zf.infolist() if not i.is_dir())
    except (zipfile.BadZipFile, OSError) as exc:
        skipped.append(f"{archive.name}: not a readable zip archive ({exc})")
        return
    others: list[str] = []
    for name in names:
        folder_plane = plane_from_name(os.path.dirname(name))
        member_plane = plane if folder_plane is None else folder_plane
        _add(os.path.join(archive, *name.split("/")), name, member_plane, files, others)
    _note_others(archive, others, skipped)


def _add(path: str, name: str, plane: int, files: dict, others: list[str]) -> None:
    base = os.path.basename(name)
    match = _NAME_RE.match(base)
    if match is None:
        if base.lower() not in _IGNORED and not base.startswith("._"):
            others.append(base)
        return
    key = (match["well"].lower(), int(match["site"]), int(match["channel"]))
    per_plane = files.setdefault(key, {})
    if plane in per_plane:
        others.append(f"{base} (duplicate of {os.path.basename(per_plane[plane])})")
        return
    per_plane[plane] = path


def _note_others(where: Path, others: list[str], skipped: list[str]) -> None:
    if others:
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        skipped.append(
            f"{where.name}: skipped {len(others)} file(s) that are not BBBC006 TIFFs: {shown}"
        )
