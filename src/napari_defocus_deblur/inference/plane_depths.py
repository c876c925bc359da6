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
from typing import TYPE_CHECKING

import numpy as np

from napari_defocus_deblur.estimate import LOW_CONFIDENCE
from napari_defocus_deblur.inference.checks import check_depth
from napari_defocus_deblur.inference.side import check_side, distance_for_network

if TYPE_CHECKING:
    from napari_defocus_deblur.simulate.microscope import Microscope

#: Where a plane's distance came from.
TOLD, METADATA, ESTIMATED = "told", "metadata", "estimated"
#: One side for every plane, or one per 2-D plane.
Sides = str | Sequence[str]


@dataclass(frozen=True)
class PlaneDepth:
    """The distance from focus (µm) one plane is deblurred for, and where it came from.

    ``side`` is the side of focus the plane lies on (estimates read the blur in
    micrometres below focus); ``stage_um`` the stage offset it was given when the
    network is told another distance (:func:`for_network`), else None; ``stated_um``
    the distance given under a stated microscope when it was converted to BBBC006's
    optics (:func:`plane_depths`), else None.
    """

    depth_um: float
    origin: str
    confidence: float | None = None
    side: str = "below"
    stage_um: float | None = None
    stated_um: float | None = None

    def describe(self) -> str:
        """E.g. ``"34 µm (told)"``, ``"21.5 µm (estimated, confidence 0.82)"``,
        ``"8.4 µm (told 10 µm above focus)"`` or ``"41.1 µm (told 34 µm below focus
        with the stated microscope)"``."""
        sure = f", confidence {self.confidence:.2f}" if self.confidence is not None else ""
        moved = self.converted or self.stated_um is not None
        text = f" {round(self.given_um, 1):g} µm {self.side} focus" if moved else ""
        text += " with the stated microscope" if self.stated_um is not None else ""
        return f"{round(self.depth_um, 1):g} µm ({self.origin}{text}{sure})"

    @property
    def given_um(self) -> float:
        """The distance as it was given: under the stated microscope, else the stage
        offset, else (unconverted) the distance the network is told."""
        if self.stated_um is not None:
            return self.stated_um
        return self.stage_um if self.stage_um is not None else self.depth_um

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
    microscope: Microscope | None = None,
) -> tuple[PlaneDepth, ...]:
    """One :class:`PlaneDepth` per unit (N, C, H, W): told, recorded or estimated, each
    a stage offset on its ``side`` under BBBC006's optics (told and recorded distances
    under a stated ``microscope`` are converted, keeping what was given in
    ``stated_um``); none when a plane would need an estimate that is not ``estimate``-d
    (unused distance)."""
    n = units.shape[0]
    sides = per_plane_sides(side, n)
    if wanted != "auto":
        return tuple(_given(float(wanted), TOLD, s, microscope) for s in sides)
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
            out.append(_given(depth, METADATA, plane_side, microscope))
            continue
        from napari_defocus_deblur.estimate import estimate_defocus

        guess = estimate_defocus(unit[0], microscope)
        out.append(PlaneDepth(float(guess.deblur_depth_um), ESTIMATED, float(guess.confidence)))
    return tuple(out)


def _given(depth_um: float, origin: str, side: str, microscope: Microscope | None) -> PlaneDepth:
    """A told or recorded distance, converted to BBBC006's optics under ``microscope``."""
    if microscope is None or microscope.is_bbbc006:
        return PlaneDepth(depth_um, origin, side=side)
    return PlaneDepth(microscope.bbbc006_um(depth_um, side), origin, side=side, stated_um=depth_um)


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
    return notes + _side_notes(planes) + _microscope_notes(planes)


def _side_notes(planes: Sequence[PlaneDepth]) -> list[str]:
    moved = [p for p in planes if p.converted]
    if not moved:
        return []
    first = moved[0]
    other = "below" if first.side == "above" else "above"
    return [
        f"{len(moved)} of {len(planes)} plane(s) lie {first.side} focus: "
        f"{first.given_um:g} µm {first.side} was deblurred for {first.depth_um:.1f} µm, "
        f"allowing for the focal shift, as the network learnt planes {other} focus"
    ]


def _microscope_notes(planes: Sequence[PlaneDepth]) -> list[str]:
    stated = [p for p in planes if p.stated_um is not None]
    if not stated:
        return []
    first = stated[0]
    equal = first.stage_um if first.converted else first.depth_um
    return [
        f"the stated microscope blurs {first.stated_um:g} µm {first.side} focus as "
        f"BBBC006's optics blur {equal:.1f} µm, the micrometres the network learnt: "
        f"{len(stated)} of {len(planes)} told distance(s) converted"
    ]
