"""Adding, replacing or updating the deblurred layer next to its input, with a name that
says what was done."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from napari_defocus_deblur.widgets._layers import RESULT_KEY, put_image

if TYPE_CHECKING:
    import napari
    from napari.layers import Image, Layer

#: ``layer.metadata`` key naming the input a result layer was computed from.
SOURCE_KEY = RESULT_KEY
#: What :func:`show_result` did, for the status line.
ADDED, REPLACED, UPDATED = "added", "replaced", "updated"


def depth_text(depths: Sequence[float], estimated: bool = False) -> str:
    """``"34 µm"``, ``"12-30 µm per plane"`` or ``"31.6 µm (estimated)"``."""

    def fmt(d: float) -> str:
        return f"{d:.1f}" if estimated else f"{d:g}"

    values = sorted({round(float(d), 1) for d in depths})
    if not values:
        return "? µm"
    text = f"{fmt(values[0])} µm"
    if len(values) > 1:
        text = f"{fmt(values[0])}-{fmt(values[-1])} µm per plane"
    return f"{text} (estimated)" if estimated else text


def side_text(sides: Sequence[str]) -> str:
    """``" above focus"`` when every plane lay above focus, ``", above and below focus"``
    for a stack with planes on both sides, else nothing (below focus is the paper's and
    the knob's convention)."""
    found = set(sides)
    if found == {"above"}:
        return " above focus"
    return ", above and below focus" if len(found) > 1 else ""


def plane_text(plane: Sequence[int], labels: Sequence[str] = ()) -> str:
    """``"plane 2"``, or with named axes ``"field 1, z 6"`` (napari's numeric default
    labels say nothing, so they are not used)."""
    named = [str(a) for a in labels][-len(plane) :] if labels else []
    if len(named) == len(plane) and not any(a.lstrip("-").isdigit() for a in named):
        return ", ".join(f"{a} {i}" for a, i in zip(named, plane))
    return f"plane {','.join(str(i) for i in plane)}"


def result_name(
    source: str,
    depths: Sequence[float],
    fusion: str,
    estimated: bool = False,
    plane: Sequence[int] | None = None,
    labels: Sequence[str] = (),
    sides: Sequence[str] = (),
) -> str:
    """``"<input> · deblurred 34 µm sum"``; a single plane of a stack says which one:
    ``"<input> · deblurred plane 2 at 30 µm sum"`` (``"field 1, z 6 at …"`` when the axes
    are named); a stack restored at each plane's own distance
    ``"<input> · deblurred 12-30 µm per plane sum"``. ``depths`` are the stage offsets
    the user or the metadata gave; ``sides`` their sides of focus (:func:`side_text`)."""
    where = f"{plane_text(plane, labels)} at " if plane else ""
    depth = depth_text(depths, estimated) + side_text(sides)
    return f"{source} · deblurred {where}{depth} {fusion}"


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


def _update_plane(existing: Image, source: Image, result: Any, job: Any, plane: tuple) -> None:
    """Write one restored plane into an earlier whole-stack result."""
    data = np.array(existing.data, dtype=np.float32)
    data[plane] = np.asarray(result.image).reshape(data.shape[-2:])
    lead = data.shape[:-2]
    flat, n = int(np.ravel_multi_index(plane, lead)), int(np.prod(lead))
    recorded = existing.metadata
    told = _per_plane(recorded.get("depths_um"), n, float("nan"))
    stage = _per_plane(recorded.get("stage_um") or told, n, float("nan"))  # none: as told
    sides = _per_plane(recorded.get("sides"), n, "below")
    told[flat], stage[flat], sides[flat] = result.depths_um[0], result.stage_um[0], result.sides[0]
    estimated = bool(existing.metadata.get("estimated")) or result.estimated
    existing.data = data
    existing.metadata = {
        **existing.metadata, "depths_um": told, "stage_um": stage, "sides": sides,
        "estimated": estimated,
    }  # fmt: skip
    known = [k for k, d in enumerate(stage) if d == d]
    existing.name = result_name(
        source.name, [stage[k] for k in known], job.fusion, estimated,
        sides=[sides[k] for k in known],
    )  # fmt: skip


def _per_plane(values: Any, n: int, blank: Any) -> list[Any]:
    """A record's per-plane list, or ``n`` blanks when it has none of that length (a
    result opened from a file may record one value for a whole stack)."""
    values = list(values or [])
    return values if len(values) == n else [blank] * n


def _placement(source: Image, current: tuple[int, ...] | None) -> tuple[Any, Any]:
    """The source's scale, and its translation moved to ``current`` (a single plane)."""
    translate = np.asarray(source.translate, dtype=float).copy()
    scale = np.asarray(source.scale, dtype=float)
    if current:
        translate[: len(current)] += np.asarray(current) * scale[: len(current)]
    return scale, translate


def _metadata(source: Image, result: Any, job: Any, current: Any) -> dict[str, Any]:
    """What a result layer records: its input, the distances the network was told
    (estimated?), the stage offsets and sides of focus they came from, fusion, models and
    the passes averaged per plane."""
    return {
        SOURCE_KEY: source.name,
        "depths_um": list(result.depths_um),
        "stage_um": list(result.stage_um),
        "sides": list(result.sides),
        "estimated": result.estimated,
        "confidences": list(result.confidences),
        "fusion": job.fusion,
        "models": list(result.models),
        "views": [views for views, _ in result.passes],
        "phases": [phases for _, phases in result.passes],
        "plane": list(current) if current else None,
    }


def show_result(
    viewer: napari.Viewer,
    source: Image,
    result: Any,
    job: Any,
    current: tuple[int, ...] | None,
) -> tuple[Image, str]:
    """Put ``result`` (a ``DeblurResult``) in the viewer right above ``source``.

    A whole-image result replaces an earlier one; a single plane of a stack is placed at
    that plane, or written into an earlier whole-stack result. The layer has the source's
    scale, translate, colormap and blending; when it is new the source is hidden so that
    the two are not blended together (its eye icon brings it back).

    Returns
    -------
    tuple
        The layer and what happened to it: :data:`ADDED`, :data:`REPLACED` or
        :data:`UPDATED` (one plane of an earlier stack result).
    """
    existing = find_result(viewer, source)
    full_shape = tuple((source.data[0] if source.multiscale else source.data).shape)
    if current and existing is not None and tuple(existing.data.shape) == full_shape:
        _update_plane(existing, source, result, job, tuple(current))
        return existing, UPDATED
    scale, translate = _placement(source, current)
    labels = tuple(getattr(source, "axis_labels", ()))[: len(current or ())]
    name = result_name(
        source.name, result.stage_um, job.fusion, result.estimated, current, labels,
        result.sides,
    )  # fmt: skip
    metadata = _metadata(source, result, job, current)
    image = result.image
    position = viewer.layers.index(source) + 1
    if existing is not None and existing.data.shape != image.shape:
        position = viewer.layers.index(existing)  # slice vs stack: the new one takes its place
    layer, new = put_image(
        viewer, existing, name, image, contrast_limits(image), scale=scale, translate=translate,
        metadata=metadata, colormap=source.colormap.name, blending=source.blending,
    )  # fmt: skip
    if not new:
        return layer, REPLACED
    viewer.layers.move(viewer.layers.index(layer), position)
    if existing is None:  # first result: show it instead of (not summed with) the input
        source.visible = False
    return layer, ADDED if existing is None else REPLACED
