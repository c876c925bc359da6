"""Names and distances of zoo models: per-distance aliases and distance coverage.

A checkpoint records either one distance (``depth_um``) or, for a model trained on
pooled distances, the list it was trained on (``depths_um``). Bundled models of the
second kind answer to per-distance aliases such as ``bbbc006-34um-sum``, so code and
documentation can name a model by distance and method whatever the zoo's layout.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

#: Methods a zoo model can be (the evaluation table's learned rows).
METHODS = ("sum", "concat", "unet", "nah")
#: The families with the paper's head-to-tail fusion (the others have none to name).
FUSED_METHODS = ("sum", "concat")
#: The one-click network: the family ``deblur``, ``predict``, ``focus-map`` and the
#: Deblur widget pick from unless told another. The one-scale U-Net since zoo v3 stage b:
#: at equal steps it led the robustness set told the distance (+5.50 dB vs sum +4.96)
#: and in one click (+5.28 vs +4.68), its depth knob peaks at the true distance on its
#: training prior (sum's wants 19 µm at 16), and it restores the real z_00 images
#: sharper (x36.9 vs x31.4) without ringing (docs/zoo.md, "Which network is the default").
DEFAULT_METHOD = "unet"
_ALIAS = re.compile(r"^bbbc006-(\d+(?:\.\d+)?)um-(sum|concat|unet|nah)$")


def parse_alias(name: str) -> tuple[float, str] | None:
    """``"bbbc006-34um-sum"`` -> ``(34.0, "sum")``; None for other names."""
    match = _ALIAS.match(name.strip().lower())
    return None if match is None else (float(match.group(1)), match.group(2))


def alias(depth_um: float, method: str) -> str:
    """Inverse of :func:`parse_alias`."""
    return f"bbbc006-{depth_um:g}um-{method}"


def method_of(info: Mapping[str, Any]) -> str:
    """``"sum"``, ``"concat"``, ``"unet"`` (one scale) or ``"nah"`` from a ``config.json``."""
    model = info.get("model") or {}
    if model.get("architecture") == "nah":
        return "nah"
    if int(model.get("scales", 4)) == 1:
        return "unet"
    return str(model.get("fusion") or "sum")


def trained_depths(info: Mapping[str, Any]) -> tuple[float, ...]:
    """Distances a checkpoint was trained on (empty when it does not say)."""
    many = info.get("depths_um")
    if many:
        return tuple(sorted(float(d) for d in many))
    one = info.get("depth_um")
    return () if one is None else (float(one),)


def served_depths(info: Mapping[str, Any]) -> tuple[float, ...]:
    """The distances (µm) a checkpoint serves, for display and coverage warnings.

    A network trained on simulated fields (a prior) saw every distance from in focus to
    the prior's far end: ``(0, far)``, whatever distances its per-distance aliases name.
    Otherwise the distances it was trained on (:func:`trained_depths`; a network trained
    blind on several covers the range between them); empty when it does not say.
    """
    config = (info.get("training") or {}).get("config") or {}
    span = config.get("prior_depths_um")
    if span and config.get("prior"):
        return 0.0, float(span[1])
    return trained_depths(info)


def depth_gap(depths: Sequence[float], depth_um: float) -> float:
    """How far ``depth_um`` lies outside the range of ``depths`` (0 inside; inf if empty).

    A model trained on several distances is taken to cover the whole range between
    them (it is trained blind, without being told the distance).
    """
    if not depths:
        return float("inf")
    lo, hi = min(depths), max(depths)
    return max(lo - depth_um, depth_um - hi, 0.0)


def depths_text(depths: Sequence[float]) -> str:
    """``"34"`` or ``"10-34"`` for display."""
    if not depths:
        return "-"
    if len(depths) == 1:
        return f"{depths[0]:g}"
    return f"{min(depths):g}-{max(depths):g}"
