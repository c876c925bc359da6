"""Training pairs built inside one z-stack (``(z, y, x)`` or ``(field, z, y, x)``).

A microscopist's own data is a z-stack per channel: the in-focus plane comes from the
stack's metadata (the plane whose stage offset is 0, as the BBBC006 reader records it)
or is the sharpest plane (:func:`~napari_defocus_deblur.estimate.estimate_defocus`);
the distance of every other plane from it follows from the plane spacing. Each field
gives one pair, ``(plane at the wanted distance, in-focus plane)``, so the validation
split stays by field; a single field is cut into tiles. Pairs never leave the stack, so
they never cross channels. Pure numpy: no Qt, no torch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError

#: Where the in-focus plane of a :class:`StackPairs` came from.
FOCUS_METADATA, FOCUS_SHARPEST, FOCUS_GIVEN = "metadata", "sharpest plane", "set by you"


@dataclass(frozen=True)
class StackGeometry:
    """The z axis of a stack layer.

    Attributes
    ----------
    n_fields
        Fields (1 for a ``(z, y, x)`` stack).
    offsets_um
        Position of every plane along z, micrometres (stage offsets when known).
    focus_plane
        Index of the in-focus plane when the metadata says it, else None.
    """

    n_fields: int
    offsets_um: tuple[float, ...]
    focus_plane: int | None

    @property
    def n_planes(self) -> int:
        """Planes along z."""
        return len(self.offsets_um)


@dataclass(frozen=True)
class StackPairs:
    """Which planes of a stack are paired: ``plane`` (out of focus) with ``focus_plane``."""

    n_fields: int
    focus_plane: int
    plane: int
    depth_um: float
    focus_source: str

    def describe(self) -> str:
        """``"4 fields: plane 33 (34 µm from focus) → in-focus plane 16 (metadata)"``."""
        fields = "1 field (cut into tiles)" if self.n_fields == 1 else f"{self.n_fields} fields"
        return (
            f"{fields}: plane {self.plane} ({self.depth_um:g} µm from focus) → "
            f"in-focus plane {self.focus_plane} ({self.focus_source})"
        )


def stack_geometry(
    shape: Sequence[int],
    metadata: Mapping[str, Any] | None = None,
    scale: Sequence[float] | None = None,
    axis_labels: Sequence[str] | None = None,
) -> StackGeometry | None:
    """The z axis of a layer, or None when it is not a z-stack.

    A layer is a z-stack when its metadata lists one stage offset per plane (the BBBC006
    reader's ``stage_offsets_um``), its TIFF axes end in ``ZYX``, its axis -3 is labelled
    ``z``, or it is 4-D (field, z, y, x). Plane spacing: the stage offsets, else the TIFF's
    ``z_step_um``, else the layer's z scale.
    """
    shape = tuple(int(n) for n in shape)
    metadata = metadata or {}
    if len(shape) not in (3, 4):
        return None
    n_planes = shape[-3]
    n_fields = shape[0] if len(shape) == 4 else 1
    offsets = metadata.get("stage_offsets_um")
    if isinstance(offsets, (list, tuple)) and len(offsets) == n_planes:
        values = tuple(float(v) for v in offsets)
        focus = [i for i, v in enumerate(values) if v == 0.0]
        return StackGeometry(n_fields, values, focus[0] if focus else None)
    axes = str(metadata.get("axes") or "")
    labelled = axis_labels is not None and str(tuple(axis_labels)[-3]).lower() == "z"
    if not (axes.endswith("ZYX") or labelled or len(shape) == 4):
        return None
    step = metadata.get("z_step_um") or (scale[-3] if scale is not None else None) or 1.0
    return StackGeometry(n_fields, tuple(i * float(step) for i in range(n_planes)), None)


def sharpness(image: np.ndarray) -> float:
    """Depth-free sharpness of a plane: mean squared Laplacian over mean squared signal."""
    a = np.asarray(image, dtype=np.float64)
    a = a - a.mean()
    lap = 4 * a[1:-1, 1:-1] - a[:-2, 1:-1] - a[2:, 1:-1] - a[1:-1, :-2] - a[1:-1, 2:]
    return float(np.mean(lap**2) / (np.mean(a**2) + 1e-12))


def sharpest_plane(planes: Sequence[np.ndarray]) -> int:
    """Index of the sharpest plane of one field's z series.

    Uses the defocus estimator (smallest estimated distance from focus) on planes of at
    least 128 x 128 pixels; smaller planes, or ties, fall back to :func:`sharpness`.
    """
    from napari_defocus_deblur.estimate import TILE, estimate_defocus

    if not len(planes):
        raise UserInputError("the stack has no planes")
    arrays = [np.asarray(p, dtype=np.float32) for p in planes]
    if min(arrays[0].shape) >= TILE:
        depths = [estimate_defocus(a).depth_um for a in arrays]
        best = min(depths)
        near = [i for i, d in enumerate(depths) if d - best < 0.5]
        if len(near) == 1:
            return near[0]
        return max(near, key=lambda i: sharpness(arrays[i]))
    return int(np.argmax([sharpness(a) for a in arrays]))


def plan_stack_pairs(
    geometry: StackGeometry,
    depth_um: float,
    focus_plane: int | None = None,
    focus_source: str = FOCUS_GIVEN,
) -> StackPairs:
    """Pair the plane nearest ``depth_um`` from focus with the in-focus plane.

    Parameters
    ----------
    geometry
        The stack's z axis (:func:`stack_geometry`).
    depth_um
        The wanted distance from focus; ties go to the plane above focus.
    focus_plane
        The in-focus plane; None takes the metadata's.
    focus_source
        What to tell about ``focus_plane`` (ignored when it is None).

    Raises
    ------
    UserInputError
        Fewer than two planes, no in-focus plane known, or one out of range.
    """
    n = geometry.n_planes
    if n < 2:
        raise UserInputError("the stack has one plane; training needs a z-stack or two layers")
    if focus_plane is None:
        focus_plane, focus_source = geometry.focus_plane, FOCUS_METADATA
    if focus_plane is None:
        raise UserInputError("the stack records no in-focus plane: set 'In-focus plane'")
    if not 0 <= focus_plane < n:
        raise UserInputError(f"in-focus plane {focus_plane} is outside the stack (0..{n - 1})")
    zero = geometry.offsets_um[focus_plane]
    others = [i for i in range(n) if i != focus_plane]

    def key(i: int) -> tuple[float, int]:
        distance = abs(geometry.offsets_um[i] - zero)
        return (abs(distance - float(depth_um)), int(i < focus_plane))

    plane = min(others, key=key)
    distance = round(abs(geometry.offsets_um[plane] - zero), 3)
    return StackPairs(geometry.n_fields, focus_plane, plane, distance, focus_source)


def tile_fields(oof: np.ndarray, sharp: np.ndarray, tiles: int) -> tuple[list, list, list]:
    """Cut one image pair into ``tiles x tiles`` fields: ``(oofs, sharps, ids)``.

    Field ids are ``"y<top>x<left>"`` so the tile's position can be recovered.
    """
    h, w = oof.shape
    ys = np.linspace(0, h, tiles + 1).astype(int)
    xs = np.linspace(0, w, tiles + 1).astype(int)
    oofs, sharps, ids = [], [], []
    for i in range(tiles):
        for j in range(tiles):
            sl = np.s_[ys[i] : ys[i + 1], xs[j] : xs[j + 1]]
            oofs.append(oof[sl])
            sharps.append(sharp[sl])
            ids.append(f"y{ys[i]:05d}x{xs[j]:05d}")
    return oofs, sharps, ids


def stack_pair_arrays(data: Any, pairs: StackPairs, tiles: int = 2) -> tuple[list, list, list]:
    """Read the paired planes of ``data`` (numpy or dask): ``(oofs, sharps, field ids)``.

    Only the two planes of each field are read. One field is cut into ``tiles x tiles``
    so that a part can be held out for validation.
    """
    shape = tuple(data.shape)
    if len(shape) == 3:
        oof = np.asarray(data[pairs.plane], dtype=np.float32)
        sharp = np.asarray(data[pairs.focus_plane], dtype=np.float32)
        return tile_fields(oof, sharp, tiles)
    oofs = [np.asarray(data[f, pairs.plane], dtype=np.float32) for f in range(shape[0])]
    sharps = [np.asarray(data[f, pairs.focus_plane], dtype=np.float32) for f in range(shape[0])]
    return oofs, sharps, [f"field{f:04d}" for f in range(shape[0])]
