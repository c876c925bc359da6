"""Reading images whose pixels are coarser than BBBC006's.

The grid estimator's perceptrons learnt nuclei, blur and noise at 0.645 µm pixels;
finer pixels are binned onto that grid before it reads them, but interpolation cannot
give coarser images back the fine detail and noise it reads (real z_00 images binned
2 x 2 read 24 µm for 32-34 µm). Their tiles are read instead by perceptrons fitted on
fields recorded by cameras with pixels 1.2-4 times wider than BBBC006's
(``scripts/calibrate_coarse_estimator.py``: each coarse pixel integrates the light under
it), given each tile's band profile on its own pixels and ``log2`` of the pixel ratio.
They answer in the grid estimator's units: micrometres at which BBBC006's optics blur as
much, on its grid.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

from napari_defocus_deblur.constants import PIXEL_SIZE_UM
from napari_defocus_deblur.estimate.profile import band_profiles, predict_depths

if TYPE_CHECKING:
    from napari_defocus_deblur.simulate.microscope import Microscope

#: The coefficients fitted by ``scripts/calibrate_coarse_estimator.py``.
COARSE_FILE = "coarse.json"


@lru_cache(maxsize=1)
def _coarse_coefficients() -> dict:
    path = resources.files(__package__) / COARSE_FILE
    return json.loads(path.read_text())


def coarse_ratio(microscope: Microscope | None) -> float | None:
    """How many times wider than BBBC006's the stated pixels are, when they are coarser
    beyond the sampling tolerance (None otherwise: the grid estimator reads them)."""
    if microscope is None or not microscope.coarser_than_bbbc006:
        return None
    return microscope.pixel_size_um / PIXEL_SIZE_UM


def coarse_readings(tiles: Sequence[np.ndarray], ratio: float) -> np.ndarray:
    """Distance (µm, BBBC006's optics on its grid) of each tile of an image whose pixels
    are ``ratio`` times BBBC006's; a ratio beyond the fitted range is read at its end."""
    coef = _coarse_coefficients()
    low, high = coef["ratio_range"]
    profiles = band_profiles(tiles, np.asarray(coef["band_edges"], dtype=np.float64))
    column = np.full((len(profiles), 1), math.log2(min(max(ratio, low), high)))
    readings = predict_depths(np.hstack([profiles, column]), coef)
    return np.clip(readings, *coef["depth_range"])


def coarse_fingerprint() -> str:
    """The coarse coefficients as text, for :func:`~napari_defocus_deblur.estimate.
    estimator_id`."""
    return json.dumps(_coarse_coefficients(), sort_keys=True)
