"""How far a tile's border disturbs a network's output, and the overlap that hides it.

A tile's prediction differs from the whole-image prediction near the tile's border,
where the network sees padding instead of the image. :func:`measure_reach` measures by
how much, as a function of the distance to the border (an *edge-response profile*):
it runs the network on simulated defocused fields (10, 22 and 34 µm from focus) and on
their central crops and records, for every distance from the crop's edge, the largest
difference as a fraction of the output's range. The profile is the network's effective
receptive field seen from a tile border (for a stack of k 3x3 convolutions it is zero
from distance k on).

From the profile follows the blending window (:mod:`.tiling`): a tile's weight is zero
on a band of ``margin`` pixels along its border and rises along a squared sine over
``ramp`` pixels, so neighbouring tiles overlap by ``2 * margin + ramp``. The smallest such
overlap whose blended error on the probes stays below :data:`PROBE_TOLERANCE` is chosen
(the probes are gentler than real plates, hence the margin below the 1 % target).
:func:`model_reach` caches the result in memory and in the user cache folder, keyed by
the weights' hash.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.inference.cache import cache_dir, read_json, weights_hash, write_json

#: Largest blended error on the probes, as a fraction of the output range (the seam
#: target on real data is 1 %; real plates reached ~4x the probes' error).
PROBE_TOLERANCE = 0.0025
#: Shortest blending ramp (pixels): the window stays smooth whatever the profile.
MIN_RAMP = 16
#: Distances from focus of the simulated probe fields (micrometres).
PROBE_DEPTHS_UM = (10.0, 22.0, 34.0)
_VERSION = 1
_MEMORY: dict[str, Reach] = {}


@dataclass(frozen=True)
class Reach:
    """A measured edge-response profile and the blending window derived from it.

    Attributes
    ----------
    margin
        Pixels along a tile's border where its weight is zero.
    ramp
        Pixels over which the weight rises from 0 to 1.
    profile
        Largest output difference (fraction of the output range) at each distance from
        a tile border, made non-increasing (the envelope).
    seconds
        Time the measurement took.
    """

    margin: int
    ramp: int
    profile: tuple[float, ...]
    seconds: float = 0.0

    @property
    def overlap(self) -> int:
        """Overlap of neighbouring tiles: ``2 * margin + ramp``."""
        return 2 * self.margin + self.ramp


def crop_side(multiple: int) -> int:
    """Side of the probe crop (a tile): 256 px, or 8 network units if larger."""
    return max(256, 8 * int(multiple))


def _probe(side: int, depth: float, seed: int, channels: int) -> np.ndarray:
    from napari_defocus_deblur.simulate.field import simulate_field

    raw = simulate_field([depth], seed=seed, shape=(side, side))[depth].astype(np.float32)
    lo, hi = np.percentile(raw, [1.0, 99.8])
    plane = (raw - lo) / max(float(hi - lo), 1e-6)
    return np.repeat(plane[None, None], channels, axis=1).astype(np.float32)


def _run(module: nn.Module, x: np.ndarray, depth: float, conditioned: bool, device) -> np.ndarray:
    t = torch.from_numpy(x).to(device)
    with torch.inference_mode():
        y = module(t, torch.tensor([depth], device=device)) if conditioned else module(t)
    return y.float().cpu().numpy()[0]


def edge_profile(model: nn.Module, device: torch.device | str = "cpu") -> np.ndarray:
    """Largest |crop output - whole output| / output range at each distance from the edge.

    Probes: simulated fields of ``1.5 x`` :func:`crop_side` pixels at
    :data:`PROBE_DEPTHS_UM`, cropped in the middle at multiples of the network's unit.
    Returns the non-increasing envelope, one value per distance ``0 .. crop/2 - 1``.
    """
    from napari_defocus_deblur.inference.runner import prepare

    cfg = model.config
    dev = torch.device(device)
    module = prepare(model, dev, torch.float32)
    crop = crop_side(cfg.size_multiple)
    off = crop // 4
    conditioned = bool(getattr(cfg, "conditioned", False))
    i = np.arange(crop)
    edge = np.minimum(i, crop - 1 - i)
    dist = np.minimum(edge[:, None], edge[None, :]).ravel()
    worst = np.zeros(crop // 2)
    for seed, depth in enumerate(PROBE_DEPTHS_UM):
        full = _probe(crop + 2 * off, depth, seed, cfg.in_channels)
        whole = _run(module, full, depth, conditioned, dev)
        part = _run(module, full[..., off : off + crop, off : off + crop], depth, conditioned, dev)
        span = max(float(whole.max() - whole.min()), 1e-12)
        diff = np.abs(part - whole[..., off : off + crop, off : off + crop]).max(axis=0) / span
        np.maximum.at(worst, dist, diff.ravel())
    return np.maximum.accumulate(worst[::-1])[::-1]


def blended_error(profile: np.ndarray, margin: int, ramp: int) -> float:
    """Largest error of two tiles blended over ``2 * margin + ramp`` pixels (1-D model)."""
    from napari_defocus_deblur.inference.tiling import ramp_weights

    n = 2 * margin + ramp
    w = ramp_weights(n, margin).astype(np.float64)
    p = np.arange(n)
    last = len(profile) - 1
    own = profile[np.minimum(p, last)]  # the tile whose border is on the left
    other = profile[np.minimum(n - 1 - p, last)]
    return float(np.max(w * own + (1.0 - w) * other))


def choose_window(profile: np.ndarray, tolerance: float = PROBE_TOLERANCE) -> tuple[int, int]:
    """``(margin, ramp)`` of the smallest overlap whose :func:`blended_error` is tolerable.

    Falls back to the widest window the profile covers when none is good enough.
    """
    longest = 2 * len(profile)
    for n in range(MIN_RAMP, longest + 1, 2):
        for margin in range(0, (n - MIN_RAMP) // 2 + 1):
            if blended_error(profile, margin, n - 2 * margin) <= tolerance:
                return margin, n - 2 * margin
    margin = max(0, (longest - MIN_RAMP) // 2)
    return margin, longest - 2 * margin


def measure_reach(model: nn.Module, device: torch.device | str = "cpu") -> Reach:
    """Measure ``model``'s edge-response profile and derive its blending window."""
    start = time.perf_counter()
    profile = edge_profile(model, device)
    margin, ramp = choose_window(profile)
    rounded = tuple(round(float(v), 7) for v in profile)
    return Reach(margin, ramp, rounded, round(time.perf_counter() - start, 2))


