"""Reading images whose pixels are coarser than BBBC006's (``estimate.coarse``)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.estimate import estimate_defocus, estimate_tiles, estimator_id
from napari_defocus_deblur.simulate.field import simulate_prior_field
from napari_defocus_deblur.simulate.microscope import Microscope
from napari_defocus_deblur.simulate.sampling import integrate_pixels

BINNED = Microscope(pixel_size_um=1.29)  # a camera with pixels twice BBBC006's
A03 = "BBBC006_z_aligned__a03__s1__w1_10.png"


@pytest.fixture(scope="module")
def binned_fields():
    """A nominal field at 0 (in focus), 10 and 34 µm below focus, recorded 2 x 2 binned."""
    depths = (10.0, 34.0)
    images, _ = simulate_prior_field([-d for d in depths], prior="nominal", seed=9_971,
                                     shape=(520, 696))  # fmt: skip
    return {d: integrate_pixels(images[-d if d else 0.0], 2) for d in (0.0, *depths)}


def test_binned_fields_read_near_their_distance_with_the_pixels_stated(binned_fields):
    reads = {d: estimate_defocus(img, BINNED).depth_um for d, img in binned_fields.items()}
    assert reads[0.0] <= 4.0
    assert abs(reads[10.0] - 10.0) <= 4.0
    assert abs(reads[34.0] - 34.0) <= 4.0
    unstated = estimate_defocus(binned_fields[34.0]).depth_um  # the grid estimator's answer
    assert unstated < 34.0 - 6.0  # half the pixels of blur: read far too near


def test_the_tile_map_of_coarse_pixels_is_on_the_images_own_tiles(binned_fields):
    tiles = estimate_tiles(binned_fields[34.0], microscope=BINNED)  # 260 x 348: 3 x 4 tiles
    assert tiles.depths_um.shape == (3, 4)
    assert np.nanmedian(tiles.depths_um) == pytest.approx(
        estimate_defocus(binned_fields[34.0], BINNED).depth_um
    )


def test_pixels_beyond_the_fitted_range_are_read_at_its_end(binned_fields):
    image = binned_fields[34.0]
    far = estimate_defocus(image, Microscope(pixel_size_um=2.58)).depth_um
    beyond = estimate_defocus(image, Microscope(pixel_size_um=4.0)).depth_um
    assert beyond == pytest.approx(far)
    assert far > estimate_defocus(image, BINNED).depth_um + 10.0  # wider pixels: more µm


def test_coarse_readings_carry_their_own_estimator_id():
    assert estimator_id(BINNED) != estimator_id()
    assert estimator_id(Microscope(pixel_size_um=0.3225)) == estimator_id() == estimator_id(None)


def test_real_z00_images_binned_read_their_stage_offset(real_bbbc006):
    from napari_defocus_deblur.io.tiff import read_image

    reads = [
        estimate_defocus(integrate_pixels(read_image(p)[0], 2), BINNED).depth_um
        for p in sorted((real_bbbc006 / "defocus-z00").glob("*.tif"))[::3]
    ]
    assert 29.0 <= np.median(reads) <= 37.0  # 32-34 µm below focus; the grid read 24 µm


def test_real_in_focus_images_binned_read_in_focus(real_bbbc006):
    from napari_defocus_deblur.io.tiff import read_image

    reads = [
        estimate_defocus(integrate_pixels(read_image(p)[0], 2), BINNED).depth_um
        for p in sorted((real_bbbc006 / "in-focus").glob("*.png"))
    ]
    assert sorted(reads)[-2] <= 2.0  # 7 of 8 within the focus gate's pass-through
    assert max(reads) <= 5.0  # a03: 6 tiles with signal, three of them read 9-11 µm


def test_a_sharp_sparse_field_on_coarse_pixels_comes_back_unchanged(real_bbbc006):
    """a03 (few nuclei) binned 2 x 2: half its tiles read in focus, half 9-11 µm; the
    one click deblurred it for 4.6 µm (dark rims 18 counts deep) before the confidence
    counted the sharp tiles (``estimate.uncertain.IN_FOCUS_SHARE``)."""
    from napari_defocus_deblur.inference import deblur
    from napari_defocus_deblur.io.tiff import read_image

    image = integrate_pixels(read_image(real_bbbc006 / "in-focus" / A03)[0], 2)
    found = estimate_defocus(image, BINNED)
    assert found.depth_um > 3.0 and found.confidence < 0.3 and found.deblur_depth_um < 0.5
    out = deblur(image, "auto", model="bbbc006-unet", microscope=BINNED)
    assert np.array_equal(out, image.astype(out.dtype))
