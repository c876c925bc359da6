"""Band profiles and the perceptrons that map them to micrometres."""

from __future__ import annotations

import numpy as np

from napari_defocus_deblur.estimate import _coefficients
from napari_defocus_deblur.estimate.profile import band_profile, predict_depths


def _profiles(n: int = 6) -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.array([band_profile(rng.normal(size=(128, 128))) for _ in range(n)])


def test_one_perceptron_files_still_read_and_an_ensemble_is_the_mean():
    coef = _coefficients()
    single = {"mu": coef["mu"], "sd": coef["sd"], "layers": coef["members"][0]["layers"]}
    other = {**single, "layers": coef["members"][1]["layers"]}
    pair = {"mu": coef["mu"], "sd": coef["sd"], "members": coef["members"][:2]}
    x = _profiles()
    expected = (predict_depths(x, single) + predict_depths(x, other)) / 2
    assert np.allclose(predict_depths(x, pair), expected)
    assert not np.allclose(predict_depths(x, single), predict_depths(x, other))


def test_the_shipped_calibration_curve_is_strictly_increasing():
    curve = _coefficients()["calibration"]
    assert np.all(np.diff(curve["raw"]) > 0) and np.all(np.diff(curve["depth"]) > 0)


def test_the_calibration_interpolates_inside_and_continues_with_slope_one_outside():
    # a "perceptron" that answers its first input, so the raw readings are chosen here
    identity = {"mu": [0.0] * 3, "sd": [1.0] * 3, "layers": [{"w": [[1.0, 0, 0]], "b": [0.0]}]}
    curve = {"raw": [0.0, 10.0, 20.0], "depth": [0.0, 5.0, 30.0]}
    raw = np.array([[-2.0, 0, 0], [5.0, 0, 0], [15.0, 0, 0], [25.0, 0, 0]])
    assert np.allclose(predict_depths(raw, identity), [-2.0, 5.0, 15.0, 25.0])
    mapped = predict_depths(raw, {**identity, "calibration": curve})
    assert np.allclose(mapped, [-2.0, 2.5, 17.5, 35.0])


def test_band_profile_takes_other_edges():
    tile = np.random.default_rng(1).normal(size=(128, 128))
    assert band_profile(tile).shape == (24,)
    coarse = band_profile(tile, np.geomspace(0.012, 0.5, 13))
    assert coarse.shape == (12,) and coarse.max() == 0.0


def test_the_estimator_reads_with_its_coefficients_band_edges(monkeypatch):
    import napari_defocus_deblur.estimate as est

    coef = _coefficients()
    assert np.allclose(coef["band_edges"], est.BAND_EDGES, atol=1e-5)
    rng = np.random.default_rng(2)
    image = 100.0 + rng.poisson(200.0, size=(256, 256)).astype(float)
    shipped = est.estimate_tiles(image).depths_um
    monkeypatch.setattr(est, "_coefficients", lambda: {**coef, "band_edges": est.BAND_EDGES})
    assert np.array_equal(est.estimate_tiles(image).depths_um, shipped)
    shifted = {**coef, "band_edges": (est.BAND_EDGES * 0.7).tolist()}
    monkeypatch.setattr(est, "_coefficients", lambda: shifted)
    assert not np.allclose(est.estimate_tiles(image).depths_um, shipped)


def test_profiles_of_many_tiles_are_those_of_one_tile_at_a_time_bit_for_bit():
    from napari_defocus_deblur.estimate.profile import band_profiles

    rng = np.random.default_rng(3)
    tiles = [rng.poisson(lam, size=(128, 128)).astype(float) for lam in (5.0, 80.0, 900.0)]
    tiles.append(np.full((128, 128), 7.0))  # no power: every band at the floor
    many = band_profiles(tiles)
    assert many.shape == (4, 24) and np.array_equal(many[3], np.zeros(24))
    for tile, row in zip(tiles, many):
        window = np.outer(np.hanning(128), np.hanning(128))
        power = np.abs(np.fft.rfft2((tile - tile.mean()) * window)) ** 2
        radius = np.hypot(np.fft.fftfreq(128)[:, None], np.fft.rfftfreq(128)[None, :])
        band = np.digitize(radius, np.geomspace(0.012, 0.5, 25)) - 1
        ok = (band >= 0) & (band < 24)
        counts = np.maximum(np.bincount(band[ok], minlength=24), 1)  # the lowest band is empty
        mean = np.bincount(band[ok], power[ok], 24) / counts
        logp = np.log10(mean + 1e-12)
        np.testing.assert_allclose(row, logp - logp.max(), rtol=0, atol=1e-9)
    assert np.array_equal(band_profiles(tiles[1:2]), many[1:2])  # alone or in company
    assert np.array_equal(band_profiles(tiles[::-1])[::-1], many)