def model_reach(model: nn.Module, device: torch.device | str = "cpu") -> Reach:
    """:func:`measure_reach`, cached in memory and on disk under the weights' hash.

    A checkpoint may carry the result (``"reach"`` in ``config.json``: ``margin``,
    ``ramp``, ``profile``, ``seconds`` and the ``weights_hash`` it was measured for, as
    :func:`reach_record` writes it); it is used when the hash matches.
    """
    digest = weights_hash(model)
    key = f"{digest}-v{_VERSION}-t{PROBE_TOLERANCE:g}"
    hit = _MEMORY.get(key)
    if hit is not None:
        return hit
    path = cache_dir("reach") / f"{key}.json"
    data = read_json(path)
    stored = (getattr(model, "checkpoint_info", None) or {}).get("reach")
    if isinstance(stored, dict) and stored.get("weights_hash") == digest:
        data = stored
    try:
        reach = Reach(
            int(data["margin"]), int(data["ramp"]), tuple(data["profile"]), data["seconds"]
        )
    except (TypeError, KeyError, ValueError):
        reach = measure_reach(model, device)
        write_json(path, {**asdict(reach), "profile": list(reach.profile)})
    _MEMORY[key] = reach
    return reach


def reach_record(model: nn.Module, device: torch.device | str = "cpu") -> dict:
    """:func:`model_reach` as a JSON object to store in a checkpoint's ``config.json``."""
    reach = model_reach(model, device)
    return {**asdict(reach), "profile": list(reach.profile), "weights_hash": weights_hash(model)}


def tile_window(
    model: nn.Module,
    shape: tuple[int, ...],
    tile: int,
    overlap: int | None,
    device: torch.device | str,
    largest: int,
    asked: bool = True,
) -> tuple[int, int, int | None]:
    """``(tile, overlap, margin)``: the tiling :func:`.tiling.tile_overlap` gives, with a
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

    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.inference.tiling import overlap_for, tile_overlap

    if overlap is not None or max(int(n) for n in shape[-2:]) <= int(tile):
        return (int(tile), *tile_overlap(model, shape, tile, overlap, device))
    reach = model_reach(model, device)
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
