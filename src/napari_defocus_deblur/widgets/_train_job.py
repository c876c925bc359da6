"""The training job run by the Train widget's worker thread (Qt-free).

Wraps :func:`napari_defocus_deblur.training.run_training`: loads the data, forwards the
engine's events and, after every checkpoint the engine writes (every epoch, and every
``preview_every`` steps), runs that checkpoint on a validation crop and yields a
:class:`Preview` for the preview layer.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.training.pixels import training_pixel_size
from napari_defocus_deblur.training.stack_pairs import stack_pair_arrays, tile_fields

#: Side of the square preview crop (pixels, before rounding to the model's multiple).
PREVIEW_SIDE = 256


@dataclass(frozen=True)
class LayerSource:
    """Training pairs from two image layers (2-D images or (N, H, W) stacks).

    A single pair of 2-D images is cut into a ``tiles x tiles`` grid of fields so that
    one of them can be held out for validation (the split is by field).
    """

    oof: np.ndarray
    in_focus: np.ndarray
    tiles: int = 2
    pixel_size_um: float | None = None  # as the layer's file records it


@dataclass(frozen=True)
class StackSource:
    """Training pairs inside one z-stack layer (``(z, y, x)`` or ``(field, z, y, x)``):
    ``pairs`` says which planes (:func:`~napari_defocus_deblur.training.stack_pairs.
    plan_stack_pairs`); the planes are read in the worker."""

    data: Any
    pairs: Any
    tiles: int = 2
    pixel_size_um: float | None = None  # as the layer's file records it


@dataclass(frozen=True)
class FolderSource:
    """Training pairs found on disk (BBBC006 layout or z-stack TIFFs); BBBC006 planes
    paired as :func:`~napari_defocus_deblur.constants.pair_planes` says (None: the
    data's focus plane, below it)."""

    root: Path
    channel: int = 1
    reference_plane: int | None = None
    side: str | None = None


@dataclass(frozen=True)
class DataReady:
    """Data loaded: number of training / validation fields and, for a folder, the
    planes paired (the lines the CLI prints)."""

    n_train: int
    n_val: int
    pairing: tuple[str, ...] = ()
    sampling: str = ""  # how the images' pixels were sampled ("": BBBC006's)


@dataclass(frozen=True)
class Preview:
    """The model of ``step`` applied to a validation crop (input intensity units).

    ``offset`` is the crop's position in the source layer's data: ``(top, left)`` for a
    2-D image, ``(plane, top, left)`` for a field of an (N, H, W) stack; None for folder
    data.
    """

    step: int
    image: np.ndarray
    offset: tuple[int, ...] | None
    field_id: str | None = None
    crop: tuple[int, int] = (0, 0)


def folder_source(value: Any) -> FolderSource:
    """The folder of the "Folder" box (raises ``UserInputError`` when none is chosen)."""
    text = str(value or "").strip()
    if text in ("", "."):
        raise UserInputError("choose the training data folder")
    return FolderSource(Path(text).expanduser())


def _field_offset(field_id: str, plane: int | None = None) -> tuple[int, ...] | None:
    """Where a field of :func:`load_data` lies in its layer: ``(y, x)`` or ``(plane, 0, 0)``;
    in a z-stack (``plane``: the out-of-focus plane) ``(plane, y, x)`` or
    ``(field, plane, 0, 0)``."""
    lead: tuple[int, ...] = () if plane is None else (plane,)
    if len(field_id) == 12 and field_id[0] == "y" and field_id[6] == "x":
        return (*lead, int(field_id[1:6]), int(field_id[7:]))
    if field_id.startswith("plane") and field_id[5:].isdigit():
        return int(field_id[5:]), 0, 0
    if field_id.startswith("field") and field_id[5:].isdigit() and plane is not None:
        return int(field_id[5:]), plane, 0, 0
    return None


def load_data(source: LayerSource | StackSource | FolderSource, config: Any) -> Any:
    """Build :class:`~napari_defocus_deblur.training.TrainingData` for ``source``."""
    from napari_defocus_deblur.training import TrainingData

    if isinstance(source, FolderSource):
        if config.depth_um is None:
            raise UserInputError("choose the defocus depth of the training data")
        return TrainingData.from_dataset(
            source.root,
            config.depth_um,
            channel=source.channel,
            val_fraction=config.val_fraction,
            seed=config.split_seed,
            reference_plane=source.reference_plane,
            side=source.side,
            pixel_size_um=config.pixel_size_um,
            regrid=config.regrid,
        )
    pixels = {  # the stated size, else the layer's (:mod:`~napari_defocus_deblur.training.pixels`)
        "pixel_size_um": training_pixel_size(config.pixel_size_um, source.pixel_size_um),
        "regrid": config.regrid,
    }
    if isinstance(source, StackSource):
        oofs, sharps, ids = stack_pair_arrays(source.data, source.pairs, source.tiles)
        return TrainingData.from_arrays(
            oofs, sharps, val_fraction=config.val_fraction, seed=config.split_seed,
            field_ids=ids, depth_um=config.depth_um, **pixels,
        )  # fmt: skip
    oof = np.asarray(source.oof, dtype=np.float32)
    sharp = np.asarray(source.in_focus, dtype=np.float32)
    if oof.shape != sharp.shape:
        raise UserInputError(
            f"the out-of-focus image is {'x'.join(map(str, oof.shape))} but the in-focus "
            f"image is {'x'.join(map(str, sharp.shape))}; they must show the same field"
        )
    if oof.ndim == 2 or (oof.ndim == 3 and oof.shape[0] < 2):
        oofs, sharps, ids = tile_fields(
            oof.reshape(oof.shape[-2:]), sharp.reshape(sharp.shape[-2:]), source.tiles
        )
    elif oof.ndim == 3:
        oofs, sharps, ids = list(oof), list(sharp), [f"plane{i:04d}" for i in range(len(oof))]
    else:
        raise UserInputError(
            f"training layers must be 2-D images or (N, H, W) stacks, got {oof.shape}"
        )
    return TrainingData.from_arrays(
        oofs,
        sharps,
        val_fraction=config.val_fraction,
        seed=config.split_seed,
        field_ids=ids,
        depth_um=config.depth_um,
        **pixels,
    )


def _preview_crop(data: Any, multiple: int) -> tuple[Any, tuple[int, int], int]:
    field = data.val[0]
    side = max(multiple, min(PREVIEW_SIDE, *field.shape) // multiple * multiple)
    side = min(side, *field.shape)
    top = (field.shape[0] - side) // 2
    left = (field.shape[1] - side) // 2
    return field, (top, left), side


def predict_crop(checkpoint: Path, data: Any, plane: int | None = None) -> Preview:
    """Run the checkpoint on the centre crop of the first validation field (``plane``: the
    out-of-focus plane when the data come from a z-stack)."""
    import torch

    from napari_defocus_deblur.model.checkpoint import load_checkpoint
    from napari_defocus_deblur.normalization import denormalize

    model, _ = load_checkpoint(checkpoint)
    multiple = int(getattr(model.config, "size_multiple", 16))
    field, (top, left), side = _preview_crop(data, min(multiple, 64))
    crop = field.oof[top : top + side, left : left + side]
    x = torch.from_numpy(np.ascontiguousarray(crop))[None, None]
    with torch.no_grad():
        if getattr(model.config, "conditioned", False):  # depth-conditioned networks
            depth = getattr(field, "depth_um", None) or data.depth_um
            out = model(x, float(depth))[0, 0].numpy()
        else:
            out = model(x)[0, 0].numpy()
    image, top, left = _on_source_pixels(denormalize(out, field.lo, field.hi), top, left, data)
    base = _field_offset(field.field_id, plane)
    offset = None if base is None else (*base[:-2], base[-2] + top, base[-1] + left)
    return Preview(0, image, offset, field.field_id, (top, left))


def _on_source_pixels(
    image: np.ndarray, top: int, left: int, data: Any
) -> tuple[np.ndarray, int, int]:
    """A preview crop of fields binned onto BBBC006's grid brought back to the layer's
    pixels (image resized, position scaled), so it lies on the region it shows."""
    if not getattr(data, "on_grid", False):
        return image, top, left
    from skimage.transform import resize

    from napari_defocus_deblur.constants import PIXEL_SIZE_UM

    zoom = PIXEL_SIZE_UM / float(data.pixel_size_um)
    shape = tuple(max(1, round(n * zoom)) for n in image.shape)
    back = resize(image, shape, order=1, preserve_range=True).astype(np.float32)
    return back, round(top * zoom), round(left * zoom)


def run_train_job(
    source: LayerSource | StackSource | FolderSource,
    config: Any,
    stop: threading.Event,
    preview_every: int | None = None,
) -> Generator[Any, None, None]:
    """Load data and train; yields :class:`DataReady`, engine events and previews, and
    :class:`~._heartbeat.StillWorking` after each second without news (loading a folder,
    the first validation pass)."""
    from napari_defocus_deblur.widgets._heartbeat import with_heartbeat

    return (yield from with_heartbeat(_train(source, config, stop, preview_every)))


def _train(
    source: LayerSource | StackSource | FolderSource,
    config: Any,
    stop: threading.Event,
    preview_every: int | None,
) -> Generator[Any, None, None]:
    from napari_defocus_deblur.training import CheckpointSaved, run_training

    data = load_data(source, config)
    pairing = tuple(p.text() for p in data.pairing)
    yield DataReady(len(data.train), len(data.val), pairing, data.grid_note())
    plane = source.pairs.plane if isinstance(source, StackSource) else None
    if preview_every:
        config = replace(config, checkpoint_every=preview_every)
    events = run_training(config, data, stop=stop)
    for event in events:
        yield event
        if isinstance(event, CheckpointSaved):
            yield replace(predict_crop(event.path, data, plane), step=event.step)
