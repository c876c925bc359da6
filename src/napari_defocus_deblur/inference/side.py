"""Side of focus: a plane above focus is told a shorter distance than its stage offset.

The bundled networks learnt the paper's side of focus: BBBC006 planes below focus, and a
simulated prior in which seven fields in eight lie below focus, each told its offset.
A dry objective focused into water shifts the focus: on BBBC006's calibrated optics a
plane ``d`` above focus passes the contrast of ``d - 3.25`` µm below it
(:data:`FOCAL_SHIFT_UM`), so a network told ``d`` over-sharpens the little blur there is
(docs/inference.md, "Side of focus"). A plane known to lie above focus is therefore told
``d - FOCAL_SHIFT_SHARE * shift``; a network that learnt above-focus pairs only (its
training record's pairing says so) is told below-focus planes the other way round.
Estimated distances need nothing of this: the estimator reads the blur itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from napari_defocus_deblur.constants import SIDES
from napari_defocus_deblur.errors import UserInputError

#: Focal shift of the calibrated nominal optics (NA 0.5 dry into water, Hoechst 460 nm),
#: µm: ``d`` above focus passes the contrast of ``d - 3.25`` below it over 0.03-0.25
#: cycles/pixel (:func:`napari_defocus_deblur.simulate.equivalence.band_transfer`; every
#: distance from 4 to 80 µm within 0.25 µm of it: ``python scripts/focal_shift.py``).
FOCAL_SHIFT_UM = 3.25
#: Share of the focal shift the networks are told. The bundled networks saw one field in
#: eight above focus told the stage offset, so to them an offset already holds part of
#: the shift. Over 45 above-focus fields (5 per robustness cell) half the shift is the
#: best share for the default U-Net (+5.96 -> +6.17 dB; the whole shift +5.90) and Nah,
#: level for sum, 0.2 dB under the bare offset for concat: ``scripts/side_of_focus.py``.
FOCAL_SHIFT_SHARE = 0.5


def check_side(value: Any, name: str = "side") -> str:
    """``"below"`` or ``"above"`` (any case); anything else is refused in one line."""
    side = value.strip().lower() if isinstance(value, str) else value
    if side not in SIDES:
        raise UserInputError(f"{name} must be 'below' or 'above' (of focus), got {value!r:.60}")
    return side


def equal_blur_below_um(above_um: float) -> float:
    """The distance below focus that blurs as much as ``above_um`` above it (µm)."""
    return max(0.0, float(above_um) - FOCAL_SHIFT_UM)


def trained_side(info: Mapping[str, Any] | None) -> str:
    """The side of focus a network learnt: ``"above"`` when every plane pairing in its
    training record lies above the reference plane, else ``"below"`` (the paper's side,
    the simulated prior's, z-stacks and networks without a record)."""
    training = (info or {}).get("training")
    data = training.get("data") if isinstance(training, Mapping) else None
    pairing = data.get("pairing") if isinstance(data, Mapping) else None
    if not isinstance(pairing, list) or not pairing:
        return "below"
    sides = {p.get("side") if isinstance(p, Mapping) else None for p in pairing}
    return "above" if sides == {"above"} else "below"


def distance_for_network(
    depth_um: float, side: str, network_side: str = "below", share: float = FOCAL_SHIFT_SHARE
) -> float:
    """The distance a network that learnt ``network_side`` of focus is told for a plane
    ``depth_um`` from focus on ``side``: as it is on the same side; above focus for a
    network of below-focus planes, shorter by ``share`` of the focal shift (never below
    0); below focus for a network of above-focus planes, longer by ``share`` of it."""
    depth = float(depth_um)
    if side == network_side:
        return depth
    if side == "above":
        return depth - share * (depth - equal_blur_below_um(depth))
    return depth + share * FOCAL_SHIFT_UM
