"""Measure the focal shift of :mod:`napari_defocus_deblur.inference.side` on the simulator.

For every stage offset above focus on a 1-µm grid (4 to 80 µm), find the distance below
focus at which the calibrated nominal optics (NA 0.5, defocus scale 0.9, Hoechst 460 nm)
pass the same contrast where nuclei carry their detail
(:func:`napari_defocus_deblur.simulate.equivalence.band_transfer`, matched by least
squares on a 0.25-µm grid below focus), and print each shift and their median: the value
of ``FOCAL_SHIFT_UM``. ``tests/inference/test_side.py`` checks the shipped value with the
same function at three distances. Takes about two minutes.

Usage::

    python scripts/focal_shift.py
"""

from __future__ import annotations

import numpy as np

from napari_defocus_deblur.inference.side import FOCAL_SHIFT_UM
from napari_defocus_deblur.simulate.equivalence import band_transfer
from napari_defocus_deblur.simulate.prior import PRESETS

ABOVE_UM = np.arange(4.0, 81.0, 1.0)
BELOW_GRID_UM = np.arange(0.0, 90.25, 0.25)


def main() -> None:
    nominal = PRESETS["nominal"].draw(np.random.default_rng(0)).optics  # fixed values
    below = np.stack([band_transfer(-z, nominal) for z in BELOW_GRID_UM])
    shifts = []
    for above in ABOVE_UM:
        error = ((below - band_transfer(above, nominal)) ** 2).sum(axis=1)
        match = BELOW_GRID_UM[int(np.argmin(error))]
        shifts.append(above - match)
        print(f"{above:4.0f} µm above focus ~ {match:5.2f} µm below (shift {above - match:.2f})")
    shifts = np.asarray(shifts)
    spread = np.abs(shifts - np.median(shifts))
    print(
        f"median shift {np.median(shifts):.2f} µm (shipped FOCAL_SHIFT_UM {FOCAL_SHIFT_UM:g}); "
        f"{np.mean(spread <= 0.25):.0%} of the distances within 0.25 µm of it"
    )


if __name__ == "__main__":
    main()
