"""Several fields per hard robustness cell, the network told the distance.

The robustness set holds one field per cell, and on the cells where a network is closest
to the input (sparse smooth nuclei 10 µm from focus, with optics that blur less than
BBBC006's) whether that one field falls below the input is luck: over five fields per
cell the shipped U-Net fell below on 3 of 15 while the set's cells all passed (session
20). :func:`told_field_gains` scores a network told ``factor`` times the true distance
on ``fields`` fields of each chosen cell (seed indices 0.., index 0 being the set's own
field), so a ship rule can count fields below the input instead of trusting one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.simulate.robustness import OPTICS_SETTINGS

if TYPE_CHECKING:
    from napari_defocus_deblur.simulate.robustness import Cell

#: The cells counted by default: sparse smooth content at 10 µm, where told networks come
#: closest to the input (docs/zoo.md, stages f to i), in every optics setting.
HARD_CONTENT = "sparse-smooth"
HARD_DEPTH_UM = 10.0
HARD_SETTINGS = tuple(OPTICS_SETTINGS)
#: Fields per cell: ten (60 fields over the six settings, about 20 s per network).
HARD_FIELDS = 10


@dataclass(frozen=True)
class FieldGain:
    """A network's PSNR gain over the input on one field, told ``told_um``."""

    name: str
    setting: str
    told_um: float
    gain_db: float


def iter_fields(
    fields: int = HARD_FIELDS,
    content: str | None = HARD_CONTENT,
    depth_um: float | None = HARD_DEPTH_UM,
    settings: tuple[str, ...] = HARD_SETTINGS,
    first: int = 0,
) -> Iterator[tuple[Cell, np.ndarray, np.ndarray]]:
    """``(cell, out-of-focus float32, in-focus)`` for ``fields`` fields of each chosen
    robustness cell (``content`` or ``depth_um`` None: every one), from seed index
    ``first`` on (0: the robustness set's own field), in the cells' order."""
    from napari_defocus_deblur.simulate import robustness

    for cell in robustness.cells(per_cell=first + fields):
        if cell.part != "robustness" or cell.setting not in settings:
            continue
        if cell.seed % 100 < first:
            continue
        if content not in (None, cell.content) or depth_um not in (None, cell.depth_um):
            continue
        blurred, sharp = robustness.simulate_cell(cell)
        yield cell, blurred.astype(np.float32), sharp


def told_field_gains(
    model: str,
    *,
    fields: int = HARD_FIELDS,
    content: str = HARD_CONTENT,
    depth_um: float = HARD_DEPTH_UM,
    settings: tuple[str, ...] = HARD_SETTINGS,
    factor: float = 1.0,
    tell_side: bool = False,
    passes: dict[str, Any] | None = None,
) -> list[FieldGain]:
    """Gains of ``model`` (a name or checkpoint folder) told ``factor`` x the distance.

    Parameters
    ----------
    model
        Bundled model name or checkpoint folder, run through ``deblur``'s default path.
    fields
        Fields per cell (seed indices 0 to ``fields - 1``; 0 is the robustness set's).
    content, depth_um, settings
        Which robustness cells (:func:`~napari_defocus_deblur.simulate.robustness.cells`).
    factor
        The network is told ``factor`` times the true distance.
    tell_side
        Also tell each field its side of focus (``side="above"`` for the above-focus
        cells, :mod:`~napari_defocus_deblur.inference.side`), as a user who knows it does.
    passes
        The network's ``views``/``phases`` (None: ``deblur``'s defaults).

    Returns
    -------
    list of FieldGain
        One per field, in the order of the cells.
    """
    from napari_defocus_deblur.inference import deblur

    out = []
    for cell, blurred, sharp in iter_fields(fields, content, depth_um, settings):
        told = factor * cell.depth_um
        side = "above" if tell_side and cell.above_focus else "below"
        restored = deblur(blurred, depth_um=told, model=model, side=side, **(passes or {}))
        gain = psnr(restored, sharp) - psnr(blurred, sharp)
        out.append(FieldGain(cell.name, cell.setting, told, float(gain)))
    return out


def summarise_gains(gains: list[FieldGain]) -> dict:
    """``fields``, ``below_input`` (fields with a negative gain), ``worst_db`` and
    ``mean_gain_db`` of a list of field gains (``{"fields": 0}`` when empty)."""
    if not gains:
        return {"fields": 0}
    values = np.array([g.gain_db for g in gains])
    return {
        "fields": len(values),
        "below_input": int((values < 0).sum()),
        "worst_db": round(float(values.min()), 2),
        "mean_gain_db": round(float(values.mean()), 3),
    }


def summary_line(summary: dict) -> str:
    """One line of a :func:`summarise_gains` result, e.g. ``"4 of 60 below the input
    (worst -2.45 dB, mean +4.519 dB)"``."""
    if not summary.get("fields"):
        return "no fields"
    return (
        f"{summary['below_input']} of {summary['fields']} below the input (worst "
        f"{summary['worst_db']:+.2f} dB, mean {summary['mean_gain_db']:+.3f} dB)"
    )
