"""Calibration v3: the nominal optics blur real in-focus content like real z_00 blurs.

Uses the real BBBC006 images in ../shared (skipped where they are absent).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from napari_defocus_deblur.estimate import estimate_defocus
from napari_defocus_deblur.simulate.prior import NOMINAL_DEFOCUS_SCALE, NOMINAL_NA, PRESETS
from napari_defocus_deblur.simulate.pupil import Optics

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT.parent / "shared" / "data" / "bbbc006-real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="real BBBC006 images not present")


def _calibration_script():
    spec = importlib.util.spec_from_file_location("cal", ROOT / "scripts/calibrate_optics.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def real():
    from napari_defocus_deblur.io.tiff import read_image

    z00 = [read_image(p)[0] for p in sorted((REAL / "defocus-z00").glob("*.tif"))]
    focus = [read_image(p)[0].astype(np.float64) for p in sorted((REAL / "in-focus").glob("*"))]
    return z00[:8], focus


def test_nominal_preset_is_the_calibrated_optics():
    optics = PRESETS["nominal"].draw(np.random.default_rng(0)).optics
    assert (optics.na, optics.defocus_scale) == (NOMINAL_NA, NOMINAL_DEFOCUS_SCALE) == (0.5, 0.9)


def test_simulated_z00_reads_like_real_z00_within_2_um(real):
    z00, focus = real
    cal = _calibration_script()
    sim = cal.simulate_set(
        focus, -33.0, Optics(na=NOMINAL_NA, defocus_scale=NOMINAL_DEFOCUS_SCALE)
    )
    real_reading = np.median([estimate_defocus(i).depth_um for i in z00])
    sim_reading = np.median([estimate_defocus(i).depth_um for i in sim])
    assert abs(sim_reading - real_reading) <= 2.0
    assert 31.0 <= real_reading <= 35.5
    # the v2 calibration (defocus scale 1.2) blurs visibly more than the real images
    wider = cal.simulate_set(focus, -33.0, Optics(na=0.45, defocus_scale=1.2))
    assert np.median([estimate_defocus(i).depth_um for i in wider]) > real_reading + 3.0


def test_band_profiles_of_simulated_and_real_z00_agree(real):
    z00, focus = real
    cal = _calibration_script()
    sim = cal.simulate_set(
        focus, -33.0, Optics(na=NOMINAL_NA, defocus_scale=NOMINAL_DEFOCUS_SCALE)
    )
    distance = np.sqrt(np.mean((cal.mean_profile(sim) - cal.mean_profile(z00)) ** 2))
    assert distance < 0.35
