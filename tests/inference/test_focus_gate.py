"""Do no harm: planes within the depth of field come back unchanged."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from napari_defocus_deblur.inference.focus_gate import hold_in_focus, restoration_weight


def test_weight_ramps_from_the_depth_of_field_to_the_papers_nearest_distance():
    w = restoration_weight(np.array([0.0, 2.9, 3.0, 5.5, 8.0, 10.0, 34.0, -34.0]))
    np.testing.assert_allclose(w, [0, 0, 0, 0.5, 1, 1, 1, 1])


def test_hold_in_focus_blends_each_plane_by_its_own_distance():
    units = np.zeros((3, 1, 4, 4), np.float32)
    restored = np.ones((3, 1, 4, 4), np.float32)
    out = hold_in_focus(units, restored, np.array([1.0, 5.5, 20.0]))
    np.testing.assert_allclose(out[:, 0, 0, 0], [0.0, 0.5, 1.0])


@pytest.fixture(scope="module")
def sharp_field():
    from napari_defocus_deblur.simulate.field import simulate_prior_field

    images, _ = simulate_prior_field([-10.0], prior="nominal", seed=7, shape=(256, 256))
    return images[0.0].astype(np.float32), images[-10.0].astype(np.float32)


def test_a_sharp_image_comes_back_unchanged_without_a_wrong_warning(sharp_field):
    from napari_defocus_deblur.inference.api import deblur

    sharp, _ = sharp_field
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "no bundled model was trained for 0.3 µm"
        out = deblur(sharp, depth_um=1.0, backend="torch", precision="fp32")
    np.testing.assert_allclose(out, sharp, atol=1e-3)
    auto = deblur(sharp, depth_um="auto", backend="torch", precision="fp32")
    np.testing.assert_allclose(auto, sharp, atol=1e-3)


def test_a_defocused_image_is_still_restored(sharp_field):
    from napari_defocus_deblur.inference.api import deblur

    _, blurred = sharp_field
    out = deblur(blurred, depth_um=10.0, backend="torch", precision="fp32")
    assert np.abs(out - blurred).mean() > 1.0
