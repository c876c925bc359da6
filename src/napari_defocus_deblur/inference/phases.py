"""Pixel-phase averaging: the cure for what is left of the network's period-2 lattice.

A network that downsamples by 2 (max-pool, strided convolution) treats even and odd
pixels differently, so even with resize-then-convolve upsampling (zoo v3) its output
keeps a faint grid locked to the pixel grid: a modulation by ``(-1)^y``, ``(-1)^x`` or
``(-1)^(x+y)`` of the restored content (lattice ratios up to ~25 on real z_00 images,
:func:`napari_defocus_deblur.evaluation.lattice.lattice_ratio`). Running the network on
the tile shifted by one pixel flips the sign of that modulation and leaves the content
in place, so the mean over the four shifts ``{0, 1}^2`` removes every period-2 component
tied to the grid exactly (the averaged operator commutes with one-pixel shifts). This is
test-time shift averaging, as in the self-ensembles of image-restoration networks; it
costs one network pass per phase and moves the mean PSNR of the v3 robustness set by
less than 0.03 dB (docs/inference.md).

:func:`choose_phases` is the one rule for how many phases a run uses;
:func:`phase_images` gives :func:`~.api.run_plan` the moved images and
:func:`moved_back` their results' place.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from napari_defocus_deblur.errors import UserInputError

#: The pixel shifts (dy, dx) for each allowed phase count.
SHIFTS: dict[int, tuple[tuple[int, int], ...]] = {
    1: ((0, 0),),
    2: ((0, 0), (1, 1)),
    4: ((0, 0), (0, 1), (1, 0), (1, 1)),
}
#: ``phases="auto"`` averages 4 phases on planes up to this many pixels, 1 above.
AUTO_MAX_PIXELS = 4096 * 4096


def choose_phases(requested: int | str, plane_shape: tuple[int, int]) -> tuple[int, list[str]]:
    """How many pixel phases to average, and a note when "auto" chose speed.

    Parameters
    ----------
    requested
        ``"auto"`` (4 phases up to :data:`AUTO_MAX_PIXELS` pixels per plane, else 1),
        or 1, 2 or 4.
    plane_shape
        (height, width) of one plane.

    Raises
    ------
    UserInputError
        Any other value.
    """
    if requested == "auto":
        if plane_shape[0] * plane_shape[1] <= AUTO_MAX_PIXELS:
            return 4, []
        return 1, [
            f"planes over {AUTO_MAX_PIXELS / 1e6:.0f} Mpx run once, not averaged over "
            "4 pixel phases (phases=4 removes the faint period-2 lattice, 4x the time)"
        ]
    if isinstance(requested, bool) or requested not in SHIFTS:
        raise UserInputError(f"phases must be 'auto', 1, 2 or 4, not {requested!r}")
    return int(requested), []


def phase_shape(shape: tuple[int, ...], phases: int) -> tuple[int, ...]:
    """The shape every phase's image has: two rows and columns more when averaging (two
    keep the sides' parity, so the phases tile like the image itself)."""
    grow = 2 * int(phases > 1)
    return (*shape[:-2], shape[-2] + grow, shape[-1] + grow)


def phase_images(units: np.ndarray, phases: int) -> Iterator[tuple[tuple[int, int], np.ndarray]]:
    """``((dy, dx), units moved dy/dx pixels down/right)`` for each shift of ``phases``.

    Each moved image has :func:`phase_shape`: a mirrored row/column in front for a shift,
    the rest repeated at the far end (symmetric), so every phase is tiled by one plan and a
    tiled run matches a whole-image run as closely as with one phase (each phase is an
    ordinary run of its own; only the image moves under the network's pixel grid).
    """
    if phases == 1:
        yield (0, 0), units
        return
    lead = [(0, 0)] * (units.ndim - 2)
    for dy, dx in SHIFTS[phases]:
        front = np.pad(units, [*lead, (dy, 0), (dx, 0)], mode="reflect")
        yield (dy, dx), np.pad(front, [*lead, (0, 2 - dy), (0, 2 - dx)], mode="symmetric")


def moved_back(out: np.ndarray, shift: tuple[int, int], shape: tuple[int, ...]) -> np.ndarray:
    """The part of a phase's result that lies on the original image of ``shape``."""
    dy, dx = shift
    return out[..., dy : dy + shape[-2], dx : dx + shape[-1]]
