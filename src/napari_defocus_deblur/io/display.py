"""How the reader shows BBBC006 channels: a colour map per channel and a true z step.

Two channels opened together must not both be grey with additive blending (they would
sum to one white image), and a stack of, say, planes 16 and 33 is 34 µm deep, not 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from napari_defocus_deblur.constants import CHANNEL_COLORMAPS, Z_STEP_UM


def channel_display(channel: int | None) -> dict[str, Any]:
    """``colormap`` and ``blending`` layer keywords for a BBBC006 channel.

    w1 (Hoechst, nuclei) is cyan and w2 (phalloidin, actin) magenta, as in the sample
    data, blended additively so that both channels show at once; other channels are grey.
    """
    return {"colormap": CHANNEL_COLORMAPS.get(channel, "gray"), "blending": "additive"}


def z_step_um(planes: Sequence[int]) -> float:
    """The z scale of a stack holding ``planes`` (BBBC006 plane numbers, 2 µm apart).

    Evenly spaced planes give their true spacing (planes 16 and 33: 34 µm); uneven ones
    the mean spacing, so the stack spans its true depth. One plane: the BBBC006 step.
    """
    ordered = sorted(int(p) for p in planes)
    if len(ordered) < 2:
        return Z_STEP_UM
    return (ordered[-1] - ordered[0]) * Z_STEP_UM / (len(ordered) - 1)
