"""Download BBBC006 plane archives (urllib only), resuming partial downloads.

Each plane ``z_NN`` is ``<base>/BBBC006_v1_images_z_NN.zip`` (~560 MB). Bytes go to
``OUT/BBBC006_v1_images_z_NN.zip.part``; an interrupted download continues from there
with an HTTP ``Range`` request. The size is checked against ``Content-Length`` /
``Content-Range``, the archive's CRCs are verified, and it is extracted to
``OUT/BBBC006_v1_images_z_NN/`` — the layout :mod:`napari_defocus_deblur.io.reader` reads.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from napari_defocus_deblur.constants import N_PLANES
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.bbbc006 import plane_dir_name

BASE_URL = "https://data.broadinstitute.org/bbbc/BBBC006/"
_CHUNK = 1 << 20
_RANGE_RE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


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


def extract_plane(archive: Path, out_dir: Path, plane: int) -> Path:
    """Verify and extract a plane archive to ``out_dir/BBBC006_v1_images_z_NN``."""
    folder = plane_dir_name(plane)
    try:
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise UserInputError(
                    f"{archive} is corrupt (CRC error in {bad}); delete it and run again"
                )
            target = out_dir / folder
            target.mkdir(parents=True, exist_ok=True)
            for info in zf.infolist():
                member = PurePosixPath(info.filename)
                if info.is_dir():
                    continue
                if member.is_absolute() or ".." in member.parts:
                    raise UserInputError(f"{archive.name}: unsafe member path {info.filename}")
                parts = member.parts[1:] if member.parts[0] == folder else member.parts
                dest = target.joinpath(*parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(dest, "wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
    except zipfile.BadZipFile as exc:
        raise UserInputError(f"{archive.name} is not a valid zip archive ({exc})") from exc
    return target


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

    Planes already extracted (a non-empty plane folder) are skipped.
    """
    bad = [p for p in planes if not 0 <= int(p) < N_PLANES]
    if bad or not planes:
        raise UserInputError(f"planes must be within 0..{N_PLANES - 1}, got {list(planes)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for plane in dict.fromkeys(int(p) for p in planes):
        folder = out / plane_dir_name(plane)
        if folder.is_dir() and any(folder.iterdir()):
            results.append(folder)
            continue
        archive = out / (plane_dir_name(plane) + ".zip")
        if not archive.exists():
            download(plane_url(plane, base_url), archive, progress=progress)
        if not extract:
            results.append(archive)
            continue
        results.append(extract_plane(archive, out, plane))
        if not keep_zip:
            archive.unlink()
    return results
