"""npe2 writer: save a deblurred layer as a TIFF that keeps how it was made.

The writer claims the compound extensions ``.deblurred.tif`` and ``.deblurred.tiff``
(as OME writers claim ``.ome.tiff``), not plain ``.tif``: npe2 breaks a tie between
writers of one extension by the order it discovered the plugins, which differs from one
installation to the next, so a plain ``.tif`` claim would make this writer napari's
default TIFF writer on some machines. ``name.deblurred.tif`` picks it without naming
the plugin; ``name.tif`` stays napari's own writer unless this one is chosen.

*File ▸ Save Selected Layer(s)…* with the *Defocus Deblur* file type writes the layer's
pixels (float32 as computed, uncompressed; integers zlib-compressed) and, as JSON in
the ImageDescription, its record: the input it came from, the distance each plane was
deblurred for and the stage offset and side of focus it was given, the fusion, the
models, the pixel size. The plugin's reader opens such a file as the result it was
(:func:`napari_defocus_deblur.io.reader.read_tiffs`), so Compare pairs it with its input
again. Any other grey-level image layer is saved the same way, without a record.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.record import RESULT_RECORD_KEYS, SOFTWARE

#: The file names this writer claims (npe2 prefers the longest matching extension).
RESULT_EXTENSIONS = (".deblurred.tif", ".deblurred.tiff")

#: TIFF axes of a layer by its number of dimensions (others: tifffile's own).
AXES = {2: "YX", 3: "ZYX"}


def write_deblurred(path: str, data: Any, meta: dict[str, Any]) -> list[str]:
    """Write one image layer (npe2 single-layer writer).

    Parameters
    ----------
    path
        Where to write; a name without ``.tif``/``.tiff`` gets ``.deblurred.tif``.
    data
        The layer's data (the full-resolution level of a multiscale layer is written).
    meta
        The layer's attributes as napari passes them (``name``, ``scale``,
        ``metadata``, ``rgb``, ``multiscale``).

    Returns
    -------
    list of str
        The path written.

    Raises
    ------
    UserInputError
        An RGB layer, or pixels that are NaN or infinite (nothing is written).
    """
    from napari_defocus_deblur import __version__
    from napari_defocus_deblur.inference.files import write_output

    target = Path(path)
    if target.suffix.lower() not in (".tif", ".tiff"):
        target = target.with_name(target.name + RESULT_EXTENSIONS[0])
    name = str(meta.get("name") or target.stem)
    if meta.get("rgb"):
        raise UserInputError(f"cannot save '{name}': this writer saves grey-level images")
    array = np.asarray(data[0] if meta.get("multiscale") else data)
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise UserInputError(f"cannot save '{name}': it holds NaN or infinite values")
    record = {
        "name": name,
        "axes": AXES.get(array.ndim),
        "pixel_size_um": pixel_size_um(meta.get("scale"), meta.get("metadata") or {}),
        **saved_record(meta.get("metadata") or {}),
        "software": f"{SOFTWARE} {__version__}",
    }
    return [str(write_output(target, array, record))]


def saved_record(metadata: dict[str, Any]) -> dict[str, Any]:
    """The deblurring record in a layer's metadata, as JSON-ready values."""
    return {key: _plain(metadata[key]) for key in RESULT_RECORD_KEYS if key in metadata}


def pixel_size_um(scale: Sequence[float] | None, metadata: dict[str, Any]) -> float | None:
    """The layer's pixel size in µm: its metadata's, else a square pixel scale other
    than napari's default 1 (which says nothing about units)."""
    recorded = metadata.get("pixel_size_um")
    if isinstance(recorded, int | float) and recorded > 0:
        return float(recorded)
    if scale is None or len(scale) < 2:
        return None
    dy, dx = (float(v) for v in scale[-2:])
    return dx if dx == dy and dx > 0 and dx != 1.0 else None


def _plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays turned into JSON types."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
