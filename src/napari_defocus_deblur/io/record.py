"""The record of how an image was deblurred, as a layer and a TIFF keep it.

A result layer of the Deblur widget carries its record in ``layer.metadata`` (the input
it came from under :data:`RESULT_KEY`, the distances, sides of focus, fusion, models
and the mirror views and pixel phases averaged); ``defocus-deblur predict`` and the
plugin's writer store a record as JSON in the TIFF's ImageDescription, named by
:data:`SOFTWARE`; :func:`parse_record` reads it back (``io.tiff.read_image`` returns it
as ``metadata["record"]``), so a saved result opens as the result it was.
"""

from __future__ import annotations

import json
from typing import Any

#: ``layer.metadata`` key naming the input a result layer was computed from.
RESULT_KEY = "deblurred_from"
#: What a result layer's metadata records, each kept when the layer is saved.
RESULT_RECORD_KEYS = (
    RESULT_KEY,
    "depths_um",
    "stage_um",
    "sides",
    "estimated",
    "confidences",
    "fusion",
    "models",
    "views",
    "phases",
    "plane",
)
#: What TIFFs written by this package name as their ``software``.
SOFTWARE = "napari-defocus-deblur"


def parse_record(description: str) -> dict[str, Any] | None:
    """The record in a TIFF ImageDescription written by this package, else None."""
    if not description.startswith("{"):
        return None
    try:
        record = json.loads(description)
    except ValueError:
        return None
    if not isinstance(record, dict) or not str(record.get("software", "")).startswith(SOFTWARE):
        return None
    return record


def layer_record(record: dict[str, Any]) -> dict[str, Any]:
    """The result-layer metadata in a saved ``record`` (empty when it holds none)."""
    if RESULT_KEY not in record:
        return {}
    return {key: record[key] for key in RESULT_RECORD_KEYS if key in record}
