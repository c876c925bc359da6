"""npe2 reader: BBBC006 roots, plane folders and archives, single TIFFs and TIFF z-stacks.

* **BBBC006** (a root of ``BBBC006_v1_images_z_NN`` folders and/or ``.zip`` archives, one
  plane folder or archive): one Image layer per channel. A single field gives a
  ``(z, y, x)`` stack; several fields give a lazy ``(field, z, y, x)`` dask array, of
  which napari reads only the plane on screen, so opening the full set (768 fields x 34
  planes x 2 channels) lists names and reads one file. Missing planes are zero-filled and
  unreadable or odd-shaped images are replaced by zeros; both are reported with
  ``warnings.warn``. Zip bombs are refused before anything is read (io.archive).
* **TIFF**: BBBC006 TIFFs and generic 2-D images / z-stacks; ImageJ and OME axes and
  pixel sizes are honoured, ``C`` axes become one layer per channel and RGB stays RGB.

``get_reader`` never raises: for paths it does not handle it returns None (after a
warning naming the problem when a ``.tif`` is not a readable TIFF).
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.constants import CHANNELS, PIXEL_SIZE_UM, plane_to_offset_um
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io import bbbc006 as b6
from napari_defocus_deblur.io.display import channel_display, z_step_um
from napari_defocus_deblur.io.tiff import TIFF_SUFFIXES, read_header, read_image

LayerData = tuple[Any, dict, str]
_VALIDATE_MAX_FILES = 400  # header-check every file up front when no more than this


def get_reader(path: str | os.PathLike | list) -> Any:
    """Return a reader function for ``path``, or None when this plugin does not read it."""
    try:
        return _pick(path)
    except Exception:  # never raise from the sniffer
        return None


def _pick(path: Any) -> Any:
    if isinstance(path, list | tuple):
        if len(path) == 1:
            return _pick(path[0])
        paths = [Path(p) for p in path]
        if paths and all(p.suffix.lower() in TIFF_SUFFIXES and p.is_file() for p in paths):
            return read_tiffs
        return None
    p = Path(path)
    if p.is_dir() or p.suffix.lower() == ".zip":
        return read_bbbc006 if b6.is_bbbc006(p) else None
    if p.suffix.lower() in TIFF_SUFFIXES and p.is_file():
        try:
            read_header(p)
        except UserInputError as exc:
            warnings.warn(f"cannot open {p}: {exc}", stacklevel=2)
            return None
        return read_tiffs
    return None


def read_tiffs(path: str | os.PathLike | list) -> list[LayerData]:
    """Layers of one or several TIFF files (unreadable files are skipped with a warning)."""
    paths = [Path(p) for p in path] if isinstance(path, list | tuple) else [Path(path)]
    layers: list[LayerData] = []
    for p in paths:
        try:
            layers.extend(_tiff_layers(p))
        except UserInputError as exc:
            warnings.warn(f"skipped {p.name}: {exc}", stacklevel=2)
    return layers


def _tiff_layers(path: Path) -> list[LayerData]:
    image, meta = read_image(path)
    for message in meta["skipped"]:
        warnings.warn(message, stacklevel=3)
    axes = meta["axes"]
    name = path.stem
    metadata: dict[str, Any] = {
        k: meta[k] for k in ("axes", "pixel_size_um", "z_step_um", "format", "source")
    }
    parsed = b6.parse_name(path.name)
    px = meta["pixel_size_um"]
    if parsed is not None:
        plane = b6.plane_from_name(path.parent.name)
        metadata.update(
            well=parsed.well,
            site=parsed.site,
            channel=parsed.channel,
            field_id=parsed.field_id,
            plane=plane,
            stage_offset_um=None if plane is None else plane_to_offset_um(plane),
        )
        name = f"{parsed.field_id} w{parsed.channel}" + ("" if plane is None else f" z{plane:02d}")
        px = px or PIXEL_SIZE_UM
    kwargs: dict[str, Any] = {"name": name, "metadata": metadata}
    rgb = axes.endswith("S") and image.shape[-1] in (3, 4)
    spatial = [a for a in axes if a not in "CS"] if rgb or "S" not in axes else list(axes)
    if "S" in axes and not rgb:  # samples that are not colour: treat as channels
        axes = axes.replace("S", "C")
        spatial = [a for a in axes if a != "C"]
    scale = [
        (px or 1.0) if a in "YX" else (meta["z_step_um"] or 1.0) if a == "Z" else 1.0
        for a in spatial
    ]
    kwargs["scale"] = tuple(scale)
    if rgb:
        kwargs["rgb"] = True
    if "C" in axes:
        kwargs["channel_axis"] = axes.index("C")
        kwargs["name"] = [f"{name} c{i}" for i in range(image.shape[axes.index("C")])]
    return [(image, kwargs, "image")]


def read_bbbc006(path: str | os.PathLike | list) -> list[LayerData]:
    """Layers of a BBBC006 root, plane folder or plane archive (see module docstring)."""
    if isinstance(path, list | tuple):
        path = path[0]
    _check_archives(Path(path))
    index = b6.discover(path)
    for message in index.skipped:
        warnings.warn(message, stacklevel=2)
    layers = []
    for channel in index.channels:
        layer = _channel_layer(index, channel)
        if layer is not None:
            layers.append(layer)
    return layers


def _check_archives(path: Path) -> None:
    """Refuse archives with too many or too expanding members before reading any."""
    from napari_defocus_deblur.io.archive import check_archive_file

    for archive in sorted(path.iterdir()) if path.is_dir() else [path]:
        if archive.suffix.lower() == ".zip":
            check_archive_file(archive)


def _reference(table: list[list[str | None]], planes: list[int]):
    """Shape, dtype and contrast limits from one image (the in-focus plane if present)."""
    order = sorted(range(len(planes)), key=lambda i: abs(planes[i] - 16))
    for row in table[:20]:
        for i in order:
            if row[i] is None:
                continue
            try:
                image, _ = read_image(row[i])
            except UserInputError:
                continue
            if image.ndim == 2:
                lo, hi = np.percentile(image, (0.1, 99.9))
                return image.shape, image.dtype, (float(lo), float(max(hi, lo + 1)))
    return None


def _channel_layer(index: b6.Bbbc006Index, channel: int) -> LayerData | None:
    import dask.array as da

    keys = sorted(k for k in index.files if k[2] == channel)
    fields = [f"{well}_s{site}" for well, site, _ in keys]
    planes = list(index.planes)
    table = [[index.files[k].get(z) for z in planes] for k in keys]
    ref = _reference(table, planes)
    stain = CHANNELS.get(channel, (f"channel {channel}", None))[0]
    if ref is None:
        warnings.warn(
            f"no readable 2-D image in channel w{channel} of {index.root}; channel skipped",
            stacklevel=3,
        )
        return None
    shape, dtype, limits = ref
    problems = [
        f"{f} z_{z:02d}" for f, row in zip(fields, table) for z, p in zip(planes, row) if p is None
    ]
    if problems:
        warnings.warn(
            f"w{channel}: {len(problems)} image(s) missing, filled with zeros: "
            f"{_shorten(problems)}",
            stacklevel=3,
        )
    n_files = sum(p is not None for row in table for p in row)
    if n_files <= _VALIDATE_MAX_FILES:
        bad = []
        for row in table:
            for i, p in enumerate(row):
                reason = None if p is None else _check(p, shape)
                if reason:
                    bad.append(f"{Path(p).name}: {reason}")
                    row[i] = None
        if bad:
            warnings.warn(
                f"w{channel}: skipped {len(bad)} image(s) (zeros shown): {_shorten(bad)}",
                stacklevel=3,
            )

    def load(block_id=None):
        f, z = block_id[0], block_id[1]
        return _load_plane(table[f][z], shape, dtype)[None, None]

    from dask.base import tokenize

    token = tokenize(str(index.root), channel, fields[0], fields[-1], planes, n_files, shape)
    data = da.map_blocks(
        load,
        name=f"bbbc006-w{channel}-{token}",
        chunks=((1,) * len(fields), (1,) * len(planes), (shape[0],), (shape[1],)),
        dtype=dtype,
        meta=np.empty((0, 0, 0, 0), dtype=dtype),
    )
    known = [z for z in planes if z != b6.UNKNOWN_PLANE]
    z_axis = bool(known)
    scale: tuple = (
        (z_step_um(known), PIXEL_SIZE_UM, PIXEL_SIZE_UM)
        if z_axis
        else (1.0, PIXEL_SIZE_UM, PIXEL_SIZE_UM)
    )
    labels: tuple = ("z", "y", "x")
    if len(fields) == 1:
        data = data[0] if z_axis else data[0, 0]
        scale = scale if z_axis else scale[1:]
        labels = labels if z_axis else labels[1:]
        name = f"{fields[0]} w{channel} {stain}"
    else:
        data = data if z_axis else data[:, 0]
        scale = (1.0, *scale) if z_axis else scale
        labels = ("field", *labels) if z_axis else ("field", "y", "x")
        name = f"BBBC006 w{channel} {stain} ({len(fields)} fields)"
    metadata = {
        "dataset": "BBBC006",
        "root": str(index.root),
        "channel": channel,
        "stain": stain,
        "planes": known,
        "stage_offsets_um": [plane_to_offset_um(z) for z in known],
        "fields": fields,
        "well": [b6.split_field_id(f)[0] for f in fields],
        "site": [b6.split_field_id(f)[1] for f in fields],
        "source_files": table,
    }
    if len(fields) == 1:
        metadata.update(
            well=metadata["well"][0],
            site=metadata["site"][0],
            source_files=metadata["source_files"][0],
        )
    kwargs = {
        "name": name,
        "scale": scale,
        "axis_labels": labels,
        "metadata": metadata,
        "contrast_limits": limits,
        **channel_display(channel),
    }
    return data, kwargs, "image"


def _check(path: Path, shape: tuple[int, ...]) -> str | None:
    try:
        header = read_header(path)
    except UserInputError as exc:
        return str(exc).split(": ", 1)[-1]
    if header["shape"] != tuple(shape):
        kind = (
            "RGB image"
            if len(header["shape"]) == 3 and header["shape"][-1] in (3, 4)
            else ("shape")
        )
        return f"{kind} {header['shape']} differs from {tuple(shape)}"
    return None


def _load_plane(path: Path | None, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    if path is None:
        return np.zeros(shape, dtype=dtype)
    try:
        image, _ = read_image(path)
    except UserInputError as exc:
        warnings.warn(f"skipped {exc}", stacklevel=2)
        return np.zeros(shape, dtype=dtype)
    if image.shape != tuple(shape):
        warnings.warn(
            f"skipped {Path(path).name}: shape {image.shape} differs from {tuple(shape)}",
            stacklevel=2,
        )
        return np.zeros(shape, dtype=dtype)
    return image.astype(dtype, copy=False)


def _shorten(items: list[str], n: int = 8) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")
