"""Training data read from a folder: a BBBC006 layout or z-stack TIFFs, at one distance
or several pooled (:meth:`~.data.TrainingData.from_dataset`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from napari_defocus_deblur.io.pairing import pairing_of
from napari_defocus_deblur.io.pairs import discover_pairs
from napari_defocus_deblur.normalization import PercentileNormalization
from napari_defocus_deblur.training.fields import Field, make_field, split_pairs
from napari_defocus_deblur.training.pixels import (
    needs_grid,
    recorded_pixel_size,
    training_pixel_size,
)

#: ``TrainingData`` (the caller passes its class: this module does not import it back).
DataClass = Any


def load_folder(
    cls: DataClass,
    root: str | os.PathLike,
    depth_um: float | Sequence[float],
    channel: int = 1,
    val_fraction: float = 0.1,
    seed: int = 0,
    *,
    test_fraction: float = 0.1,
    max_fields: int | None = None,
    normalization: PercentileNormalization | None = None,
    in_focus_index: int | None = None,
    z_step_um: float = 2.0,
    reference_plane: int | None = None,
    side: str | None = None,
    pixel_size_um: float | None = None,
    regrid: bool = True,
) -> Any:
    """Fields of a BBBC006 layout or a folder of z-stack TIFFs, as a ``cls``
    (:class:`~.data.TrainingData`).

    Pairs are split by field with :func:`napari_defocus_deblur.io.pairs.split_by_field`
    (``seed`` is the split seed); test fields are left out entirely, so a model
    trained here can be evaluated on them. With fewer than three fields there is no
    test split and one field is used for validation. ``in_focus_index`` and
    ``z_step_um`` apply to folders of z-stacks, ``reference_plane`` and ``side``
    (default: the data's own focus, below it) to BBBC006 layouts (see
    :func:`discover_pairs`); the planes paired are kept in ``pairing``.

    Images are read at ``pixel_size_um`` (µm), else at the size the z-stack files record
    (:func:`~.pixels.training_pixel_size`), and binned onto BBBC006's grid when their
    pixels are off it (``regrid=False``: trained on as they are).

    A sequence of distances pools the fields of every distance (ids
    ``"<field>@<d>um"``) for one distance-agnostic model; a field is in the same
    split at every distance, so no test field is ever trained on.
    """
    options = {k: v for k, v in locals().items() if k not in ("cls", "root", "depth_um")}
    if not isinstance(depth_um, int | float):
        depths = [float(d) for d in depth_um]
        if len(depths) != 1:  # pool the fields of every distance
            return _pooled(cls, [load_folder(cls, root, d, **options) for d in depths], depths)
        depth_um = depths[0]
    pairs = discover_pairs(
        root,
        depth_um,
        channel,
        in_focus_index=in_focus_index,
        z_step_um=z_step_um,
        reference_plane=reference_plane,
        side=side,
    )
    split = split_pairs(pairs, depth_um, root, val_fraction, test_fraction, seed)
    norm = normalization or PercentileNormalization()
    train_pairs = list(split.train)[:max_fields] if max_fields else list(split.train)
    pixels = training_pixel_size(pixel_size_um, recorded_pixel_size(pairs))
    grid_px = pixels if regrid else None

    def load(pair: Any) -> Field:
        from napari_defocus_deblur.io.pairs import load_pair

        images = load_pair(pair)
        above = side == "above"
        return make_field(pair.field_id, *images, norm, float(depth_um), above, grid_px)

    data = cls(
        [load(p) for p in train_pairs],
        [load(p) for p in split.val],
        depth_um=float(depth_um),
        channel=channel,
        normalization=norm,
        source=str(Path(root).expanduser().resolve()),
        test_fields=sorted({p.field_id for p in split.test}),
        pixel_size_um=pixels,
        on_grid=needs_grid(grid_px),
    )
    data.pairing = [pairing_of(pairs)]
    return data


def _pooled(cls: DataClass, parts: Sequence[Any], depths: Sequence[float]) -> Any:
    def tag(fields: Sequence[Field], depth: float) -> list[Field]:
        return [replace(f, field_id=f"{f.field_id}@{depth:g}um", depth_um=depth) for f in fields]

    first = parts[0]
    data = cls(
        [f for p, d in zip(parts, depths) for f in tag(p.train, d)],
        [f for p, d in zip(parts, depths) for f in tag(p.val, d)],
        depth_um=None,
        channel=first.channel,
        normalization=first.normalization,
        source=first.source,
        test_fields=sorted({t for p in parts for t in p.test_fields}),
        pixel_size_um=first.pixel_size_um,
        on_grid=first.on_grid,
    )
    data.depths_um = tuple(depths)
    data.pairing = [p for part in parts for p in part.pairing]
    return data
