"""Training fields: one normalised (out-of-focus, in-focus) pair, and splitting pairs.

A :class:`Field` holds both images normalised with the percentiles of the out-of-focus
image. :func:`split_pairs` divides a data set's pairs into training, validation and
held-out test fields, by field, with the checks training needs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.pairs import FieldPair, PairSplit, split_by_field
from napari_defocus_deblur.normalization import PercentileNormalization, normalize
from napari_defocus_deblur.training.pixels import pair_on_grid


@dataclass(frozen=True)
class Field:
    """One normalised field pair."""

    field_id: str
    oof: np.ndarray  # float32, normalised with (lo, hi)
    target: np.ndarray  # float32, normalised with the same (lo, hi)
    lo: float
    hi: float
    depth_um: float | None = None  # defocus distance (depth-conditioned training)
    above_focus: bool = False  # imaged above focus (simulated by the prior, or paired so)

    @property
    def shape(self) -> tuple[int, int]:
        return self.oof.shape  # type: ignore[return-value]


def as_image_list(images: Any, what: str) -> list[np.ndarray]:
    """2-D images from a list of them or an ``(N, H, W)`` stack; ``what`` names them in errors."""
    if isinstance(images, np.ndarray):
        if images.ndim == 2:
            return [images]
        if images.ndim == 3:
            return list(images)
        raise UserInputError(
            f"{what}: expected 2-D images or an (N, H, W) stack, got {images.shape}"
        )
    out = [np.asarray(im) for im in images]
    for im in out:
        if im.ndim != 2:
            raise UserInputError(f"{what}: every image must be 2-D, got shape {im.shape}")
    return out


def make_field(
    field_id: str,
    oof: np.ndarray,
    sharp: np.ndarray,
    norm: PercentileNormalization,
    depth_um: float | None = None,
    above_focus: bool = False,
    pixel_size_um: float | None = None,
) -> Field:
    """A :class:`Field` from raw images, both normalised with the bounds of ``oof``
    (``above_focus``: the field was imaged above focus; ``pixel_size_um``: their pixels,
    binned onto BBBC006's grid first when off it, :func:`~.pixels.pair_on_grid`)."""
    if oof.shape != sharp.shape:
        raise UserInputError(
            f"field {field_id}: out-of-focus image {oof.shape} and in-focus image "
            f"{sharp.shape} differ in shape"
        )
    oof, sharp = pair_on_grid(oof, sharp, pixel_size_um)
    if min(oof.shape) < 16:
        raise UserInputError(f"field {field_id}: {oof.shape} is too small (16 pixels minimum)")
    lo, hi = norm.bounds(oof)
    oof_n, sharp_n = normalize(oof, lo, hi), normalize(sharp, lo, hi)
    return Field(field_id, oof_n, sharp_n, lo, hi, depth_um, above_focus)


def split_pairs(
    pairs: list[FieldPair],
    depth_um: float,
    root: str | os.PathLike,
    val_fraction: float,
    test_fraction: float,
    seed: int,
) -> PairSplit:
    """Split the pairs found at ``depth_um`` in ``root`` by field.

    With fewer than three fields there is no test split and one field is used for
    validation; errors name the data when a training or validation set would be empty.
    """
    n = len({p.field_id for p in pairs})
    if n < 2:
        raise UserInputError(
            f"found only {n} field pair at {depth_um:g} um in {root}; training needs at "
            "least 2 (one to train on and one held out for validation, split by field)"
        )
    if n < 3:
        split = split_by_field(pairs, val_fraction=0.5, test_fraction=0.0, seed=seed)
    else:
        split = split_by_field(pairs, val_fraction, test_fraction, seed=seed)
    if not split.train or not split.val:
        raise UserInputError(
            f"{n} field pairs at {depth_um:g} um split into {len(split.train)} training and "
            f"{len(split.val)} validation fields; lower --test-fraction or add data"
        )
    return split
