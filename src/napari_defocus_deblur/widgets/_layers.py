"""The plugin's own helper layers (results, previews) and adding or replacing a layer.

Helper layers are never preselected as an input: a result carries
``metadata["deblurred_from"]``, and every layer the widgets draw for display only (the
training preview) carries ``metadata["napari_defocus_deblur_helper"]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import napari
    from napari.layers import Image

#: ``layer.metadata`` key naming the input a result layer was computed from.
RESULT_KEY = "deblurred_from"
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
    name: str,
    image: np.ndarray,
    limits: tuple[float, float],
    **kwargs: Any,
) -> tuple[Image, bool]:
    """Show ``image`` in the layer called ``name``: replace its data when the layer exists
    with the same dimensionality, else add a new one (removing a stale one).

    ``kwargs`` (scale, translate, metadata, display) go to ``add_image`` for a new layer;
    scale, translate and metadata are also set on a reused one. Returns the layer and
    whether it is new.
    """
    if name in viewer.layers and viewer.layers[name].ndim == image.ndim:
        layer = viewer.layers[name]
        layer.data = image
        for key in ("scale", "translate", "metadata"):
            if key in kwargs:
                setattr(layer, key, kwargs[key])
        layer.contrast_limits_range = limits
        layer.contrast_limits = limits
        return layer, False
    if name in viewer.layers:
        viewer.layers.remove(name)
    return viewer.add_image(image, name=name, contrast_limits=limits, **kwargs), True
