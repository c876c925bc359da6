"""The Gibson-Lanni PSF: normalised, asymmetric with an index mismatch, like psfmodels."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.simulate.pupil import Optics, encircled_radius_px, gibson_lanni_psf


def test_kernel_is_normalised_centred_and_odd():
    k = gibson_lanni_psf(-20.0)
    assert k.shape[0] == k.shape[1] and k.shape[0] % 2 == 1
    assert k.sum() == pytest.approx(1.0, abs=1e-9)
    assert (k >= 0).all()
    c = k.shape[0] // 2
    yy, xx = np.mgrid[: k.shape[0], : k.shape[1]]
    assert (k * yy).sum() == pytest.approx(c, abs=0.05)
    assert (k * xx).sum() == pytest.approx(c, abs=0.05)


def test_blur_grows_with_distance_and_defocus_scale():
    r10 = encircled_radius_px(gibson_lanni_psf(-10.0))
    r34 = encircled_radius_px(gibson_lanni_psf(-34.0))
    wide = encircled_radius_px(gibson_lanni_psf(-34.0, optics=Optics(defocus_scale=1.5)))
    assert r10 < 0.5 * r34
    assert wide > 1.35 * r34


def test_index_mismatch_makes_the_blur_asymmetric_about_focus():
    below, above = gibson_lanni_psf(-32.0, size=91), gibson_lanni_psf(32.0, size=91)
    assert np.abs(below - above).sum() > 0.05  # 5 % of the energy moves
    assert encircled_radius_px(below) > encircled_radius_px(above)


def test_without_mismatch_the_blur_is_symmetric():
    matched = Optics(ns=1.0, source_depth_um=0.0, na=0.45)
    below = gibson_lanni_psf(-32.0, optics=matched, size=91)
    above = gibson_lanni_psf(32.0, optics=matched, size=91)
    np.testing.assert_allclose(below, above, atol=1e-9)


def test_invalid_optics_are_refused():
    with pytest.raises(ValueError, match="na"):
        Optics(na=1.2)
    with pytest.raises(ValueError, match="odd"):
        gibson_lanni_psf(-10.0, size=10)


@pytest.mark.parametrize("stage", [-32.0, -16.0, 32.0])
def test_matches_psfmodels_scalar_gibson_lanni(stage):
    """Stated tolerance: Pearson r >= 0.99 and 80 %-energy radius within 1.5 px."""
    pm = pytest.importorskip("psfmodels")
    n, sub = 83, 3
    params = {
        "NA": 0.45,
        "ni": 1.0,
        "ni0": 1.0,
        "ns": 1.33,
        "ng": 1.515,
        "ng0": 1.515,
        "tg": 170,
        "tg0": 170,
    }
    params["ti0"] = 150
    zv = np.array([stage - 1e-4, stage, stage + 1e-4])
    ref = pm.scalar_psf(zv, n * sub, dxy=0.645 / sub, pz=2.0, wvl=0.46, params=params)[1]
    ref = ref.reshape(n, sub, n, sub).sum(axis=(1, 3))
    ref /= ref.sum()
    ours = gibson_lanni_psf(stage, 460.0, Optics(), size=n, bandwidth_nm=0)
    assert np.corrcoef(ref.ravel(), ours.ravel())[0, 1] >= 0.99
    assert abs(encircled_radius_px(ref) - encircled_radius_px(ours)) <= 1.5
