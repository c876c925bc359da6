"""Input checks and dtype handling for :func:`~napari_defocus_deblur.inference.deblur`."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.limits import DEPTH_UM
from napari_defocus_deblur.model.network import MIN_SIZE


def check_image(image: Any) -> np.ndarray:
    """``image`` as a numpy array after checking it can be deblurred (else UserInputError)."""
    if isinstance(image, str | bytes | os.PathLike):
        raise UserInputError(
            f"expected an image array, got the name {os.fsdecode(image)!r}; read the file "
            "first, e.g. with tifffile.imread(name)"
        )
    try:
        arr = np.asarray(image)
    except (TypeError, ValueError) as exc:
        raise UserInputError(f"the image cannot be read as an array: {exc}") from exc
    if arr.ndim < 2:
        got = "a single value" if arr.ndim == 0 else f"a 1-D array of {arr.size} value(s)"
        raise UserInputError(
            f"expected a 2-D image (Y, X) or a stack with Y, X as the last two axes; got {got}"
        )
    if arr.size == 0:
        raise UserInputError(f"the image is empty (shape {arr.shape})")
    if arr.dtype.kind not in "uif":
        raise UserInputError(
            f"unsupported pixel type {arr.dtype}; expected integer or floating-point pixels"
        )
    h, w = arr.shape[-2:]
    if arr.ndim >= 3 and w in (3, 4) and (arr.dtype == np.uint8 or h >= MIN_SIZE):
        raise UserInputError(
            f"the image looks like RGB(A) colour data (shape {arr.shape}, last axis of size "
            f"{w}); deblurring expects grayscale fluorescence planes: pass one channel, e.g. "
            "image[..., 0], or move a channel axis first with np.moveaxis(image, -1, 0)"
        )
    if h < MIN_SIZE or w < MIN_SIZE:
        raise UserInputError(
            f"image of {h}x{w} pixels is too small: both sides must be at least {MIN_SIZE} pixels"
        )
    return arr


def check_finite(units: np.ndarray) -> None:
    if units.dtype.kind != "f":
        return
    for i, unit in enumerate(units):
        if not np.isfinite(unit).all():
            where = f" (plane {i})" if units.shape[0] > 1 else ""
            raise UserInputError(
                f"the image contains NaN or infinite values{where}; replace them first, "
                "e.g. with numpy.nan_to_num"
            )


def split_units(
    arr: np.ndarray, channels: int, channel_axis: int | None
) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """(N, C, H, W) view of ``arr`` and the inverse mapping for the output."""
    h, w = arr.shape[-2:]
    axis = -3 if channel_axis is None else _axis(channel_axis)
    if channel_axis is not None and (
        not -arr.ndim <= axis < arr.ndim or axis % arr.ndim >= arr.ndim - 2
    ):
        raise UserInputError(
            f"channel_axis={channel_axis!r} is not a leading axis of an image of shape "
            f"{arr.shape} (the last two axes are Y, X)"
        )
    if channels == 1:
        return arr.reshape(-1, 1, h, w), lambda out: out.reshape(arr.shape)
    if arr.ndim < 3:
        raise UserInputError(
            f"the model takes {channels} channels but the image has shape {arr.shape}"
        )
    moved = np.moveaxis(arr, axis, -3)
    if moved.shape[-3] != channels:
        raise UserInputError(
            f"the model takes {channels} channels but axis {axis} of the image (shape "
            f"{arr.shape}) has {moved.shape[-3]}"
        )
    lead = moved.shape[:-3]
    return moved.reshape(-1, channels, h, w), lambda out: np.moveaxis(
        out.reshape(*lead, channels, h, w), -3, axis
    )


def _axis(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise UserInputError(f"channel_axis must be an integer or None, got {value!r}")
    return int(value)


#: Largest distance from focus (micrometres) accepted anywhere (the limits table's).
MAX_DEPTH_UM = DEPTH_UM[1]


def check_depth(value: Any, name: str = "depth_um", *, allow_auto: bool = True) -> float | str:
    """A distance from focus in micrometres, checked; ``"auto"`` when allowed.

    Numbers and numeric strings give a float; ``"auto"`` (any case) gives ``"auto"``.

    Raises
    ------
    UserInputError
        Anything else: other strings, booleans, NaN, infinities, negative or absurdly
        large values.
    """
    if isinstance(value, str) and allow_auto and value.strip().lower() == "auto":
        return "auto"
    expected = "a number of micrometres" + (" or 'auto'" if allow_auto else "")
    if isinstance(value, bool) or value is None:
        raise UserInputError(f"{name} must be {expected}, got {value!r}")
    try:
        depth = float(value)
    except (TypeError, ValueError, OverflowError):
        raise UserInputError(f"{name} must be {expected}, got {value!r:.60}") from None
    low, high = DEPTH_UM
    if not math.isfinite(depth) or not low <= depth <= high:
        raise UserInputError(
            f"{name} must be a finite distance from {low:g} to {high:g} µm, got {value!r:.60}"
        )
    return depth


def check_tile(tile: Any, overlap: Any, multiple: int, *, prefix: str = "") -> None:
    """Check ``tile``/``overlap`` for a network whose sizes are multiples of ``multiple``.

    Tiles are cut in multiples of ``multiple`` pixels and must be larger than the
    overlap by at least one multiple (see :func:`~napari_defocus_deblur.inference.
    tiling.plan_axis`), so a tile that is too small is refused before any work with
    the size that would work. ``prefix`` is put before option names (``"--"`` on the
    command line). ``None`` means automatic and is always fine.
    """
    from napari_defocus_deblur.inference.tiling import default_overlap

    if overlap is not None:
        positive_int(overlap, f"{prefix}overlap", 0)
    if tile is None:
        return
    side = positive_int(tile, f"{prefix}tile", MIN_SIZE)
    ov = default_overlap(side) if overlap is None else int(overlap)
    smallest = max(2 * multiple, -(-ov // multiple) * multiple + multiple)
    if side // multiple * multiple < smallest:
        with_ov = f"{prefix}overlap {ov}" if overlap is not None else f"its default overlap {ov}"
        raise UserInputError(
            f"{prefix}tile {side} is too small for this model, which cuts tiles in "
            f"multiples of {multiple} pixels: with {with_ov} use a tile of at least "
            f"{smallest} pixels"
        )


def check_finite_output(out: np.ndarray, where: str = "") -> None:
    """Raise UserInputError when a result holds NaN or infinite values.

    ``where`` (e.g. ``"cannot convert to uint16"``) starts the message when given.
    """
    if out.dtype.kind in "fc" and not np.isfinite(out).all():
        raise UserInputError(
            (f"{where}: " if where else "")
            + "the result contains NaN or infinite values (damaged model weights, or input "
            "values out of range)"
        )


def positive_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise UserInputError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def resolve_output_dtype(requested: Any, input_dtype: np.dtype) -> np.dtype:
    if requested is None:
        return np.dtype(np.float32)
    if isinstance(requested, str) and requested.lower() == "input":
        return np.dtype(input_dtype)
    try:
        dtype = np.dtype(requested)
    except TypeError as exc:
        raise UserInputError(
            f"output_dtype must be None, 'input' or a numpy dtype, got {requested!r}"
        ) from exc
    if dtype.kind not in "uif":
        raise UserInputError(f"output_dtype must be an integer or float type, got {dtype}")
    return dtype


def convert_dtype(out: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``out`` (float32) as ``dtype``: integers rounded and clipped to their range."""
    if dtype == out.dtype:
        return out
    if dtype.kind in "ui":
        check_finite_output(out, f"cannot convert to {dtype}")
        info = np.iinfo(dtype)
        np.rint(out, out=out)
        np.clip(out, info.min, info.max, out=out)
    elif dtype.itemsize < 4:
        info = np.finfo(dtype)
        np.clip(out, info.min, info.max, out=out)
    return out.astype(dtype)
