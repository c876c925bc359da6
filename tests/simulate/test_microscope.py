"""A stated microscope converts stage offsets to and from BBBC006's optics by equal blur."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.simulate import equivalence
from napari_defocus_deblur.simulate.equivalence import blur_radius_px, nominal_equivalent_um
from napari_defocus_deblur.simulate.microscope import Microscope
from napari_defocus_deblur.simulate.prior import PRESETS
from napari_defocus_deblur.simulate.robustness import setting_optics

#: The robustness set's ``wide-1.5x`` optics, as a user who measured the focal shift states
#: them (NA and pixels as BBBC006's, 1.21 times the focal shift).
LONGER_SHIFT = Microscope(focal_shift_scale=1.21)


def test_bbbc006s_own_optics_convert_nothing():
    for stated in (Microscope(), Microscope(na=0.45, pixel_size_um=0.645, emission_nm=460)):
        assert stated.is_bbbc006
        assert stated.bbbc006_um(34.0) == 34.0 and stated.stage_um(26.5) == 26.5
    # the stated 0.45 objective is the simulator's calibrated nominal one (NA 0.5, scale 0.9)
    assert Microscope().optics() == setting_optics("nominal")


def test_a_longer_focal_shift_reads_as_the_robustness_sets_wide_optics():
    assert LONGER_SHIFT.optics() == setting_optics("wide-1.5x")
    told = LONGER_SHIFT.bbbc006_um(34.0)
    assert told == pytest.approx(nominal_equivalent_um(-34.0, setting_optics("wide-1.5x")))
    assert told == pytest.approx(34.0 * 1.21, abs=1.0)
    assert LONGER_SHIFT.stage_um(told) == pytest.approx(34.0, abs=0.5)  # and back


def test_finer_pixels_put_twice_the_blur_into_every_micrometre_but_networks_see_the_grid():
    fine = Microscope(pixel_size_um=0.645 / 2)
    assert fine.blur_radius_px(34.0) == pytest.approx(2 * Microscope().blur_radius_px(34.0), 0.05)
    assert fine.bbbc006_um(34.0) == 34.0  # binned 2 x 2 for the network: BBBC006's blur
    wide = Microscope(na=0.6, pixel_size_um=0.645 / 2)
    assert wide.bbbc006_um(20.0) == Microscope(na=0.6).bbbc006_um(20.0) > 21.0
    assert wide.stage_um(wide.bbbc006_um(12.0)) == pytest.approx(12.0, abs=0.5)


def test_a_wider_aperture_blurs_more_and_the_side_of_focus_counts():
    wide = Microscope(na=0.6)
    assert wide.bbbc006_um(20.0) > 20.0 * 0.6 / 0.45 * 0.95
    # with a dry objective into water the blur is asymmetric about focus
    assert wide.bbbc006_um(20.0, "above") != pytest.approx(wide.bbbc006_um(20.0), abs=0.3)


@pytest.mark.parametrize(
    "values, words",
    [
        ({"na": 1.4}, "too wide"),  # dry into water: beyond the medium
        ({"na": 0.0}, "na must be within"),
        ({"pixel_size_um": 0.0}, "pixel_size_um must be within"),
        ({"emission_nm": "blue"}, "emission_nm must be within"),
        ({"focal_shift_scale": 10.0}, "focal_shift_scale must be within"),
    ],
)
def test_optics_out_of_bounds_are_refused_in_one_line(values, words):
    with pytest.raises(UserInputError, match=words) as caught:
        Microscope(**values)
    assert "\n" not in str(caught.value)


def test_the_shipped_blur_table_is_the_nominal_optics_blur():
    """``python scripts/nominal_blur_table.py`` rewrites it after a recalibration."""
    path = equivalence.resources.files(equivalence.__package__) / equivalence.TABLE_FILE
    table = json.loads(path.read_text())
    nominal = PRESETS["nominal"].draw(np.random.default_rng(0)).optics
    assert table["optics"] == nominal.to_dict(), "stale table: run scripts/nominal_blur_table.py"
    for z in (0.0, 10.0, 34.0, 80.0):
        i = equivalence.CURVE_UM.index(z)
        assert table["below"][i] == blur_radius_px(-z, nominal, 460.0)
        assert table["above"][i] == blur_radius_px(z, nominal, 460.0)


def test_without_the_table_the_curve_is_computed(monkeypatch):
    kept = equivalence._nominal_curve(460.0, -1.0)[:11]
    monkeypatch.setattr(equivalence, "TABLE_FILE", "missing.json")
    monkeypatch.setattr(equivalence, "CURVE_UM", equivalence.CURVE_UM[:11])
    equivalence._nominal_curve.cache_clear()
    try:
        np.testing.assert_array_equal(equivalence._nominal_curve(460.0, -1.0), kept)
    finally:
        equivalence._nominal_curve.cache_clear()


def test_the_robustness_settings_state_their_aperture_and_focal_shift():
    from napari_defocus_deblur.simulate.robustness import setting_microscope

    assert setting_microscope("nominal").is_bbbc006
    assert setting_microscope("aberrated").is_bbbc006  # spherical aberration: no field
    stated = setting_microscope("wide-1.8x").optics()
    assert stated.na == pytest.approx(setting_optics("wide-1.8x").na)
    assert stated.defocus_scale == pytest.approx(setting_optics("wide-1.8x").defocus_scale)
    assert setting_microscope("wide-1.5x").focal_shift_scale == pytest.approx(1.21)


def test_only_pixels_coarser_than_the_estimator_reads_are_said_to_make_estimates_unreliable():
    assert Microscope(pixel_size_um=0.7).sampling_note() == ""  # within 25 %
    assert Microscope(pixel_size_um=0.1625).sampling_note() == ""  # binned for the estimator
    assert Microscope(pixel_size_um=1.29).sampling_note() == ""  # the coarse perceptrons
    assert Microscope(pixel_size_um=2.58).sampling_note() == ""  # their end: 4 x BBBC006
    coarse = Microscope(pixel_size_um=3.2).sampling_note()
    assert "not 3.2 µm" in coarse and "not reliable" in coarse and "\n" not in coarse
    from napari_defocus_deblur.simulate import microscope

    microscope._warn_once.cache_clear()
    with pytest.warns(UserWarning, match="not 3.2 µm"):
        Microscope(pixel_size_um=3.2).stage_um(10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once per process, not at every preview
        Microscope(pixel_size_um=3.2).stage_um(12.0)
        Microscope(pixel_size_um=1.29).stage_um(12.0)


def test_readings_of_pixels_off_the_grid_are_converted_on_the_grid():
    on_grid = Microscope(na=0.6)
    for pixels in (0.1625, 1.29):
        off = Microscope(na=0.6, pixel_size_um=pixels)
        assert off.stage_um(20.0) == pytest.approx(on_grid.stage_um(20.0))
    assert on_grid.stage_um(20.0) < 17.0  # a wider aperture blurs more per micrometre


def test_images_off_bbbc006s_sampling_are_regridded_and_fine_ones_binned_for_estimates():
    assert Microscope(pixel_size_um=0.7).regrid((100, 120)) is None
    assert Microscope(pixel_size_um=0.3225).regrid((100, 120)).grid_shape == (50, 60)
    assert Microscope(pixel_size_um=1.29).regrid((100, 120)).grid_shape == (200, 240)
    fine = Microscope(na=0.6, pixel_size_um=0.3225)
    image = np.arange(40.0 * 48).reshape(40, 48)
    assert np.array_equal(fine.for_estimator(np.kron(image, np.ones((2, 2)))), image)
    assert fine.stage_um(20.0) == Microscope(na=0.6).stage_um(20.0)  # read on the grid
    coarse = Microscope(pixel_size_um=1.29)
    assert coarse.for_estimator(image) is image  # interpolation loses the noise


def test_only_a_files_finer_recorded_pixels_imply_a_microscope():
    from napari_defocus_deblur.simulate.recorded import recorded_microscope

    assert recorded_microscope(0.3225) == Microscope(pixel_size_um=0.3225)
    assert recorded_microscope(0.1625).finer_than_bbbc006
    for value in (None, "0.3", True, 0.645, 0.5, 1.29, 6.5, 0.0, float("nan")):
        assert recorded_microscope(value) is None, value  # coarse: never interpolated up
