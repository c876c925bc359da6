from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.simulate.camera import CameraModel, expose


def test_noise_statistics_follow_the_model():
    cam = CameraModel()
    rng = np.random.default_rng(0)
    signal = np.full((200, 200), 300.0)
    image = expose(signal, rng, cam)
    assert image.dtype == np.uint16
    light = 300.0 + cam.background_adu
    assert image.mean() == pytest.approx(cam.offset_adu + light, abs=0.5)
    expected_var = cam.gain_adu_per_electron * light + cam.read_noise_adu**2 + 1 / 12
    assert image.var() == pytest.approx(expected_var, rel=0.05)


def test_background_level_and_clipping():
    cam = CameraModel()
    image = expose(np.array([[-50.0, 0.0, 1e6]]), np.random.default_rng(1), cam)
    assert image[0, 2] == 4095
    assert abs(int(image[0, 0]) - 122) < 12 and abs(int(image[0, 1]) - 122) < 12


def test_deterministic_for_a_generator_seed():
    a = expose(np.ones((8, 8)) * 100, np.random.default_rng(5))
    b = expose(np.ones((8, 8)) * 100, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
