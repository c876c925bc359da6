"""``deblur`` and ``iter_deblur``: whole images of any size, 2-D or N-D, any device.

Channels and models: a single-channel model (the usual case, one fluorescence stain)
is applied to every 2-D plane independently, whatever the leading axes mean (T, Z, C,
...). A model with ``in_channels = C > 1`` takes the C planes along ``channel_axis``
(default: the axis just before Y, X) together.

Intensities: every plane is normalised with the percentiles stored in the checkpoint
(``normalization`` in ``config.json``; default 1st/99.8th) of *that plane*, and the
prediction is mapped back with the same ``lo``/``hi``, so the output is in the input's
units. The result is float32 unless ``output_dtype="input"`` asks for the input's
dtype (rounded and clipped to its range). Nothing is ever rescaled to 8 bit.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.constants import DEFAULT_DEPTH_UM
from napari_defocus_deblur.inference.assembly import PlaneAssembler, batched
from napari_defocus_deblur.inference.backends import build_backend
from napari_defocus_deblur.inference.checks import (
    check_depth,
    check_finite,
    check_image,
    convert_dtype,
    positive_int,
    resolve_output_dtype,
    split_units,
)
from napari_defocus_deblur.inference.device import (
    Backend,
    free_memory_bytes,
    release_memory,
    resolve_backend,
    resolve_device,
)
from napari_defocus_deblur.inference.focus_gate import hold_in_focus
from napari_defocus_deblur.inference.reach import tile_window
from napari_defocus_deblur.inference.runner import resolve_model, run_batches
from napari_defocus_deblur.inference.tiling import (
    TilePlan,
    auto_tile_side,
    batch_size,
    plan_tiles,
)
from napari_defocus_deblur.model.config import ModelConfig
from napari_defocus_deblur.model.network import MIN_SIZE
from napari_defocus_deblur.normalization import PercentileNormalization
from napari_defocus_deblur.progress import drive

ModelArg = nn.Module | str | os.PathLike | None
#: Pixels after which GPU memory is handed back to the driver at the end of a call.
_RELEASE_AFTER_PIXELS = 64 * 1024**2


@dataclass(frozen=True)
class TileProgress:
    """Progress of :func:`iter_deblur`: ``done`` of ``total`` tiles over all planes.

    ``plane`` is the index of the plane (or channel group) being processed and
    ``planes`` their number (1 for a 2-D image).
    """

    done: int
    total: int
    plane: int = 0
    planes: int = 1

    @property
    def fraction(self) -> float:
        """``done / total`` (1.0 for an empty job)."""
        return self.done / self.total if self.total else 1.0


def deblur(
    image: Any,
    depth_um: float | str = DEFAULT_DEPTH_UM,
    fusion: str = "sum",
    model: ModelArg = None,
    device: str | torch.device = "auto",
    tile: int | None = None,
    overlap: int | None = None,
    precision: str = "auto",
    output_dtype: Any = None,
    progress: Callable[[TileProgress], Any] | None = None,
    channel_axis: int | None = None,
    backend: str = "auto",
) -> np.ndarray:
    """Deblur an out-of-focus image; returns an array of the input's shape.

    Parameters
    ----------
    image
        2-D (Y, X) array, or N-D with the last two axes Y, X (leading axes are processed
        plane by plane). Integer or float pixels; not RGB.
    depth_um
        Distance from focus (micrometres of stage offset) of the image, or ``"auto"`` to
        estimate it from every plane (:func:`~napari_defocus_deblur.estimate.
        estimate_defocus`). Depth-conditioned models (the bundled zoo) are told this
        distance, so it changes the result; it also picks the bundled model for the
        nearest distance when ``model`` is not given.
    fusion
        ``"sum"`` or ``"concat"``: which bundled model family to pick.
    model
        A network (:func:`~napari_defocus_deblur.model.build_model`,
        :func:`~napari_defocus_deblur.inference.load_model`), a checkpoint directory or a
        bundled model name; overrides ``depth_um``/``fusion``.
    device
        ``"auto"`` (CUDA, MPS, CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.
    tile
        Largest tile side in pixels; ``None`` chooses from free memory (images smaller
        than the tile are processed whole).
    overlap
        Smallest overlap of neighbouring tiles; default: derived from the model's
        measured reach (measured once per weights and cached), at most half the tile.
    precision
        ``"auto"``, ``"fp32"``, ``"bf16"``, ``"fp16"``; see ``backend``. ``"fp32"`` keeps
        PyTorch's fused fp32 path on the CPU.
    output_dtype
        ``None``/``"float32"`` (default), ``"input"`` for the input's dtype (rounded and
        clipped), or a numpy dtype.
    progress
        Called with every :class:`TileProgress`.
    channel_axis
        For models with several input channels: the channel axis (default -3).
    backend
        ``"auto"``: OpenVINO on the CPU (bf16 where the CPU has AMX/AVX512-BF16, fp32
        elsewhere), PyTorch autocast bf16/fp16 on CUDA, PyTorch fp32 on MPS;
        ``"torch"`` or ``"openvino"`` force a runtime
        (:func:`~napari_defocus_deblur.inference.device.resolve_backend`).

    Raises
    ------
    UserInputError
        Empty, too small (sides < 16), RGB, NaN/inf or otherwise unusable images; bad
        options; no model available.
    """
    job = iter_deblur(
        image,
        depth_um,
        fusion,
        model,
        device,
        tile,
        overlap,
        precision,
        output_dtype,
        channel_axis=channel_axis,
        backend=backend,
    )
    return drive(job, progress)


def iter_deblur(
    image: Any,
    depth_um: float | str = DEFAULT_DEPTH_UM,
    fusion: str = "sum",
    model: ModelArg = None,
    device: str | torch.device = "auto",
    tile: int | None = None,
    overlap: int | None = None,
    precision: str = "auto",
    output_dtype: Any = None,
    *,
    channel_axis: int | None = None,
    backend: str = "auto",
) -> Generator[TileProgress, None, np.ndarray]:
    """Generator version of :func:`deblur`: yields :class:`TileProgress`, returns the array.

    A first event with ``done == 0`` announces the total. Stopping early (closing the
    generator) leaves no state behind.
    """
    arr = check_image(image)
    depth = check_depth(depth_um)
    out_dtype = resolve_output_dtype(output_dtype, arr.dtype)
    estimated = _estimate_for_model_choice(arr, depth, model, channel_axis)
    pick = float(np.median(estimated)) if estimated is not None else depth
    net, info, _name = resolve_model(model, pick, fusion)
    dev = resolve_device(device)
    choice = resolve_backend(backend, precision, dev)
    units, restore = split_units(arr, net.config.in_channels, channel_axis)
    check_finite(units)
    depths = _model_depths(net.config, units, depth, estimated)
    norm = PercentileNormalization.from_dict(info.get("normalization"))
    plan, batch = _tile_layout(net, units.shape, dev, choice, tile, overlap)
    module = build_backend(net, choice)
    planes = PlaneAssembler(units, plan, norm)
    yield from _run_tiles(planes, module, batch, dev, choice, depths)
    if dev.type != "cpu" and planes.out.size > _RELEASE_AFTER_PIXELS:
        release_memory(dev)
    out = planes.out if depths is None else hold_in_focus(units, planes.out, depths)
    return convert_dtype(restore(out), out_dtype)


def _estimate_for_model_choice(
    arr: np.ndarray, depth: float | str, model: ModelArg, channel_axis: int | None
) -> np.ndarray | None:
    """Per-plane depth estimates when ``"auto"`` must pick the bundled model, else None.

    The median of the estimates picks the model.
    """
    if depth != "auto" or model is not None:
        return None
    planes, _ = split_units(arr, 1, channel_axis)
    check_finite(planes)
    return unit_depths(planes, "auto")


def _model_depths(
    cfg: ModelConfig, units: np.ndarray, depth: float | str, estimated: np.ndarray | None
) -> np.ndarray | None:
    """The distance each unit is told (depth-conditioned models only), else None.

    Estimates made to pick the model are reused for single-channel models.
    """
    if not cfg.conditioned:
        return None
    if estimated is not None and cfg.in_channels == 1:
        return estimated
    return unit_depths(units, depth)


def _tile_layout(
    net: nn.Module,
    shape: tuple[int, ...],
    dev: torch.device,
    choice: Backend,
    tile: int | None,
    overlap: int | None,
) -> tuple[TilePlan, int]:
    """``(tile plan, tiles per batch)`` for units of ``shape`` on ``dev``.

    The tile side comes from free memory unless ``tile`` is given.
    """
    cfg = net.config
    width = cfg.nah_channels if cfg.architecture == "nah" else cfg.base_channels
    nbytes = 4 if choice.dtype == torch.float32 else 2
    free = free_memory_bytes(dev)
    fits = auto_tile_side(
        width=width,
        device_type=dev.type,
        bytes_per_value=nbytes,
        free_bytes=free,
        multiple=cfg.size_multiple,
    )
    side = fits if tile is None else positive_int(tile, "tile", MIN_SIZE)
    side, ov, margin = tile_window(net, shape, side, overlap, dev, fits, tile is not None)
    plan = plan_tiles(shape[-2:], side, ov, cfg.size_multiple, margin)
    batch = batch_size(
        plan.tile_shape[0] * plan.tile_shape[1],
        width=width,
        device_type=dev.type,
        bytes_per_value=nbytes,
        free_bytes=free,
    )
    return plan, batch


def _run_tiles(
    planes: PlaneAssembler,
    module: Any,
    batch: int,
    dev: torch.device,
    choice: Backend,
    depths: np.ndarray | None,
) -> Generator[TileProgress, None, None]:
    """Run the network over every tile of ``planes`` in batches, yielding progress."""
    n = planes.units.shape[0]
    total, done = n * planes.plan.n_tiles, 0
    yield TileProgress(0, total, 0, n)
    depth_of = None if depths is None else (lambda tags: depths[[t[0] for t in tags]])
    batches = batched(planes.tiles(), batch)
    for tags, pred in run_batches(module, batches, dev, choice.autocast_dtype, depth_of):
        for tag, p in zip(tags, pred):
            planes.add(tag, p)
        done += len(tags)
        yield TileProgress(done, total, tags[-1][0], n)


def unit_depths(units: np.ndarray, depth: float | str) -> np.ndarray:
    """Defocus distance (µm) of every plane of ``units`` (N, C, H, W): the given number,
    or with ``"auto"`` each plane's own estimate from its first channel."""
    if depth != "auto":
        return np.full(units.shape[0], float(depth), dtype=np.float32)
    from napari_defocus_deblur.estimate import estimate_defocus

    estimates = [estimate_defocus(unit[0]).depth_um for unit in units]
    return np.asarray(estimates, dtype=np.float32)
