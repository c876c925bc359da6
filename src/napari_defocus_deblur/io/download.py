"""Download BBBC006 plane archives (urllib only), resuming partial downloads.

Each plane ``z_NN`` is ``<base>/BBBC006_v1_images_z_NN.zip`` (~560 MB). Bytes go to
``OUT/BBBC006_v1_images_z_NN.zip.part``; an interrupted download continues from there
with an HTTP ``Range`` request. The size is checked against ``Content-Length`` /
``Content-Range``, and the archive is extracted to ``OUT/BBBC006_v1_images_z_NN/`` — the
layout :mod:`napari_defocus_deblur.io.reader` reads.

Extraction (:mod:`napari_defocus_deblur.io.extract`) writes every member under a
temporary name and renames it once its CRC is verified; a plane counts as done only when
``OUT/.BBBC006_v1_images_z_NN.complete.json``, written after the last member, lists
every member with its size and all are there. A re-run after an interruption (kill, disk
full) keeps the members already verified and completes the plane from the archive
(downloading it again when it was removed).

Downloads are generators like every long job (:mod:`napari_defocus_deblur.progress`):
:func:`iter_download` and :func:`iter_fetch_bbbc006` yield :class:`DownloadProgress`
events and return their result; :func:`download` and :func:`fetch_bbbc006` run them.
"""

from __future__ import annotations

import http.client
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from napari_defocus_deblur.constants import N_PLANES, PAPER_PAIR_PLANES
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.bbbc006 import plane_dir_name
from napari_defocus_deblur.io.extract import (
    DONE_SUFFIX,
    done_marker,
    extract_plane,
    plane_complete,
)
from napari_defocus_deblur.progress import drive

__all__ = [
    "BASE_URL",
    "DONE_SUFFIX",
    "DownloadProgress",
    "done_marker",
    "download",
    "extract_plane",
    "fetch_bbbc006",
    "iter_download",
    "iter_fetch_bbbc006",
    "plane_complete",
    "plane_url",
]

BASE_URL = "https://data.broadinstitute.org/bbbc/BBBC006/"
_CHUNK = 1 << 20
_RANGE_RE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")
#: What ``urlopen`` returns: an ``http.client.HTTPResponse`` (``addinfourl`` for file://).
Response = Any


@dataclass(frozen=True)
class DownloadProgress:
    """Progress of :func:`iter_download`: ``done`` of ``total`` bytes of file ``name``.

    ``done`` counts the bytes of a resumed partial download too; ``total`` is None when
    the server does not say.
    """

    name: str
    done: int
    total: int | None

    @property
    def fraction(self) -> float | None:
        """``done / total`` (None when the total is unknown)."""
        if self.total is None:
            return None
        return self.done / self.total if self.total else 1.0


def plane_url(plane: int, base_url: str = BASE_URL) -> str:
    """URL of the archive of one plane."""
    return base_url.rstrip("/") + "/" + plane_dir_name(plane) + ".zip"


def download(
    url: str,
    dest: Path,
    *,
    progress: Callable[[DownloadProgress], Any] | None = None,
    timeout: float = 60.0,
) -> Path:
    """Download ``url`` to ``dest`` (see :func:`iter_download`); returns ``dest``.

    ``progress`` is called with every :class:`DownloadProgress`.
    """
    return drive(iter_download(url, dest, timeout=timeout), progress)


def iter_download(
    url: str, dest: Path, *, timeout: float = 60.0
) -> Generator[DownloadProgress, None, Path]:
    """Download ``url`` to ``dest``, resuming from ``dest + '.part'``; verify the size.

    Parameters
    ----------
    url
        The file to fetch (http, https or file).
    dest
        Where it goes; bytes are written to ``dest + '.part'``, renamed once complete.
    timeout
        Seconds to wait for the server.

    Yields
    ------
    DownloadProgress
        Once the size is known (``done``: bytes already there), then after every chunk.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    UserInputError
        Unreachable server, HTTP errors, interrupted or incomplete downloads (the part
        is kept: a new call resumes it), unwritable ``dest``.
    """
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    response = _open(url, have, timeout)
    if response is None:  # nothing left to fetch: the part is complete
        part.replace(dest)
        return dest
    with response:
        have, total, mode = _resume_point(response, url, have)
        yield DownloadProgress(dest.name, have, total)
        try:
            with open(part, mode) as fh:
                while chunk := _read_chunk(response, url, part):
                    fh.write(chunk)
                    have += len(chunk)
                    yield DownloadProgress(dest.name, have, total)
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


def _open(url: str, have: int, timeout: float) -> Response | None:
    """The server's response, asking for the bytes after ``have`` when resuming.

    None when a resumed download has nothing left to fetch (HTTP 416).
    """
    request = urllib.request.Request(url, headers={"User-Agent": "napari-defocus-deblur"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            return None
        raise UserInputError(f"download of {url} failed: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserInputError(f"cannot reach {url}: {reason}") from exc


def _resume_point(response: Response, url: str, have: int) -> tuple[int, int | None, str]:
    """``(bytes kept, total bytes or None, file mode)`` from the response headers."""
    if response.status == 206:
        match = _RANGE_RE.match(response.headers.get("Content-Range", ""))
        if not match or int(match[1]) != have:
            raise UserInputError(f"download of {url} failed: bad Content-Range from server")
        return have, None if match[3] == "*" else int(match[3]), "ab"
    # 200: the server sends everything (again)
    length = response.headers.get("Content-Length")
    return 0, int(length) if length else None, "wb"


def _read_chunk(response: Response, url: str, part: Path) -> bytes:
    """The next chunk of the body (empty at the end); a broken connection is an error."""
    try:
        return response.read(_CHUNK)
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise UserInputError(
            f"download of {url} interrupted ({exc}); {part.stat().st_size} "
            "bytes kept, run the command again to resume"
        ) from exc


def fetch_bbbc006(
    out_dir: str | os.PathLike,
    planes: Sequence[int] = PAPER_PAIR_PLANES,
    *,
    base_url: str = BASE_URL,
    extract: bool = True,
    keep_zip: bool = False,
    progress: Callable[[DownloadProgress], Any] | None = None,
) -> list[Path]:
    """Download (and extract) BBBC006 planes (see :func:`iter_fetch_bbbc006`).

    ``progress`` is called with every :class:`DownloadProgress`.
    """
    job = iter_fetch_bbbc006(
        out_dir, planes, base_url=base_url, extract=extract, keep_zip=keep_zip
    )
    return drive(job, progress)


def iter_fetch_bbbc006(
    out_dir: str | os.PathLike,
    planes: Sequence[int] = PAPER_PAIR_PLANES,
    *,
    base_url: str = BASE_URL,
    extract: bool = True,
    keep_zip: bool = False,
) -> Generator[DownloadProgress, None, list[Path]]:
    """Download (and extract) BBBC006 planes; returns the plane folders (or archives).

    Planes already complete (see :func:`plane_complete`) are skipped; incomplete ones
    are completed.

    Parameters
    ----------
    out_dir
        Output folder (created).
    planes
        Plane indices 0..33 (default: z_00 and z_17, the paper's 34 um pair).
    base_url
        Where the ``BBBC006_v1_images_z_NN.zip`` archives are.
    extract
        Extract the archives (else return the archives).
    keep_zip
        Keep the archives after extraction.

    Yields
    ------
    DownloadProgress
        The events of every archive downloaded (:func:`iter_download`).
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
            yield from iter_download(plane_url(plane, base_url), archive)
        if not extract:
            results.append(archive)
            continue
        results.append(extract_plane(archive, out, plane))
        if not keep_zip:
            archive.unlink()
    return results
