"""Read and write single images and z-stacks (TIFF, plus PNG for reading).

A path may point *inside* a ``.zip`` archive (``data/BBBC006_v1_images_z_16.zip/
BBBC006_v1_images_z_16/name.tif``); the member is read without extracting the archive.
Every failure is a :class:`~napari_defocus_deblur.errors.UserInputError` whose message
names the file and the reason (not a TIFF, truncated, permission denied, ...).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.record import parse_record

TIFF_SUFFIXES = (".tif", ".tiff")
IMAGE_SUFFIXES = (*TIFF_SUFFIXES, ".png")


def split_zip_path(path: str | os.PathLike) -> tuple[Path, str] | None:
    """``(archive, member)`` when ``path`` goes through a ``.zip`` file, else None."""
    p = Path(path)
    if p.exists():
        return None
    for parent in p.parents:
        if parent.suffix.lower() == ".zip" and parent.is_file():
            return parent, p.relative_to(parent).as_posix()
    return None


def _source(path: Path) -> Any:
    """A path or an in-memory file object for a member of a zip archive.

    Only regular files are opened: a named pipe, device or socket would block or
    never end (UserInputError instead). Archive members are size-checked first
    (:mod:`napari_defocus_deblur.io.archive`).
    """
    from napari_defocus_deblur.io.archive import read_member

    inside = split_zip_path(path)
    if inside is None:
        if not path.exists():
            raise UserInputError(f"file not found: {path}")
        if path.is_dir():
            raise UserInputError(f"{path}: is a folder, not an image file")
        if not path.is_file():
            raise UserInputError(
                f"{path}: not a regular file (a named pipe, device or socket); not read"
            )
        return path
    archive, member = inside
    return io.BytesIO(read_member(archive, member))


def read_image(path: str | os.PathLike) -> tuple[np.ndarray, dict[str, Any]]:
    """Read a TIFF (any axes) or PNG image with its metadata.

    Returns
    -------
    image : numpy.ndarray
        The first image series, as stored.
    metadata : dict
        ``axes`` (e.g. ``"ZYX"``; ``S`` is the RGB sample axis), ``pixel_size_um`` (float
        or None), ``z_step_um`` (float or None), ``format`` (``"imagej"``, ``"ome"``,
        ``"tiff"``, ``"png"``), ``source`` (str), ``skipped`` (list of messages about
        further series that were not read) and ``record`` (what this package recorded
        in a TIFF it wrote, :mod:`.record`; else None).

    Raises
    ------
    UserInputError
        Missing, unreadable, truncated or non-image files.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise UserInputError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; expected .tif, .tiff or .png"
        )
    try:
        source = _source(path)
        if suffix == ".png":
            return _read_png(source, path)
        return _read_tiff(source, path)
    except PermissionError as exc:
        raise UserInputError(f"{path}: permission denied") from exc


def _read_png(source: Any, path: Path) -> tuple[np.ndarray, dict[str, Any]]:
    import imageio.v3 as iio

    try:
        image = np.asarray(iio.imread(source))
    except PermissionError:
        raise
    except Exception as exc:
        raise UserInputError(f"{path}: not a readable PNG image ({_short(exc)})") from exc
    axes = "YXS" if image.ndim == 3 else "YX"
    return image, _meta(path, axes, "png")


@contextlib.contextmanager
def quiet_tifffile() -> Iterator[None]:
    """Silence tifffile's log lines about damaged files: the one error we raise says it."""
    logger = logging.getLogger("tifffile")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _read_tiff(source: Any, path: Path) -> tuple[np.ndarray, dict[str, Any]]:
    import tifffile

    try:
        with quiet_tifffile(), tifffile.TiffFile(source) as tif:
            if not tif.series:
                raise UserInputError(f"{path}: TIFF file holds no image")
            series = tif.series[0]
            _check_complete(tif, series, path)
            image = series.asarray()
            if image.size == 0:
                raise UserInputError(f"{path}: the image is empty (shape {image.shape})")
            meta = _meta(path, series.axes, _kind(tif))
            meta.update(_physical_sizes(tif, series))
            meta["record"] = parse_record(tif.pages.first.description)
            meta["skipped"] = [
                f"{path.name}: image series {i} ({s.shape}, axes {s.axes}) not read"
                for i, s in enumerate(tif.series[1:], start=1)
            ]
    except (UserInputError, PermissionError):
        raise
    except tifffile.TiffFileError as exc:
        raise UserInputError(f"{path}: not a valid TIFF file ({_short(exc)})") from exc
    except Exception as exc:  # decoder errors on damaged data
        raise UserInputError(f"{path}: damaged TIFF file ({_short(exc)})") from exc
    return image, meta


def read_record(path: str | os.PathLike) -> dict[str, Any] | None:
    """The record of a TIFF written by this package (:mod:`.record`), without decoding
    pixels; None for any other file, or one that cannot be read."""
    import tifffile

    try:
        with quiet_tifffile(), tifffile.TiffFile(_source(Path(path))) as tif:
            return parse_record(tif.pages.first.description)
    except Exception:  # not a TIFF, or damaged: whoever reads its pixels says so
        return None


