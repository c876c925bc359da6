"""Nominal-equivalent distances: what a blurred image says when its optics are unknown."""

from __future__ import annotations

from dataclasses import replace

import pytest

from napari_defocus_deblur.simulate.equivalence import nominal_equivalent_um
from napari_defocus_deblur.simulate.robustness import setting_optics


@pytest.mark.parametrize("depth", [6.0, 22.0, 34.0])
def test_the_nominal_optics_are_their_own_equivalent(depth):
    assert nominal_equivalent_um(-depth, setting_optics("nominal")) == pytest.approx(
        depth, abs=1.0
    )


def test_a_larger_defocus_scale_reads_as_a_larger_distance_by_its_factor():
    nominal = setting_optics("nominal")
    wider = replace(nominal, defocus_scale=nominal.defocus_scale * 1.21)
    # the pupil sees stage * scale only: 34 µm at 1.21x is the nominal 41.1 µm exactly
    assert nominal_equivalent_um(-34.0, wider) == pytest.approx(34.0 * 1.21, abs=1.0)


def test_settings_blur_as_their_table_says():
    # narrow optics blur less than nominal at the same offset, wide-1.8x more
    narrow = nominal_equivalent_um(-34.0, setting_optics("narrow"))
    wide = nominal_equivalent_um(-34.0, setting_optics("wide-1.8x"))
    assert narrow < 30.0 < 34.0 < 40.0 < wide


def test_beyond_the_curve_the_distance_keeps_growing():
    nominal = setting_optics("nominal")
    far = replace(nominal, defocus_scale=nominal.defocus_scale * 2.0)
    assert nominal_equivalent_um(-60.0, far) == pytest.approx(120.0, rel=0.08)


def test_the_stage_offset_inverts_the_equivalent_distance_on_either_side():
    from napari_defocus_deblur.simulate.equivalence import stage_offset_um

    optics = setting_optics("wide-1.8x")
    for above in (False, True):
        equivalent = nominal_equivalent_um(22.0 if above else -22.0, optics)
        assert stage_offset_um(equivalent, optics, above=above) == pytest.approx(22.0, abs=0.5)
    assert stage_offset_um(30.0, optics) < 30.0 < stage_offset_um(30.0, setting_optics("narrow"))
    assert stage_offset_um(150.0, optics) > 80.0  # beyond the measured offsets: extrapolated
