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

from napari_defocus_deblur.constants import PIXEL_SIZE_UM, plane_to_offset_um
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io import bbbc006 as b6
from napari_defocus_deblur.io.bbbc006_layer import LayerData, channel_layer
from napari_defocus_deblur.io.record import RESULT_KEY, layer_record
from napari_defocus_deblur.io.tiff import TIFF_SUFFIXES, read_header, read_image


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
    name = _as_result(meta.get("record"), name, metadata)
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


def _as_result(record: dict[str, Any] | None, name: str, metadata: dict[str, Any]) -> str:
    """A TIFF this package wrote opens as the result it is: its record in
    ``metadata["deblur_record"]`` and the result keys the widgets read (so it is never
    preselected as an input, and Compare pairs it with its input when that is open under
    the name it had); returns the layer's name."""
    if record is None:
        return name
    saved = layer_record(record)  # a result layer saved from napari (writer.py)
    if not saved and "model" not in record:  # another layer saved by the same writer
        return str(record.get("name") or name)
    metadata.pop("stage_offset_um", None)  # the pixels are no longer that far from focus
    metadata["deblur_record"] = record
    if saved:
        metadata.update(saved)
        return str(record.get("name") or name)
    # a result of `defocus-deblur predict`, named after its input like the input's layer
    metadata.update({RESULT_KEY: name, "depths_um": record.get("told_um") or []})
    return f"{name} · deblurred {record['model']}"


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
        layer = channel_layer(index, channel)
        if layer is not None:
            layers.append(layer)
    return layers


def _check_archives(path: Path) -> None:
    """Refuse archives with too many or too expanding members before reading any."""
    from napari_defocus_deblur.io.archive import check_archive_file

    for archive in sorted(path.iterdir()) if path.is_dir() else [path]:
        if archive.suffix.lower() == ".zip":
            check_archive_file(archive)
