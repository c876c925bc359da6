"""The plugin's own helper layers (results, previews) and adding or replacing a layer.

Helper layers are never preselected as an input: a result carries
``metadata["deblurred_from"]``, and every layer the widgets draw for display only (the
training preview) carries ``metadata["napari_defocus_deblur_helper"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from napari_defocus_deblur.io.record import RESULT_KEY

if TYPE_CHECKING:
    import napari
    from napari.layers import Image

#: ``layer.metadata`` key of layers the widgets draw for display only.
HELPER_KEY = "napari_defocus_deblur_helper"


def is_helper(layer: Any) -> bool:
    """True for the plugin's own results and previews (never an input to preselect)."""
    metadata = getattr(layer, "metadata", None) or {}
    return RESULT_KEY in metadata or HELPER_KEY in metadata


def user_layers(layers: list[Any]) -> list[Any]:
    """``layers`` without the plugin's helper layers."""
    return [layer for layer in layers if not is_helper(layer)]


def put_image(
    viewer: napari.Viewer,
    existing: Any,
    name: str,
    image: np.ndarray,
    limits: tuple[float, float],
    **kwargs: Any,
) -> tuple[Image, bool]:
    """Show ``image`` as ``name``: in ``existing`` when it is still in the viewer with the
    same shape (data, name, contrast and ``scale``/``translate``/``metadata`` replaced),
    else in a new layer (``existing`` is removed). ``kwargs`` go to ``add_image``.

    The one "add or replace a layer" of the widgets (results and the training preview).
    Returns the layer and whether it is new.
    """
    if existing is not None and existing in viewer.layers and existing.data.shape == image.shape:
        existing.data = image
        existing.name = name
        for key in ("scale", "translate", "metadata"):
            if key in kwargs:
                setattr(existing, key, kwargs[key])
        existing.contrast_limits_range = limits
        existing.contrast_limits = limits
        return existing, False
    if existing is not None and existing in viewer.layers:
        viewer.layers.remove(existing)
    return viewer.add_image(image, name=name, contrast_limits=limits, **kwargs), True
