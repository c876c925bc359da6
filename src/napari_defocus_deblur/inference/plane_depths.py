"""The distance each plane is deblurred for: told, recorded or estimated, on which side.

:func:`plane_depths` turns a run's request into one :class:`PlaneDepth` per unit the
network sees, and :func:`for_network` turns stage offsets on the other side of focus than
the network learnt into the distance it is told (:mod:`.side`). The run plan
(:func:`~.plan.plan_run`) asks both; nothing else decides a plane's distance.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from napari_defocus_deblur.estimate import LOW_CONFIDENCE
from napari_defocus_deblur.inference.checks import check_depth
from napari_defocus_deblur.inference.side import check_side, distance_for_network

#: Where a plane's distance came from.
TOLD, METADATA, ESTIMATED = "told", "metadata", "estimated"
#: One side for every plane, or one per 2-D plane.
Sides = str | Sequence[str]


@dataclass(frozen=True)
class PlaneDepth:
    """The distance from focus (µm) one plane is deblurred for, and where it came from.

    ``side`` is the side of focus the plane lies on (estimates read the blur in
    micrometres below focus); ``stage_um`` the stage offset it was given when the
    network is told another distance (:func:`for_network`), else None.
    """

    depth_um: float
    origin: str
    confidence: float | None = None
    side: str = "below"
    stage_um: float | None = None

    def describe(self) -> str:
        """E.g. ``"34 µm (told)"``, ``"21.5 µm (estimated, confidence 0.82)"`` or
        ``"8.4 µm (told 10 µm above focus)"``."""
        sure = f", confidence {self.confidence:.2f}" if self.confidence is not None else ""
        given = f" {round(self.stage_um, 1):g} µm {self.side} focus" if self.converted else ""
        return f"{round(self.depth_um, 1):g} µm ({self.origin}{given}{sure})"

    @property
    def converted(self) -> bool:
        """Is the network told another distance than the stage offset given?"""
        return self.stage_um is not None


def per_plane_sides(side: Sides, n: int) -> list[str]:
    """``n`` checked sides: one for all, or one per plane (a list of another length,
    e.g. per 2-D plane for multi-channel units, gives its most common side to all)."""
    if isinstance(side, str):
        return [check_side(side)] * n
    sides = [check_side(s) for s in side]
    if len(sides) != n:
        common = Counter(sides).most_common(1)
        sides = [common[0][0] if common else "below"] * n
    return sides


def plane_depths(
    units: np.ndarray,
    wanted: float | str,
    recorded: float | Sequence[float | None] | None,
    estimate: bool = True,
    side: Sides = "below",
) -> tuple[PlaneDepth, ...]:
    """One :class:`PlaneDepth` per unit (N, C, H, W): told, recorded or estimated, each
    a stage offset on its ``side``; none when a plane would need an estimate that is
    not ``estimate``-d (unused distance)."""
    n = units.shape[0]
    sides = per_plane_sides(side, n)
    if wanted != "auto":
        return tuple(PlaneDepth(float(wanted), TOLD, side=s) for s in sides)
    if recorded is None or isinstance(recorded, int | float):
        recorded = [recorded] * n
    recorded = list(recorded)
    if len(recorded) != n:  # per-plane records of another layout: use their median
        known = [float(d) for d in recorded if d is not None]
        recorded = [float(np.median(known)) if known else None] * n
    if not estimate and None in recorded:
        return ()
    out = []
    for unit, told, plane_side in zip(units, recorded, sides):
        if told is not None:
            depth = float(check_depth(told, allow_auto=False))
            out.append(PlaneDepth(depth, METADATA, side=plane_side))
            continue
        from napari_defocus_deblur.estimate import estimate_defocus

        guess = estimate_defocus(unit[0])
        out.append(PlaneDepth(float(guess.deblur_depth_um), ESTIMATED, float(guess.confidence)))
    return tuple(out)


def for_network(planes: Sequence[PlaneDepth], network_side: str) -> tuple[PlaneDepth, ...]:
    """``planes`` as a network that learnt ``network_side`` of focus is told them: a
    plane on the other side gets :func:`~.side.distance_for_network`, keeping its stage
    offset in ``stage_um``."""
    out = []
    for plane in planes:
        stage = plane.depth_um if plane.stage_um is None else plane.stage_um
        if plane.side == network_side:
            out.append(replace(plane, depth_um=stage, stage_um=None))
            continue
        told = distance_for_network(stage, plane.side, network_side)
        out.append(replace(plane, depth_um=told, stage_um=stage))
    return tuple(out)


def depth_notes(planes: Sequence[PlaneDepth]) -> list[str]:
    """Notes for estimated distances of low confidence and for planes told another
    distance than their stage offset."""
    notes = []
    weak = [p for p in planes if p.confidence is not None and p.confidence < LOW_CONFIDENCE]
    if weak:
        worst = min(p.confidence for p in weak)
        notes.append(
            f"{len(weak)} of {len(planes)} estimated distance(s) are uncertain (confidence "
            f"down to {worst:.2f}), so they were deblurred for the low end of their tiles' "
            "readings; give the distance if you know it"
        )
    moved = [p for p in planes if p.converted]
    if moved:
        first = moved[0]
        other = "below" if first.side == "above" else "above"
        notes.append(
            f"{len(moved)} of {len(planes)} plane(s) lie {first.side} focus: "
            f"{first.stage_um:g} µm {first.side} was deblurred for {first.depth_um:.1f} µm, "
            f"allowing for the focal shift, as the network learnt planes {other} focus"
        )
    return notes
