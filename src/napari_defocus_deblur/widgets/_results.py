"""Adding (or replacing) the deblurred layer next to its input."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import napari
    from napari.layers import Image, Layer

#: ``layer.metadata`` key naming the input a result layer was computed from.
SOURCE_KEY = "deblurred_from"


def result_name(source: str, label: str) -> str:
    """``"<input> · deblurred 34 µm sum"`` (``label`` is the job's ``"34 µm sum"``)."""
    return f"{source} · deblurred {label}"


def find_result(viewer: napari.Viewer, source: Layer) -> Image | None:
    """The layer holding the last result computed from ``source``, if any."""
    from napari.layers import Image

    for layer in viewer.layers:
        if isinstance(layer, Image) and layer.metadata.get(SOURCE_KEY) == source.name:
            return layer
    return None


def contrast_limits(image: np.ndarray) -> tuple[float, float]:
    """0.1-99.9 percentile display range (on a subsample for big stacks)."""
    flat = np.asarray(image).ravel()
    if flat.size > 4_000_000:
        flat = flat[:: flat.size // 4_000_000 + 1]
    finite = flat[np.isfinite(flat)]
    if finite.size == 0:
        return (0.0, 1.0)
    lo, hi = (float(v) for v in np.percentile(finite, [0.1, 99.9]))
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def show_result(
    viewer: napari.Viewer,
    source: Image,
    result: np.ndarray,
    job: Any,
    current: tuple[int, ...] | None,
) -> Image:
    """Put ``result`` in the viewer right above ``source``, replacing an earlier result.

    The result has the source's scale, translate (shifted to the processed plane when only
    one plane of a stack was deblurred), colormap and blending. When it is new, the source
    is hidden so that the two are not blended together (its eye icon brings it back).
    """
    translate = np.asarray(source.translate, dtype=float).copy()
    scale = np.asarray(source.scale, dtype=float)
    if current:
        translate[: len(current)] += np.asarray(current) * scale[: len(current)]
    name = result_name(source.name, job.label)
    metadata = {
        SOURCE_KEY: source.name,
        "model_depths_um": list(job.depths_um),
        "fusion": job.fusion,
        "models": sorted({str(p) for p in job.models}),
        "plane": list(current) if current else None,
    }
    limits = contrast_limits(result)
    existing = find_result(viewer, source)
    if existing is not None and existing.data.shape == result.shape:
        existing.data = result
        existing.translate = translate
        existing.name = name
        existing.metadata = metadata
        existing.contrast_limits_range = limits
        existing.contrast_limits = limits
        return existing
    position = viewer.layers.index(source) + 1
    if existing is not None:  # different shape (slice vs stack): swap the layer
        position = viewer.layers.index(existing)
        viewer.layers.remove(existing)
    layer = viewer.add_image(
        result,
        name=name,
        scale=scale,
        translate=translate,
        colormap=source.colormap.name,
        blending=source.blending,
        contrast_limits=limits,
        metadata=metadata,
    )
    viewer.layers.move(viewer.layers.index(layer), position)
    if existing is None:  # first result: show it instead of (not summed with) the input
        source.visible = False
    return layer
