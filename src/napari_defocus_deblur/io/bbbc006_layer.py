"""One napari Image layer per BBBC006 channel: a lazy (field, z, y, x) dask stack.

Used by :func:`napari_defocus_deblur.io.reader.read_bbbc006`. Missing planes are
zero-filled and unreadable or odd-shaped images are replaced by zeros; both are
reported with ``warnings.warn``.
"""

from __future__ import annotations

import itertools
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.constants import CHANNELS, PIXEL_SIZE_UM, plane_to_offset_um
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io import bbbc006 as b6
from napari_defocus_deblur.io.display import channel_display, z_step_um
from napari_defocus_deblur.io.tiff import read_header, read_image

LayerData = tuple[Any, dict, str]
#: Files of one channel: ``table[field][plane]`` is a path, or None when missing.
Table = list[list[Any]]
_VALIDATE_MAX_FILES = 400  # header-check every file up front when no more than this


def channel_layer(index: b6.Bbbc006Index, channel: int) -> LayerData | None:
    """The Image layer of ``channel`` in ``index``, or None (with a warning) if unreadable.

    Parameters
    ----------
    index
        Files of a BBBC006 root, plane folder or archive (:func:`.bbbc006.discover`).
    channel
        Channel number (1: Hoechst, 2: phalloidin).

    Returns
    -------
    ``(data, kwargs, "image")``: one field gives ``(z, y, x)``, several give
    ``(field, z, y, x)``; the z axis is dropped when no plane number is known.
    """
    keys = sorted(k for k in index.files if k[2] == channel)
    fields = [f"{well}_s{site}" for well, site, _ in keys]
    present = list(index.planes)
    _warn_missing(
        channel, fields, present, [[index.files[k].get(z) for z in present] for k in keys]
    )
    planes = even_planes(present)
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
    n_files = sum(p is not None for row in table for p in row)
    if n_files <= _VALIDATE_MAX_FILES:
        _drop_unusable(channel, table, shape)
    token = (str(index.root), channel, fields[0], fields[-1], planes, n_files, shape)
    stack = _lazy_stack(table, shape, dtype, f"bbbc006-w{channel}", token)
    known = [z for z in planes if z != b6.UNKNOWN_PLANE]
    data, scale, labels = _arrange_axes(stack, len(fields), known)
    if len(fields) == 1:
        name = f"{fields[0]} w{channel} {stain}"
    else:
        name = f"BBBC006 w{channel} {stain} ({len(fields)} fields)"
    kwargs = {
        "name": name,
        "scale": scale,
        "axis_labels": labels,
        "metadata": _metadata(index, channel, stain, known, fields, table),
        "contrast_limits": limits,
        **channel_display(channel),
    }
    return data, kwargs, "image"


#: Largest deviation of plane steps from their mean for which one averaged z scale is
#: shown (planes 0, 16, 33: 32 and 34 µm steps, 3 % off).
EVEN_TOLERANCE = 0.1


def even_planes(planes: list[int]) -> list[int]:
    """``planes`` with the planes between them added where their spacing is uneven.

    napari has one z scale per layer, so planes 0, 16, 21 and 33 are shown as the 34
    planes 0..33 (the absent ones zero-filled) at their true 2 µm step, not as four planes
    at an averaged 22 µm. Sets whose steps are within :data:`EVEN_TOLERANCE` of their
    mean (16 and 33; 0, 16 and 33) are kept as they are.
    """
    known = sorted(z for z in planes if z != b6.UNKNOWN_PLANE)
    steps = [b - a for a, b in itertools.pairwise(known)]
    mean = sum(steps) / len(steps) if steps else 0.0
    if all(abs(d - mean) <= EVEN_TOLERANCE * mean for d in steps):
        return list(planes)
    step = math.gcd(*steps)
    extra = [b6.UNKNOWN_PLANE] if b6.UNKNOWN_PLANE in planes else []
    return extra + list(range(known[0], known[-1] + 1, step))


def _reference(table: Table, planes: list[int]) -> tuple[tuple, np.dtype, tuple] | None:
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


def _warn_missing(channel: int, fields: list[str], planes: list[int], table: Table) -> None:
    """Warn about the (field, plane) images absent from ``table`` (shown as zeros)."""
    problems = [
        f"{f} z_{z:02d}" for f, row in zip(fields, table) for z, p in zip(planes, row) if p is None
    ]
    if problems:
        warnings.warn(
            f"w{channel}: {len(problems)} image(s) missing, filled with zeros: "
            f"{_shorten(problems)}",
            stacklevel=4,
        )


def _drop_unusable(channel: int, table: Table, shape: tuple[int, ...]) -> None:
    """Header-check every file; unreadable or odd-shaped ones become None (zeros shown)."""
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
            stacklevel=4,
        )


def _lazy_stack(
    table: Table, shape: tuple[int, ...], dtype: Any, prefix: str, token: tuple
) -> Any:
    """A ``(field, z, y, x)`` dask array reading one file per chunk when it is shown."""
    import dask.array as da
    from dask.base import tokenize

    def load(block_id=None):
        f, z = block_id[0], block_id[1]
        return _load_plane(table[f][z], shape, dtype)[None, None]

    return da.map_blocks(
        load,
        name=f"{prefix}-{tokenize(*token)}",
        chunks=((1,) * len(table), (1,) * len(table[0]), (shape[0],), (shape[1],)),
        dtype=dtype,
        meta=np.empty((0, 0, 0, 0), dtype=dtype),
    )


def _arrange_axes(data: Any, n_fields: int, known: list[int]) -> tuple[Any, tuple, tuple]:
    """``(data, scale, axis labels)``: drop the field axis for one field, z without planes."""
    z_axis = bool(known)
    scale: tuple = (
        (z_step_um(known), PIXEL_SIZE_UM, PIXEL_SIZE_UM)
        if z_axis
        else (1.0, PIXEL_SIZE_UM, PIXEL_SIZE_UM)
    )
    labels: tuple = ("z", "y", "x")
    if n_fields == 1:
        data = data[0] if z_axis else data[0, 0]
        scale = scale if z_axis else scale[1:]
        labels = labels if z_axis else labels[1:]
    else:
        data = data if z_axis else data[:, 0]
        scale = (1.0, *scale) if z_axis else scale
        labels = ("field", *labels) if z_axis else ("field", "y", "x")
    return data, scale, labels


def _metadata(
    index: b6.Bbbc006Index,
    channel: int,
    stain: str,
    known: list[int],
    fields: list[str],
    table: Table,
) -> dict[str, Any]:
    """Layer metadata: data set, channel, planes, fields and the file of every plane."""
    metadata = {
        "dataset": "BBBC006",
        "root": str(index.root),
        "channel": channel,
        "stain": stain,
        "planes": known,
        "planes_present": [z for z in index.planes if z != b6.UNKNOWN_PLANE],
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
    return metadata


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
