"""Training data: normalised field pairs split by field, random augmented crops.

Every field is normalised once with the percentiles of its *out-of-focus* image
(:class:`~napari_defocus_deblur.normalization.PercentileNormalization`), applied to the
input and to the in-focus target alike, so the network learns in the input's units
exactly as inference applies it. Training and validation fields are disjoint: no crop
of a validation field is ever drawn for training. Sampling is driven by a caller-owned
``numpy.random.Generator``, so a seed fixes every batch.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.pairing import pairing_of
from napari_defocus_deblur.io.pairs import discover_pairs
from napari_defocus_deblur.normalization import PercentileNormalization
from napari_defocus_deblur.training.fields import Field, as_image_list, make_field, split_pairs


class TrainingData:
    """Normalised training and validation fields.

    Build it with :meth:`from_arrays` or :meth:`from_dataset`.
    """

    def __init__(
        self,
        train: Sequence[Field],
        val: Sequence[Field],
        *,
        depth_um: float | None = None,
        channel: int | None = None,
        normalization: PercentileNormalization | None = None,
        source: str = "arrays",
        test_fields: Sequence[str] = (),
    ) -> None:
        self.train = list(train)
        self.val = list(val)
        if not self.train or not self.val:
            raise UserInputError(
                f"training needs at least one training and one validation field, got "
                f"{len(self.train)} and {len(self.val)}"
            )
        overlap = {f.field_id for f in self.train} & {f.field_id for f in self.val}
        if overlap:
            raise UserInputError(f"fields in both training and validation: {sorted(overlap)}")
        self.depth_um = depth_um
        #: Distances pooled by :meth:`from_dataset` (``None``: a single distance).
        self.depths_um: tuple[float, ...] | None = None
        self.channel = channel
        self.normalization = normalization or PercentileNormalization()
        self.source = source
        self.test_fields = tuple(test_fields)
        #: The planes paired per distance (:class:`~napari_defocus_deblur.io.pairing.Pairing`).
        self.pairing: list[Any] = []
        areas = np.array([f.oof.size for f in self.train], dtype=np.float64)
        self._weights = areas / areas.sum()

    @classmethod
    def from_arrays(
        cls,
        oof: Any,
        in_focus: Any,
        val_fraction: float = 0.1,
        seed: int = 0,
        *,
        field_ids: Sequence[str] | None = None,
        depth_um: float | None = None,
        normalization: PercentileNormalization | None = None,
    ) -> TrainingData:
        """Fields from in-memory images (lists of 2-D arrays or (N, H, W) stacks).

        ``round(n * val_fraction)`` fields (at least one) are drawn for validation with
        ``numpy.random.default_rng(seed)``.
        """
        oofs = as_image_list(oof, "out-of-focus images")
        sharps = as_image_list(in_focus, "in-focus images")
        if len(oofs) != len(sharps):
            raise UserInputError(
                f"{len(oofs)} out-of-focus but {len(sharps)} in-focus images: they must pair up"
            )
        n = len(oofs)
        if n < 2:
            raise UserInputError(
                f"got {n} image pair(s); training needs at least 2 so that one field can be "
                "held out for validation (the split is by field)"
            )
        ids = [f"field_{i:04d}" for i in range(n)] if field_ids is None else list(field_ids)
        if len(ids) != n or len(set(ids)) != n:
            raise UserInputError("field_ids must be unique, one per image pair")
        norm = normalization or PercentileNormalization()
        fields = [make_field(i, o, s, norm, depth_um) for i, o, s in zip(ids, oofs, sharps)]
        n_val = min(n - 1, max(1, round(n * val_fraction)))
        order = np.random.default_rng(seed).permutation(n)
        val_idx = set(order[:n_val].tolist())
        return cls(
            [f for i, f in enumerate(fields) if i not in val_idx],
            [f for i, f in enumerate(fields) if i in val_idx],
            depth_um=depth_um,
            normalization=norm,
        )

    @classmethod
    def from_dataset(
        cls,
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
    ) -> TrainingData:
        """Fields of a BBBC006 layout or a folder of z-stack TIFFs.

        Pairs are split by field with :func:`napari_defocus_deblur.io.pairs.split_by_field`
        (``seed`` is the split seed); test fields are left out entirely, so a model
        trained here can be evaluated on them. With fewer than three fields there is no
        test split and one field is used for validation. ``in_focus_index`` and
        ``z_step_um`` apply to folders of z-stacks, ``reference_plane`` and ``side``
        (default: the data's own focus, below it) to BBBC006 layouts (see
        :func:`discover_pairs`); the planes paired are kept in :attr:`pairing`.

        A sequence of distances pools the fields of every distance (ids
        ``"<field>@<d>um"``) for one distance-agnostic model; a field is in the same
        split at every distance, so no test field is ever trained on.
        """
        from napari_defocus_deblur.io.pairs import load_pair

        if not isinstance(depth_um, int | float):
            depths = [float(d) for d in depth_um]
            if len(depths) != 1:  # pool the fields of every distance
                options = {
                    "channel": channel,
                    "val_fraction": val_fraction,
                    "seed": seed,
                    "test_fraction": test_fraction,
                    "max_fields": max_fields,
                    "normalization": normalization,
                    "in_focus_index": in_focus_index,
                    "z_step_um": z_step_um,
                    "reference_plane": reference_plane,
                    "side": side,
                }
                return cls._pooled([cls.from_dataset(root, d, **options) for d in depths], depths)
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

        def load(pair: Any) -> Field:
            images = load_pair(pair)
            return make_field(pair.field_id, *images, norm, float(depth_um), side == "above")

        data = cls(
            [load(p) for p in train_pairs],
            [load(p) for p in split.val],
            depth_um=float(depth_um),
            channel=channel,
            normalization=norm,
            source=str(Path(root).expanduser().resolve()),
            test_fields=sorted({p.field_id for p in split.test}),
        )
        data.pairing = [pairing_of(pairs)]
        return data

    @classmethod
    def _pooled(cls, parts: Sequence[TrainingData], depths: Sequence[float]) -> TrainingData:
        def tag(fields: Sequence[Field], depth: float) -> list[Field]:
            return [
                replace(f, field_id=f"{f.field_id}@{depth:g}um", depth_um=depth) for f in fields
            ]

        first = parts[0]
        data = cls(
            [f for p, d in zip(parts, depths) for f in tag(p.train, d)],
            [f for p, d in zip(parts, depths) for f in tag(p.val, d)],
            depth_um=None,
            channel=first.channel,
            normalization=first.normalization,
            source=first.source,
            test_fields=sorted({t for p in parts for t in p.test_fields}),
        )
        data.depths_um = tuple(depths)
        data.pairing = [p for part in parts for p in part.pairing]
        return data

    @property
    def min_field_side(self) -> int:
        """Smallest side of any training field (crops cannot be larger)."""
        return min(min(f.shape) for f in self.train)

    def steps_per_epoch(self, crop: int, batch: int) -> int:
        """Steps whose crops cover the training pixels once."""
        pixels = sum(f.oof.size for f in self.train)
        return max(1, math.ceil(pixels / (crop * crop * batch)))

    def sample(
        self,
        rng: np.random.Generator,
        batch: int,
        crop: int,
        *,
        with_depth: bool = False,
        with_side: bool = False,
    ) -> tuple[np.ndarray, ...]:
        """A batch of random augmented crops, ``(input, target)`` each ``(batch, 1, crop, crop)``.

        Fields are drawn with probability proportional to their area; each crop gets one
        of the 8 flips/right-angle rotations, identically for input and target. With
        ``with_depth`` a third array holds each crop's defocus distance (float32, µm);
        with ``with_side`` a last one whether its field was imaged above focus (bool).
        Neither draws from ``rng``, so the crops are the same with or without them.
        """
        if crop > self.min_field_side:
            raise UserInputError(
                f"crop {crop} is larger than the smallest training field side "
                f"({self.min_field_side} pixels); use a crop of at most {self.min_field_side}"
            )
        xs = np.empty((batch, 1, crop, crop), dtype=np.float32)
        ys = np.empty_like(xs)
        picks = rng.choice(len(self.train), size=batch, p=self._weights)
        for b, idx in enumerate(picks):
            field = self.train[int(idx)]
            h, w = field.shape
            top = int(rng.integers(0, h - crop + 1))
            left = int(rng.integers(0, w - crop + 1))
            k, flip = int(rng.integers(0, 4)), bool(rng.integers(0, 2))
            for arr, out in ((field.oof, xs), (field.target, ys)):
                patch = np.rot90(arr[top : top + crop, left : left + crop], k)
                out[b, 0] = patch[:, ::-1] if flip else patch
        fields = [self.train[int(i)] for i in picks]
        extra = (self.depths_of(fields),) if with_depth else ()
        extra += (np.array([f.above_focus for f in fields]),) if with_side else ()
        return (xs, ys, *extra)

    def depths_of(self, fields: Sequence[Field]) -> np.ndarray:
        """Defocus distances of ``fields`` (float32, µm); the data's depth when unset."""
        default = self.depth_um
        depths = [f.depth_um if f.depth_um is not None else default for f in fields]
        if any(d is None for d in depths):
            raise UserInputError(
                "a depth-conditioned model needs the defocus distance of every field; give --depth"
            )
        return np.asarray(depths, dtype=np.float32)

    def describe(self) -> dict[str, Any]:
        """JSON-able description for the training record."""
        return {
            "source": self.source,
            "depth_um": self.depth_um,
            "depths_um": None if self.depths_um is None else list(self.depths_um),
            "channel": self.channel,
            "pairing": [p.to_dict() for p in self.pairing],
            "n_train_fields": len(self.train),
            "n_val_fields": len(self.val),
            "train_pixels": int(sum(f.oof.size for f in self.train)),
            "val_fields": [f.field_id for f in self.val],
            "test_fields_excluded": list(self.test_fields),
            "normalization": self.normalization.to_dict(),
        }
