"""Extract and verify BBBC006 plane archives (the second half of the downloader).

Every member is written under a temporary name and renamed once its CRC is verified; a
plane counts as done only when ``OUT/.BBBC006_v1_images_z_NN.complete.json``, written
after the last member, lists every member with its size and all are there. A re-run after an
interruption (kill, disk full) keeps the members already verified and completes the
plane from the archive.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.bbbc006 import plane_dir_name

_CHUNK = 1 << 20
#: Written beside a plane folder once every member of its archive is extracted and verified.
DONE_SUFFIX = ".complete.json"


def _members(zf: zipfile.ZipFile, archive: Path, folder: str) -> list[tuple[zipfile.ZipInfo, str]]:
    """``(member, path relative to the plane folder)`` of every file, checked."""
    from napari_defocus_deblur.io.archive import check_archive

    out = []
    for info in check_archive(zf, archive):
        member = PurePosixPath(info.filename)
        if info.is_dir():
            continue
        if member.is_absolute() or ".." in member.parts or "\\" in info.filename:
            raise UserInputError(f"{archive.name}: unsafe member path {info.filename}")
        parts = member.parts[1:] if member.parts[0] == folder else member.parts
        out.append((info, "/".join(parts)))
    return out


def _verified(path: Path, info: zipfile.ZipInfo) -> bool:
    """Whether ``path`` holds exactly the member (size and CRC-32)."""
    try:
        if not path.is_file() or path.stat().st_size != info.file_size:
            return False
        crc = 0
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                crc = zlib.crc32(chunk, crc)
        return crc == info.CRC
    except OSError:
        return False


def extract_plane(archive: Path, out_dir: Path, plane: int) -> Path:
    """Extract and verify a plane archive to ``out_dir/BBBC006_v1_images_z_NN``.

    Members already present and verified (size and CRC) are kept; the others are
    extracted under temporary names, CRC-checked and renamed. The completion marker
    (:func:`done_marker`) is written last.
    """
    from napari_defocus_deblur.io.atomic import atomic_write, atomic_write_text, make_dirs

    folder = plane_dir_name(plane)
    target = out_dir / folder
    created: list[Path] = []
    try:
        with zipfile.ZipFile(archive) as zf:
            members = _members(zf, archive, folder)
            created = make_dirs(target)
            _remove_temporaries(target)
            for info, rel in members:
                dest = target / rel
                if _verified(dest, info):
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)

                def copy(tmp: Path, info: zipfile.ZipInfo = info) -> None:
                    with zf.open(info) as src, open(tmp, "wb") as dst:
                        shutil.copyfileobj(src, dst, _CHUNK)  # the CRC is checked at EOF

                atomic_write(dest, copy)
        done = {rel: info.file_size for info, rel in members}
        record = {"archive": archive.name, "members": done}
        text = json.dumps(record, indent=0) + "\n"
        atomic_write_text(done_marker(target), text, durable=True)
    except zipfile.BadZipFile as exc:
        _remove_empty(created)
        raise UserInputError(
            f"{archive} is not a valid zip archive, or is corrupt ({exc}); delete it and run again"
        ) from exc
    except OSError as exc:
        _remove_empty(created)
        raise UserInputError(
            f"cannot extract {archive.name} to {target}: {exc.strerror or exc}; the files "
            "extracted so far are kept, run the command again to complete the plane"
        ) from exc
    return target


def _remove_temporaries(folder: Path) -> None:
    from napari_defocus_deblur.io.atomic import TEMP_SUFFIX

    for root, _dirs, names in os.walk(folder):
        for name in names:
            if name.startswith(".") and name.endswith(TEMP_SUFFIX):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(root, name))


def _remove_empty(created: list[Path]) -> None:
    from napari_defocus_deblur.io.atomic import remove_empty_dirs

    remove_empty_dirs(created)


def done_marker(folder: Path) -> Path:
    """The completion record of a plane folder (hidden, beside it)."""
    return folder.parent / f".{folder.name}{DONE_SUFFIX}"


def plane_complete(folder: Path) -> bool:
    """Whether ``folder`` holds every member recorded in its :func:`done_marker`."""
    marker = done_marker(folder)
    if not marker.is_file():
        return False
    try:
        record = json.loads(marker.read_text())
        members = record["members"]
        return bool(members) and all(
            (folder / rel).is_file() and (folder / rel).stat().st_size == size
            for rel, size in members.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
