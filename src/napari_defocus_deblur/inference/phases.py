"""Averaged passes: mirror views and pixel phases, the cure for the network's lattice.

A network that downsamples by 2 (max-pool, strided convolution) treats even and odd
pixels differently, so even with resize-then-convolve upsampling (zoo v3) its output
keeps a faint grid locked to the pixel grid: a modulation by ``(-1)^y``, ``(-1)^x`` or
``(-1)^(x+y)`` of the restored content (lattice ratios up to ~25 on real z_00 images,
:func:`napari_defocus_deblur.evaluation.lattice.lattice_ratio`). Two averages remove it,
each at one network pass per member:

- **Mirror views** (the default): the image as it is, flipped up-down, left-right and
  both, each result flipped back (the self-ensemble of image-restoration networks). A
  flip of an even number of pixels moves every pixel to a position of the other parity,
  so the four views cancel every period-2 component tied to the grid; an odd side is
  first moved by one pixel so that its flip does the same. The views also disagree in
  what they invent where the blur left little to go on, and their mean keeps what they
  share: +0.38 dB over the v3 robustness set for the U-Net told the distance, against
  four pixel phases at the same cost (docs/inference.md).
- **Pixel phases**: the image moved by one pixel down and/or right, each result moved
  back; the mean over the four shifts ``{0, 1}^2`` commutes with one-pixel shifts, so
  it removes every grid-locked period-2 component exactly.

Exports carry either average in their graph, moving and flipping the image exactly as
:func:`pass_images` does (:mod:`napari_defocus_deblur.model.phases`).

:func:`choose_passes` is the one rule for how many views and phases a run averages;
:func:`pass_images` gives :func:`~.api.run_plan` the moved images and
:func:`moved_back` their results' place.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from napari_defocus_deblur.errors import UserInputError

#: The pixel shifts (dy, dx) for each allowed phase count.
SHIFTS: dict[int, tuple[tuple[int, int], ...]] = {
    1: ((0, 0),),
    2: ((0, 0), (1, 1)),
    4: ((0, 0), (0, 1), (1, 0), (1, 1)),
}
#: The mirror views (flip rows, flip columns) for each allowed view count.
MIRRORS: dict[int, tuple[tuple[bool, bool], ...]] = {
    1: ((False, False),),
    4: ((False, False), (True, False), (False, True), (True, True)),
}
#: ``"auto"`` averages 4 passes on planes up to this many pixels, 1 above.
AUTO_MAX_PIXELS = 4096 * 4096


@dataclass(frozen=True)
class Pass:
    """One network pass of an averaged run: the image moved ``shift`` (dy, dx) pixels
    down/right on a canvas two pixels larger, then flipped along ``flip`` (rows, cols)."""

    shift: tuple[int, int] = (0, 0)
    flip: tuple[bool, bool] = (False, False)


def choose_passes(
    views: int | str, phases: int | str, plane_shape: tuple[int, int]
) -> tuple[int, int, list[str]]:
    """How many mirror views and pixel phases to average, and a note when "auto" chose
    speed.

    Parameters
    ----------
    views
        ``"auto"``: 4 when ``phases`` is ``"auto"`` too and a plane has at most
        :data:`AUTO_MAX_PIXELS` pixels, else 1 (a number of phases then gives exactly
        what it asks for); or 1 or 4.
    phases
        ``"auto"``: 1 when the views average (they cancel the lattice) or a plane is
        larger than :data:`AUTO_MAX_PIXELS`, else 4; or 1, 2 or 4.
    plane_shape
        (height, width) of one plane.

    Returns
    -------
    tuple
        ``(views, phases, notes)``: the run makes ``views * phases`` passes.

    Raises
    ------
    UserInputError
        Any other value.
    """
    _check(views, MIRRORS, "views")
    _check(phases, SHIFTS, "phases")
    big = plane_shape[0] * plane_shape[1] > AUTO_MAX_PIXELS
    if views == "auto":
        views = 1 if phases != "auto" or big else 4
    notes = []
    if phases == "auto":
        phases = 1 if views > 1 or big else 4
        if big and views == 1:
            notes.append(
                f"planes over {AUTO_MAX_PIXELS / 1e6:.0f} Mpx run once, not averaged over 4 "
                "mirror views (views=4 removes the faint period-2 lattice, 4x the time)"
            )
    return int(views), int(phases), notes


def _check(value: int | str, allowed: dict, name: str) -> None:
    if value != "auto" and (isinstance(value, bool) or value not in allowed):
        counts = ", ".join(str(n) for n in allowed)
        raise UserInputError(f"{name} must be 'auto', {counts}, not {value!r}")


def pass_shape(shape: tuple[int, ...], views: int, phases: int = 1) -> tuple[int, ...]:
    """The shape every pass's image has when ``views`` mirror views times ``phases`` pixel
    phases are averaged: two rows and columns more when averaging (two keep the sides'
    parity, so the passes tile like the image itself)."""
    grow = 2 * int(views * phases > 1)
    return (*shape[:-2], shape[-2] + grow, shape[-1] + grow)


def passes_of(views: int, phases: int, plane_shape: tuple[int, int]) -> list[Pass]:
    """The passes of a run, in order. A mirrored view of one phase is moved by one pixel
    along each flipped side of odd length, so that its flip changes every pixel's
    parity (a side of ``n + 2`` pixels flips ``y`` to ``n + 1 - dy - y``)."""
    if views == 1:
        return [Pass(shift) for shift in SHIFTS[phases]]
    if phases == 1:
        rows, cols = plane_shape
        return [Pass((fy * (rows % 2), fx * (cols % 2)), (fy, fx)) for fy, fx in MIRRORS[views]]
    return [Pass(shift, flip) for flip in MIRRORS[views] for shift in SHIFTS[phases]]


def pass_images(units: np.ndarray, views: int, phases: int) -> Iterator[tuple[Pass, np.ndarray]]:
    """``(pass, units as that pass shows them)`` for each pass of :func:`passes_of`.

    Each image has :func:`pass_shape`: a mirrored row/column in front for a shift, the
    rest repeated at the far end (symmetric), then flipped; every pass is tiled by one
    plan and a tiled run matches a whole-image run as closely as with one pass (each pass
    is an ordinary run of its own; only the image moves under the network's pixel grid).
    """
    if views * phases == 1:
        yield Pass(), units
        return
    lead = [(0, 0)] * (units.ndim - 2)
    for p in passes_of(views, phases, units.shape[-2:]):
        (dy, dx), (fy, fx) = p.shift, p.flip
        front = np.pad(units, [*lead, (dy, 0), (dx, 0)], mode="reflect")
        moved = np.pad(front, [*lead, (0, 2 - dy), (0, 2 - dx)], mode="symmetric")
        yield p, np.ascontiguousarray(_flipped(moved, p.flip)) if fy or fx else moved


def _flipped(image: np.ndarray, flip: tuple[bool, bool]) -> np.ndarray:
    rows = slice(None, None, -1 if flip[0] else 1)
    cols = slice(None, None, -1 if flip[1] else 1)
    return image[..., rows, cols]


def moved_back(out: np.ndarray, p: Pass, shape: tuple[int, ...]) -> np.ndarray:
    """The part of a pass's result that lies on the original image of ``shape``."""
    dy, dx = p.shift
    return _flipped(out, p.flip)[..., dy : dy + shape[-2], dx : dx + shape[-1]]
