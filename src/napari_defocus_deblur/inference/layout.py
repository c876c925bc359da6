"""The tiles of a run: side (from free memory), overlap (from the model's reach), batch.

Decided by the run plan (:func:`~.plan.plan_run`) once per image; kept apart from
:mod:`.tiling` (the geometry and the blending) so that the geometry needs neither the
network nor its measured reach.
"""

from __future__ import annotations

import torch
from torch import nn

from napari_defocus_deblur.inference import reach as reaches
from napari_defocus_deblur.inference.checks import positive_int
from napari_defocus_deblur.inference.device import Backend, free_memory_bytes
from napari_defocus_deblur.inference.tiling import (
    TilePlan,
    auto_tile_side,
    batch_size,
    default_overlap,
    overlap_for,
    plan_tiles,
)
from napari_defocus_deblur.model.network import MIN_SIZE


def tile_overlap(
    model, shape: tuple[int, ...], tile: int, overlap: int | None, device: object = "cpu"
) -> tuple[int, int | None]:
    """``(overlap, margin)``: the caller's ``overlap`` (margin: a quarter of each overlap),
    or with None the window derived from ``model``'s measured reach
    (:func:`.reach.model_reach`), measured once per weights only when a plane of
    ``shape`` needs more than one tile of side ``tile``.
    """
    if overlap is not None:
        return positive_int(overlap, "overlap", 0), None
    if max(int(n) for n in shape[-2:]) <= int(tile):
        return default_overlap(tile), None
    reach = reaches.model_reach(model, device)  # looked up at call time (tests patch it)
    return overlap_for(reach.margin, reach.ramp, tile)


def tile_layout(
    net: nn.Module,
    shape: tuple[int, ...],
    runtime: Backend,
    tile: int | None,
    overlap: int | None,
) -> tuple[TilePlan, int]:
    """``(tile plan, tiles per batch)`` for units of ``shape``; the side from free memory
    unless ``tile`` is given."""
    cfg, dev = net.config, runtime.device
    width = cfg.nah_channels if cfg.architecture == "nah" else cfg.base_channels
    nbytes = 4 if runtime.dtype == torch.float32 else 2
    free = free_memory_bytes(dev)
    if tile is None:
        side = auto_tile_side(
            width=width,
            device_type=dev.type,
            bytes_per_value=nbytes,
            free_bytes=free,
            multiple=cfg.size_multiple,
        )
    else:
        side = positive_int(tile, "tile", MIN_SIZE)
    ov, margin = tile_overlap(net, shape, side, overlap, dev)
    plan = plan_tiles(shape[-2:], side, ov, cfg.size_multiple, margin)
    batch = batch_size(
        plan.tile_shape[0] * plan.tile_shape[1],
        width=width,
        device_type=dev.type,
        bytes_per_value=nbytes,
        free_bytes=free,
    )
    return plan, batch
