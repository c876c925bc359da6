"""scripts/estimator_floor.py: readings mapped back through optics the user states."""

from __future__ import annotations

from napari_defocus_deblur.simulate.equivalence import nominal_equivalent_um
from napari_defocus_deblur.simulate.robustness import setting_optics


def test_an_exact_equivalent_reading_maps_back_to_the_stage_offset(load_script):
    floor = load_script("estimator_floor")
    optics = setting_optics("wide-1.5x")  # blurs as the nominal optics 1.21x further away
    rows = []
    for true, read_off_by in ((34.0, 0.0), (22.0, 0.0), (10.0, 3.0)):
        equivalent = nominal_equivalent_um(-true, optics)
        rows.append(("wide-1.5x", true, equivalent + read_off_by, equivalent, -true))
    errors = floor.known_optics_errors(rows)
    assert abs(nominal_equivalent_um(-34.0, optics) - 34.0) > 5  # unknown optics: ~7 µm off
    assert errors["wide-1.5x"] < 0.5 and errors["all"] == errors["wide-1.5x"]  # median
    assert floor.known_optics_errors(rows[2:])["all"] > 2.0  # a reading 3 µm off stays off


def test_what_the_plugin_lets_a_user_state_maps_aperture_and_focal_shift_back(load_script):
    floor = load_script("estimator_floor")
    rows = []
    for setting in ("wide-1.5x", "aberrated"):  # aberration has no field: read as stated
        equivalent = nominal_equivalent_um(-34.0, setting_optics(setting))
        rows.append((setting, 34.0, equivalent, equivalent, -34.0))
    stated = floor.stated_errors(rows)
    assert stated["wide-1.5x"] < 0.5
    aberrated = nominal_equivalent_um(-34.0, setting_optics("aberrated"))
    assert stated["aberrated"] == abs(aberrated - 34.0)
