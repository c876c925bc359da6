"""Which BBBC006 planes a data set is paired on: the default reference plane and a record.

The rule from distance to planes is :func:`napari_defocus_deblur.constants.pair_planes`;
this module picks a data set's default reference plane (its own focus) and describes
the pairing that was made, for the command line and the training record.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from napari_defocus_deblur.constants import IN_FOCUS_PLANE, PAPER_REFERENCE_PLANE
from napari_defocus_deblur.errors import UserInputError

#: The record ``defocus-deblur simulate`` writes next to its plane folders.
SIMULATION_RECORD = "simulation.json"


def data_focus_plane(root: str | os.PathLike) -> int:
    """The reference plane ``root`` is paired against by default: the data's own focus.

    A folder written by ``defocus-deblur simulate`` records its in-focus plane
    (``"in_focus_plane"`` in ``simulation.json``; records older than that key were
    simulated in focus at z_16). Any other BBBC006 root is taken to be the real set and
    paired against the paper's ground truth, z_17.

    Raises
    ------
    UserInputError
        The simulation record exists but cannot be read.
    """
    record = Path(root).expanduser() / SIMULATION_RECORD
    if not record.is_file():
        return PAPER_REFERENCE_PLANE
    try:
        info = json.loads(record.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UserInputError(f"{record}: not a readable simulation record ({exc})") from exc
    plane = info.get("in_focus_plane", IN_FOCUS_PLANE) if isinstance(info, dict) else None
    if not isinstance(plane, int) or isinstance(plane, bool):
        raise UserInputError(f"{record}: in_focus_plane must be a plane number, got {plane!r}")
    return plane


def root_planes(
    root: str | os.PathLike,
    depth_um: float,
    reference_plane: int | None = None,
    side: str | None = None,
) -> tuple[int, int]:
    """``(blurred_plane, reference_plane)`` of a BBBC006 layout at ``depth_um``.

    :func:`~napari_defocus_deblur.constants.pair_planes` with the defaults every front
    end uses: the reference plane is the data's own focus (:func:`data_focus_plane`)
    unless given, the side ``"below"`` unless given.
    """
    from napari_defocus_deblur.constants import pair_planes

    reference = data_focus_plane(root) if reference_plane is None else reference_plane
    return pair_planes(depth_um, reference, side or "below")


@dataclass(frozen=True)
class Pairing:
    """The planes paired at one distance (``None`` planes: z-stacks, per-stack focus)."""

    depth_um: float
    blurred_plane: int | None
    reference_plane: int | None
    n_fields: int
    channel: int

    @property
    def side(self) -> str | None:
        """``"below"`` or ``"above"`` the reference plane (None for z-stacks)."""
        if self.blurred_plane is None or self.reference_plane is None:
            return None
        return "below" if self.blurred_plane < self.reference_plane else "above"

    def text(self) -> str:
        """One line: ``paired z_00 (34 µm below z_17) with z_17 for 24 fields, channel w1``."""
        if self.side is None:
            return (
                f"paired the plane {self.depth_um:g} µm from each stack's in-focus plane "
                f"for {self.n_fields} z-stack(s)"
            )
        ref = f"z_{self.reference_plane:02d}"
        return (
            f"paired z_{self.blurred_plane:02d} ({self.depth_um:g} µm {self.side} {ref}) "
            f"with {ref} for {self.n_fields} fields, channel w{self.channel}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record (adds ``side``)."""
        return {**asdict(self), "side": self.side}


def pairing_of(pairs: Sequence[Any]) -> Pairing:
    """The :class:`Pairing` of field pairs found at one distance and channel."""
    first = pairs[0]
    return Pairing(
        depth_um=float(first.depth_um),
        blurred_plane=first.oof_plane,
        reference_plane=first.in_focus_plane,
        n_fields=len({p.field_id for p in pairs}),
        channel=int(first.channel),
    )
