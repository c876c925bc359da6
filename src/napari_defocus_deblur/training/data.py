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
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.normalization import PercentileNormalization
from napari_defocus_deblur.training.fields import Field, as_image_list, make_field
from napari_defocus_deblur.training.pixels import grid_note, needs_grid


class TrainingData:
    """Normalised training and validation fields.

    Build it with :meth:`from_arrays` or :meth:`from_dataset`. Images whose pixels are
    off BBBC006's are binned onto its grid (:mod:`.pixels`).
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
        pixel_size_um: float | None = None,
        on_grid: bool = False,
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
        #: The images' pixel size (µm; None: BBBC006's) and whether the fields were
        #: binned onto BBBC006's grid (:mod:`.pixels`).
        self.pixel_size_um, self.on_grid = pixel_size_um, on_grid
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
        pixel_size_um: float | None = None,
        regrid: bool = True,
    ) -> TrainingData:
        """Fields from in-memory images (lists of 2-D arrays or (N, H, W) stacks).

        ``round(n * val_fraction)`` fields (at least one) are drawn for validation with
        ``numpy.random.default_rng(seed)``. Images of ``pixel_size_um`` (µm) off
        BBBC006's are binned onto its grid (``regrid=False``: trained on as they are).
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
        grid_px = pixel_size_um if regrid else None
        fields = [
            make_field(i, o, s, norm, depth_um, pixel_size_um=grid_px)
            for i, o, s in zip(ids, oofs, sharps)
        ]
        n_val = min(n - 1, max(1, round(n * val_fraction)))
        order = np.random.default_rng(seed).permutation(n)
        val_idx = set(order[:n_val].tolist())
        return cls(
            [f for i, f in enumerate(fields) if i not in val_idx],
            [f for i, f in enumerate(fields) if i in val_idx],
            depth_um=depth_um,
            normalization=norm,
            pixel_size_um=pixel_size_um,
            on_grid=needs_grid(grid_px),
        )

    @classmethod
    def from_dataset(
        cls, root: str | os.PathLike, depth_um: float | Sequence[float], **options: Any
    ) -> TrainingData:
        """Fields of a BBBC006 layout or a folder of z-stack TIFFs at ``depth_um`` (one
        distance, or several pooled): :func:`~.folder_data.load_folder` with its options
        (``channel``, ``val_fraction``, ``seed``, ``test_fraction``, ``max_fields``,
        ``normalization``, ``in_focus_index``, ``z_step_um``, ``reference_plane``,
        ``side``, ``pixel_size_um``, ``regrid``)."""
        from napari_defocus_deblur.training.folder_data import load_folder

        return load_folder(cls, root, depth_um, **options)

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

    def grid_note(self) -> str:
        """How the images' pixels were sampled for training ("" for BBBC006's)."""
        return grid_note(self.pixel_size_um, self.on_grid)

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
            "pixel_size_um": self.pixel_size_um,
            "on_bbbc006_grid": self.on_grid,
        }
