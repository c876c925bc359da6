"""The tiles of a run: side (from free memory), overlap (from the model's reach), batch.

Decided by the run plan (:func:`~.plan.plan_run`) once per image; kept apart from
:mod:`.tiling` (the geometry and the blending) so that the geometry needs neither the
network nor its measured reach.
"""

from __future__ import annotations

import torch
from torch import nn

from napari_defocus_deblur.errors import UserInputError
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


def tile_window(
    model: nn.Module,
    shape: tuple[int, ...],
    tile: int,
    overlap: int | None,
    device: torch.device | str,
    largest: int,
    asked: bool = True,
) -> tuple[int, int, int | None]:
    """``(tile, overlap, margin)``: the tiling :func:`tile_overlap` gives, with a
    tile below the network's reach enlarged to the safe tile (``2 x`` the measured
    overlap, so the whole blending window fits).

    ``largest`` is the largest tile free memory allows; ``asked`` says whether ``tile``
    came from the caller (then a safe tile that does not fit is refused) or from free
    memory (then the run warns, naming the safe tile).

    Raises
    ------
    UserInputError
        A requested tile below the reach whose safe tile does not fit in memory.
    """
    import warnings

    if overlap is not None or max(int(n) for n in shape[-2:]) <= int(tile):
        return (int(tile), *tile_overlap(model, shape, tile, overlap, device))
    reach = reaches.model_reach(model, device)
    multiple = int(model.config.size_multiple)
    safe = -(-2 * reach.overlap // multiple) * multiple
    if int(tile) < safe:
        seams = f"tile {tile} is below the network's reach ({reach.overlap} px of overlap)"
        if safe <= largest:
            warnings.warn(f"{seams}: using the safe tile {safe} instead", stacklevel=4)
            tile = safe
        elif asked:
            raise UserInputError(
                f"{seams}, so tile seams would change the result by several %; the safe tile "
                f"{safe} does not fit in free memory (at most {largest}): free memory, or give "
                "an overlap explicitly to accept the seams"
            )
        else:
            warnings.warn(f"{seams}: seams may show; free memory for tile {safe}", stacklevel=4)
    return (int(tile), *overlap_for(reach.margin, reach.ramp, tile))


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