def read_header(path: str | os.PathLike) -> dict[str, Any]:
    """Shape, dtype, axes and recorded pixel size (µm, or None) of a TIFF without decoding
    pixels; checks it is complete. Raises :class:`UserInputError` like :func:`read_image`.
    """
    import tifffile

    path = Path(path)
    try:
        with quiet_tifffile(), tifffile.TiffFile(_source(path)) as tif:
            if not tif.series:
                raise UserInputError(f"{path}: TIFF file holds no image")
            series = tif.series[0]
            _check_complete(tif, series, path)
            return {
                "shape": tuple(series.shape),
                "dtype": np.dtype(series.dtype),
                "axes": series.axes,
                "pixel_size_um": _physical_sizes(tif, series).get("pixel_size_um"),
            }
    except UserInputError:
        raise
    except PermissionError as exc:
        raise UserInputError(f"{path}: permission denied") from exc
    except tifffile.TiffFileError as exc:
        raise UserInputError(f"{path}: not a valid TIFF file ({_short(exc)})") from exc
    except OSError as exc:
        raise UserInputError(f"{path}: cannot read ({_short(exc)})") from exc


def _check_complete(tif: Any, series: Any, path: Path) -> None:
    """Raise when strips/tiles point past the end of the file (a truncated download)."""
    fh = tif.filehandle
    size = fh.size
    for page in series.pages:
        if page is None:
            continue
        offsets = getattr(page, "dataoffsets", ())
        counts = getattr(page, "databytecounts", ())
        if offsets and counts and max(o + c for o, c in zip(offsets, counts)) > size:
            raise UserInputError(
                f"{path}: truncated TIFF file (image data end beyond its {size} bytes)"
            )


def _kind(tif: Any) -> str:
    if tif.is_ome:
        return "ome"
    if tif.is_imagej:
        return "imagej"
    return "tiff"


def _meta(path: Path, axes: str, kind: str) -> dict[str, Any]:
    return {
        "axes": axes,
        "pixel_size_um": None,
        "z_step_um": None,
        "format": kind,
        "source": str(path),
        "skipped": [],
        "record": None,
    }


def _physical_sizes(tif: Any, series: Any) -> dict[str, Any]:
    """Pixel size and z step in micrometres from OME or ImageJ metadata, when present."""
    out: dict[str, Any] = {}
    if tif.is_ome:
        import re

        xml = tif.ome_metadata or ""
        for key, name in (("PhysicalSizeX", "pixel_size_um"), ("PhysicalSizeZ", "z_step_um")):
            m = re.search(rf'{key}="([0-9.eE+-]+)"', xml)
            unit = re.search(rf'{key}Unit="([^"]+)"', xml)
            if m:
                factor = {"nm": 1e-3, "mm": 1e3, "cm": 1e4, "m": 1e6}.get(
                    unit[1] if unit else "µm", 1.0
                )
                out[name] = float(m[1]) * factor
        return out
    page = series.pages[0]
    tags = page.tags
    if tif.is_imagej:
        ij = tif.imagej_metadata or {}
        unit = str(ij.get("unit", "")).lower().replace("\\u00b5", "u")
        if unit in ("micron", "um", "µm", "microns") and "XResolution" in tags:
            num, den = tags["XResolution"].value
            if num:
                out["pixel_size_um"] = den / num
        if "spacing" in ij and unit in ("micron", "um", "µm", "microns"):
            out["z_step_um"] = float(ij["spacing"])
        return out
    if "XResolution" in tags and "ResolutionUnit" in tags:
        unit = int(tags["ResolutionUnit"].value)
        num, den = tags["XResolution"].value
        if num and unit == 3:  # centimetre
            out["pixel_size_um"] = 1e4 * den / num
    return out


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def write_tiff(
    path: str | os.PathLike,
    array: np.ndarray,
    *,
    metadata: dict[str, Any] | None = None,
    compression: str | None = "lzw",
) -> Path:
    """Write ``array`` as a TIFF (LZW by default, as BBBC006).

    Without ``metadata`` a plain single-series TIFF is written (like BBBC006). With
    ``metadata`` an ImageJ-compatible file is written: ``axes`` (e.g. ``"ZYX"``),
    ``pixel_size_um`` and ``z_step_um`` are stored so :func:`read_image` returns them.
    The file appears complete or not at all (written under a temporary name).
    """
    import tifffile

    path = Path(path)
    array = np.asarray(array)
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"compression": compression}
    if metadata:
        ij: dict[str, Any] = {"axes": metadata.get("axes", "YX" if array.ndim == 2 else "ZYX")}
        px = metadata.get("pixel_size_um")
        if px:
            kwargs["resolution"] = (1.0 / px, 1.0 / px)
            ij["unit"] = "um"
        if metadata.get("z_step_um"):
            ij["spacing"] = float(metadata["z_step_um"])
        kwargs.update(imagej=True, metadata=ij)
        if array.dtype == np.float64:  # ImageJ stores float32 at most
            array = array.astype(np.float32)
    from napari_defocus_deblur.io.atomic import atomic_write

    return atomic_write(path, lambda tmp: tifffile.imwrite(tmp, array, **kwargs))
