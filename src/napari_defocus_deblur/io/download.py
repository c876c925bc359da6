"""Download BBBC006 plane archives (urllib only), resuming partial downloads.

Each plane ``z_NN`` is ``<base>/BBBC006_v1_images_z_NN.zip`` (~560 MB). Bytes go to
``OUT/BBBC006_v1_images_z_NN.zip.part``; an interrupted download continues from there
with an HTTP ``Range`` request. The size is checked against ``Content-Length`` /
``Content-Range``, and the archive is extracted to ``OUT/BBBC006_v1_images_z_NN/`` — the
layout :mod:`napari_defocus_deblur.io.reader` reads.

Every member is written under a temporary name and renamed once its CRC is verified; a
plane counts as done only when ``OUT/.BBBC006_v1_images_z_NN.complete.json``, written
after the last member, lists every member with its size and all are there. A re-run after an
interruption (kill, disk full) keeps the members already verified and completes the
plane from the archive (downloading it again when it was removed).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from napari_defocus_deblur.constants import N_PLANES
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.bbbc006 import plane_dir_name

BASE_URL = "https://data.broadinstitute.org/bbbc/BBBC006/"
_CHUNK = 1 << 20
_RANGE_RE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
#: Written beside a plane folder once every member of its archive is extracted and verified.
DONE_SUFFIX = ".complete.json"


def plane_url(plane: int, base_url: str = BASE_URL) -> str:
    """URL of the archive of one plane."""
    return base_url.rstrip("/") + "/" + plane_dir_name(plane) + ".zip"


def download(url: str, dest: Path, *, progress: bool = True, timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest``, resuming from ``dest + '.part'``; verify the size."""
    import tqdm

    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "napari-defocus-deblur"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # nothing left to fetch: the part is complete
            part.replace(dest)
            return dest
        raise UserInputError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserInputError(f"cannot reach {url}: {reason}") from exc
    with response:
        if response.status == 206:
            match = _RANGE_RE.match(response.headers.get("Content-Range", ""))
            if not match or int(match[1]) != have:
                raise UserInputError(f"download of {url} failed: bad Content-Range from server")
            total = None if match[3] == "*" else int(match[3])
            mode = "ab"
        else:  # 200: the server sends everything (again)
            have, mode = 0, "wb"
            length = response.headers.get("Content-Length")
            total = int(length) if length else None
        bar = tqdm.tqdm(
            total=total,
            initial=have,
            unit="B",
            unit_scale=True,
            desc=dest.name,
            disable=not progress,
            leave=False,
        )
        try:
            with open(part, mode) as fh, bar:
                while True:
                    try:
                        chunk = response.read(_CHUNK)
                    except (OSError, ValueError, http.client.HTTPException) as exc:
                        raise UserInputError(
                            f"download of {url} interrupted ({exc}); {part.stat().st_size} "
                            "bytes kept, run the command again to resume"
                        ) from exc
                    if not chunk:
                        break
                    fh.write(chunk)
                    bar.update(len(chunk))
        except OSError as exc:
            raise UserInputError(f"cannot write {part}: {exc}") from exc
    got = part.stat().st_size
    if total is not None and got != total:
        raise UserInputError(
            f"download of {url} incomplete: got {got} of {total} bytes; run the command "
            "again to resume"
        )
    part.replace(dest)
    return dest


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


def fetch_bbbc006(
    out_dir: str | os.PathLike,
    planes: Sequence[int] = (16, 33),
    *,
    base_url: str = BASE_URL,
    extract: bool = True,
    keep_zip: bool = False,
    progress: bool = True,
) -> list[Path]:
    """Download (and extract) BBBC006 planes; returns the plane folders (or archives).

    Planes already complete (see :func:`plane_complete`) are skipped; incomplete ones
    are completed.
    """
    bad = [p for p in planes if not 0 <= int(p) < N_PLANES]
    if bad or not planes:
        raise UserInputError(f"planes must be within 0..{N_PLANES - 1}, got {list(planes)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for plane in dict.fromkeys(int(p) for p in planes):
        folder = out / plane_dir_name(plane)
        if extract and plane_complete(folder):
            results.append(folder)
            continue
        archive = out / (plane_dir_name(plane) + ".zip")
        if not archive.is_file():
            download(plane_url(plane, base_url), archive, progress=progress)
        if not extract:
            results.append(archive)
            continue
        results.append(extract_plane(archive, out, plane))
        if not keep_zip:
            archive.unlink()
    return results
