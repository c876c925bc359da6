"""How well can any estimator read true micrometres on the robustness set?

An image tells its blur, not the optics that made it (``simulate.equivalence``): the
``wide-1.5x`` field at 34 µm is the nominal field at 41.1 µm. This prints each setting's
nominal-equivalent distances, then the estimator's median error against the true
distance, the error an exact reader of nominal-equivalent micrometres would make
(``|equivalent - true|``; not a lower bound, see ``evaluate_zoo_v3.estimator_figures``),
and its error against the equivalent distance. The same figures are in the evaluation
record (``scripts/evaluate_zoo_v3.py``). The last two columns ask what a user who states
the optics gets: each reading mapped back through its setting's whole optics
(``stage_offset_um``, the inverse of ``nominal_equivalent_um`` sampled every 4 µm), and
through what the plugin lets a user state (``estimate_defocus(image, microscope=...)``
with ``robustness.setting_microscope``: aperture, focal shift and side of focus, no
aberration), each compared with the true distance.

Usage (writes the set first if it is missing)::

    python scripts/estimator_floor.py [--set runs/robustness-set-v3]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate_zoo_v3 import estimator_figures, estimator_rows

from napari_defocus_deblur.progress import drive
from napari_defocus_deblur.simulate.equivalence import nominal_equivalent_um, stage_offset_um
from napari_defocus_deblur.simulate.robustness import (
    OPTICS_SETTINGS,
    ROBUSTNESS_DEPTHS_UM,
    iter_write_robustness_set,
    setting_microscope,
    setting_optics,
)


def _median_errors(rows: list[tuple], back: Callable[[str, float, float], float]) -> dict:
    """Median |``back(setting, reading, signed stage)`` - true distance| per setting and
    over all (``"all"``)."""
    errors: dict[str, list[float]] = {}
    for setting, true, read, _, stage in rows:
        errors.setdefault(setting, []).append(abs(back(setting, read, stage) - true))
    every = [e for v in errors.values() for e in v]
    return {k: float(np.median(v)) for k, v in [*errors.items(), ("all", every)]}


def known_optics_errors(rows: list[tuple]) -> dict[str, float]:
    """Each reading mapped back through its field's own optics
    (``simulate.equivalence.stage_offset_um``): :func:`_median_errors`."""

    def back(setting: str, read: float, stage: float) -> float:
        return stage_offset_um(read, setting_optics(setting), above=stage > 0)

    return _median_errors(rows, back)


def stated_errors(rows: list[tuple]) -> dict[str, float]:
    """As :func:`known_optics_errors`, through what a user can state in the plugin
    (``estimate_defocus(image, microscope=...)``: aperture, focal shift and the side of
    focus; no aberration)."""
    return _median_errors(
        rows,
        lambda setting, read, stage: setting_microscope(setting).stage_um(
            read, "above" if stage > 0 else "below"
        ),
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=Path("runs/robustness-set-v3"))
    args = ap.parse_args()
    if not (args.set / "manifest.json").is_file():
        drive(iter_write_robustness_set(args.set))
    print("nominal-equivalent distance (µm) at", ROBUSTNESS_DEPTHS_UM)
    for setting, (_, above, _) in OPTICS_SETTINGS.items():
        optics = setting_optics(setting)
        eq = [nominal_equivalent_um(d if above else -d, optics) for d in ROBUSTNESS_DEPTHS_UM]
        print(f"  {setting:12s}", "  ".join(f"{z:5.1f}" for z in eq))
    rows = estimator_rows(args.set)  # the estimator reads the set once, for both
    figures = estimator_figures(args.set, rows)
    known, stated = known_optics_errors(rows), stated_errors(rows)
    print(
        f"{'median |error| µm':18s} {'vs true':>8s} {'exact eq.':>9s} {'vs equiv.':>9s} "
        f"{'optics known':>12s} {'stated':>7s}"
    )
    for name in [*figures["per_setting"], "all"]:
        row = [
            figures[f"{k}robustness_median_abs_error_um"]
            if name == "all"
            else figures[f"{k}per_setting"][name]
            for k in ("", "equivalent_reader_", "vs_equivalent_")
        ]
        print(
            f"  {name:16s} {row[0]:8.2f} {row[1]:9.2f} {row[2]:9.2f} {known[name]:12.2f} "
            f"{stated[name]:7.2f}"
        )


if __name__ == "__main__":
    main()
