"""The fixed robustness test set: distances x optics settings x content types.

Every cell is a :class:`~.prior.Prior` with degenerate ranges, so one seed gives one
image pair. Optics settings span the ``wide`` training prior and are defined relative to
the calibrated nominal optics (NA offset, defocus-scale factor), so they keep their
meaning when the nominal is recalibrated; their blur at 34 µm is given relative to the
first-round simulator's nominal (``blur_vs_v1``, ratio of the 80 %-energy radii, as
first measured with the v2 calibration). The ``paper`` part is the nominal preset at
the paper's five distances (its Table 2 layout). ``write_robustness_set`` writes the
pairs as TIFFs with a manifest; ``defocus-deblur simulate OUT --robustness-set`` calls it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Generator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from napari_defocus_deblur.constants import NUMERICAL_APERTURE, PAPER_DEPTHS_UM
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.simulate.microscope import Microscope
from napari_defocus_deblur.simulate.prior import (
    NOMINAL_DEFOCUS_SCALE,
    NOMINAL_NA,
    PRESETS,
    Prior,
)
from napari_defocus_deblur.simulate.pupil import Optics

#: Image shape of the set: the paper's 348 x 260 crops.
SET_SHAPE = (260, 348)
#: Distances of the robustness part (µm below focus unless the setting is above focus).
ROBUSTNESS_DEPTHS_UM = (10.0, 22.0, 34.0)

_NOMINAL = PRESETS["nominal"]


def _relative(na_offset: float = 0.0, scale_factor: float = 1.0) -> dict:
    """Optics overrides: the nominal NA plus ``na_offset``, its scale times a factor."""
    na = round(NOMINAL_NA + na_offset, 3)
    scale = round(NOMINAL_DEFOCUS_SCALE * scale_factor, 3)
    return {"na": (na, na), "defocus_scale": (scale, scale)}


#: name -> (optics overrides, above focus, blur at 34 µm relative to simulator v1)
OPTICS_SETTINGS: dict[str, tuple[dict, bool, float]] = {
    "nominal": ({}, False, 1.23),
    "above-focus": ({}, True, 1.15),
    "narrow": (_relative(-0.03, 0.75), False, 0.85),
    "wide-1.5x": (_relative(0.0, 1.21), False, 1.5),
    "wide-1.8x": (_relative(+0.05, 1.275), False, 1.8),
    "aberrated": ({"spherical_waves": (0.5, 0.5)}, False, 1.03),
}

#: name -> content overrides (fixed style ranges)
CONTENT_TYPES: dict[str, dict] = {
    "sparse-smooth": {
        "count": (10.0, 30.0),
        "fine_texture": (0.03, 0.03),
        "coarse_texture": (0.03, 0.03),
        "bright_bodies": (0.0, 0.0),
    },
    "dense": {"count": (320.0, 400.0), "radius_px": (7.0, 12.0)},
    "bright-compact": {
        "count": (30.0, 60.0),
        "radius_px": (5.0, 9.0),
        "bright_bodies": (8.0, 8.0),
        "fine_texture": (0.3, 0.3),
    },
}


@dataclass(frozen=True)
class Cell:
    """One image pair of the set."""

    part: str  # "paper" or "robustness"
    setting: str
    content: str
    depth_um: float
    seed: int
    prior: Prior
    above_focus: bool

    @property
    def stage_um(self) -> float:
        """Signed stage offset (negative below focus)."""
        return self.depth_um if self.above_focus else -self.depth_um

    @property
    def name(self) -> str:
        return f"{self.part}_{self.setting}_{self.content}_{self.depth_um:g}um_s{self.seed}"


def cells(per_cell: int = 1, paper_fields: int = 4) -> list[Cell]:
    """Every pair of the set (fixed seeds)."""
    out = []
    for k, depth in enumerate(PAPER_DEPTHS_UM):
        for i in range(paper_fields):
            seed = 9_100_000 + 100 * k + i
            out.append(Cell("paper", "nominal", "bbbc006", float(depth), seed, _NOMINAL, False))
    for a, (setting, (optics, above, _)) in enumerate(OPTICS_SETTINGS.items()):
        for b, (content, style) in enumerate(CONTENT_TYPES.items()):
            prior = replace(_NOMINAL, name=f"{setting}/{content}", **optics, **style)
            for c, depth in enumerate(ROBUSTNESS_DEPTHS_UM):
                for i in range(per_cell):
                    seed = 9_200_000 + 10_000 * a + 1000 * b + 100 * c + i
                    out.append(Cell("robustness", setting, content, depth, seed, prior, above))
    return out


def setting_optics(setting: str) -> Optics:
    """The optics of a robustness setting (its ranges are degenerate: one value each)."""
    overrides, _, _ = OPTICS_SETTINGS[setting]
    return replace(_NOMINAL, name=setting, **overrides).draw(np.random.default_rng(0)).optics


def setting_microscope(setting: str) -> Microscope:
    """What a user of a setting's optics can state: its aperture (as an objective's NA,
    :attr:`Microscope.effective_na` inverted) and focal shift; its spherical aberration
    and emission shift have no field (the ``aberrated`` setting states BBBC006's)."""
    optics = setting_optics(setting)
    return Microscope(
        na=optics.na * NUMERICAL_APERTURE / NOMINAL_NA,
        focal_shift_scale=optics.defocus_scale / NOMINAL_DEFOCUS_SCALE,
    )


def simulate_cell(cell: Cell) -> tuple[np.ndarray, np.ndarray]:
    """``(out-of-focus, in-focus)`` uint16 images of a cell."""
    from napari_defocus_deblur.simulate.field import simulate_prior_field

    images, _ = simulate_prior_field(
        [cell.stage_um], prior=cell.prior, seed=cell.seed, shape=SET_SHAPE
    )
    return images[cell.stage_um], images[0.0]


def manifest_entry(cell: Cell) -> dict:
    """What ``manifest.json`` records of a written pair (:func:`read_manifest` returns it)."""
    entry = {k: getattr(cell, k) for k in ("part", "setting", "content", "depth_um", "seed")}
    entry.update(stage_um=cell.stage_um, name=cell.name, prior=cell.prior.to_dict())
    return entry


@dataclass(frozen=True)
class PairWritten:
    """Progress event: ``done`` of ``total`` pairs written, the last one ``name``."""

    done: int
    total: int
    name: str


def iter_write_robustness_set(
    out_dir: str | os.PathLike, per_cell: int = 1, paper_fields: int = 4
) -> Generator[PairWritten, None, Path]:
    """Write every pair as ``NAME_blurred.tif``/``NAME_sharp.tif`` plus ``manifest.json``;
    yields :class:`PairWritten`, returns the folder."""
    from napari_defocus_deblur.io.tiff import write_tiff

    out = Path(out_dir)
    if out.exists() and any(out.iterdir()):
        raise UserInputError(f"{out} is not empty; write the robustness set to a new folder")
    out.mkdir(parents=True, exist_ok=True)
    todo = cells(per_cell, paper_fields)
    entries = []
    for done, cell in enumerate(todo, start=1):
        blurred, sharp = simulate_cell(cell)
        write_tiff(out / f"{cell.name}_blurred.tif", blurred)
        write_tiff(out / f"{cell.name}_sharp.tif", sharp)
        entries.append(manifest_entry(cell))
        yield PairWritten(done, len(todo), cell.name)
    manifest = {"shape": list(SET_SHAPE), "pairs": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return out


def read_manifest(folder: str | os.PathLike) -> list[dict]:
    """The entries of a written set's ``manifest.json``."""
    path = Path(folder) / "manifest.json"
    try:
        return json.loads(path.read_text())["pairs"]
    except (OSError, ValueError, KeyError) as exc:
        raise UserInputError(
            f"{folder} is not a robustness set (no readable manifest.json)"
        ) from exc
