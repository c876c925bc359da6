"""The defocus estimator."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.estimate import (
    LOW_CONFIDENCE,
    DefocusEstimate,
    TileDepths,
    defocus_from_tiles,
    estimate_defocus,
)
from napari_defocus_deblur.simulate.field import simulate_prior_field


@pytest.fixture(scope="module")
def fields():
    out = {}
    for depth in (10.0, 34.0):
        images, _ = simulate_prior_field([-depth], prior="nominal", seed=42, shape=(256, 384))
        out[depth] = images[-depth]
    return out


def test_estimates_order_the_distances(fields):
    near, far = estimate_defocus(fields[10.0]), estimate_defocus(fields[34.0])
    assert isinstance(near, DefocusEstimate)
    assert near.depth_um < far.depth_um
    assert abs(near.depth_um - 10.0) < 8.0 and abs(far.depth_um - 34.0) < 8.0
    assert near.blur_radius_px < far.blur_radius_px
    assert 0.0 <= far.confidence <= 1.0 and far.tiles >= 1


@pytest.mark.parametrize("bad", [np.zeros((64, 64)), np.zeros((3, 256, 256))])
def test_unusable_images_are_one_readable_error(bad):
    with pytest.raises(UserInputError, match="2-D image of at least"):
        estimate_defocus(bad)


def test_nan_is_refused():
    img = np.ones((200, 200))
    img[5, 5] = np.nan
    with pytest.raises(UserInputError, match="finite"):
        estimate_defocus(img)


@pytest.mark.parametrize("seed", [3, 4])
def test_a_fresh_nominal_34_um_field_reads_in_true_micrometres(seed):
    # calibration v3: a field never seen by the fit, nominal optics, 34 µm below focus
    images, _ = simulate_prior_field([-34.0], prior="nominal", seed=9_900 + seed)
    assert 31.0 <= estimate_defocus(images[-34.0]).depth_um <= 37.0


def test_in_focus_nominal_fields_read_within_the_depth_of_field():
    images, _ = simulate_prior_field([-10.0], prior="nominal", seed=9_950)
    assert estimate_defocus(images[0.0]).depth_um <= 3.0


def nominal_reads(depths: tuple[float, ...], seed: int, shape: tuple[int, int]) -> list[float]:
    """Estimates of one nominal-optics field (same content) at each of ``depths`` µm."""
    images, _ = simulate_prior_field([-d for d in depths], prior="nominal", seed=seed, shape=shape)
    return [estimate_defocus(images[-d]).depth_um for d in depths]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_fields_near_focus_read_in_order_and_outside_the_depth_of_field(seed):
    # estimator v4: the v3 fit read these 8 µm fields at 0.0, 1.6, 3.8 and 7.5 µm, so the
    # focus gate returned three of them (nearly) unrestored
    reads = nominal_reads((4.0, 8.0, 12.0), seed=9_800_000 + seed, shape=(260, 348))
    assert reads[0] < reads[1] < reads[2]
    assert abs(reads[1] - 8.0) <= 2.5


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_fields_at_10_14_18_um_read_apart_and_in_order(seed):
    # estimator v5: v4's answer fell from 12 to 14 µm on nominal optics; it read these
    # fields at 11.3/13.0/16.7, 12.8/12.8/16.6, 11.3/12.0/17.6 and 9.3/13.6/16.9 µm; v5
    # on half-overlapping tiles (session 35) at 9.4/15.0/20.2, 9.6/14.7/16.6, 9.4/15.2/20.7
    # and 9.8/15.3/20.2 µm
    reads = nominal_reads((10.0, 14.0, 18.0), seed=9_700 + seed, shape=(256, 384))
    assert reads[1] - reads[0] >= 1.5 and reads[2] - reads[1] >= 1.5
    assert abs(reads[1] - 14.0) <= 2.0


def _tiles(*depths: float) -> TileDepths:
    grid = np.full((2, 3), np.nan)
    grid.flat[: len(depths)] = depths
    return TileDepths(grid, True, "")


def test_a_confident_estimate_is_deblurred_for_its_median():
    est = defocus_from_tiles(_tiles(20.0, 21.0, 20.5, 20.2, 19.8, 20.4))
    assert est.confidence >= LOW_CONFIDENCE
    assert est.deblur_depth_um == est.depth_um == pytest.approx(20.3)


def test_an_uncertain_estimate_is_deblurred_for_the_low_end_of_its_tiles():
    """Tiles that disagree (few hold nuclei): a high median is what harms a network."""
    readings = (6.9, 21.3)
    est = defocus_from_tiles(_tiles(*readings))
    assert est.confidence < LOW_CONFIDENCE
    assert est.depth_um == pytest.approx(14.1)
    assert est.deblur_depth_um == pytest.approx(np.percentile(readings, 10))
    assert est.deblur_depth_um < est.depth_um


def test_an_estimate_made_by_hand_is_deblurred_for_its_depth():
    assert DefocusEstimate(12.0, 2.0, 0.1, 3).deblur_depth_um == 12.0


def test_tiles_overlap_by_half_and_cover_the_centre():
    from napari_defocus_deblur.estimate import STRIDE, TILE, tile_grid, tiles_of

    assert STRIDE == TILE // 2
    assert tile_grid((520, 696)) == (7, 9, 4, 28)  # a BBBC006 field: 63 readings, not 20
    assert tile_grid((520, 696), stride=TILE) == (4, 5, 4, 28)  # side by side
    image = np.arange(520 * 696, dtype=np.float64).reshape(520, 696)
    tiles = tiles_of(image)
    assert len(tiles) == 63 and all(t.shape == (TILE, TILE) for t in tiles)
    assert tiles[0][0, 0] == image[4, 28] and tiles[1][0, 0] == image[4, 28 + STRIDE]
    assert tiles[-1][-1, -1] == image[4 + 6 * STRIDE + TILE - 1, 28 + 8 * STRIDE + TILE - 1]
    assert tile_grid((128, 128)) == (1, 1, 0, 0)


def test_a_field_is_read_from_every_overlapping_tile_with_signal(fields):
    est = estimate_defocus(fields[34.0])  # 256 x 384: 3 x 5 overlapping tiles
    assert 1 <= est.tiles <= 15 and est.tiles > 2 * 3


def test_with_the_microscope_stated_the_reading_is_the_stage_offset():
    """The robustness set's wide-1.5x fields at 34 µm blur as nominal fields at 41 µm;
    stating their optics (1.21 times the focal shift) maps the readings back."""
    from napari_defocus_deblur.simulate.microscope import Microscope
    from napari_defocus_deblur.simulate.robustness import cells, simulate_cell

    stated = Microscope(focal_shift_scale=1.21)
    wide = [c for c in cells() if c.setting == "wide-1.5x" and c.depth_um == 34.0]
    found = [estimate_defocus(simulate_cell(c)[0], stated) for c in wide]
    assert len(found) == 3
    assert np.median([e.depth_um for e in found]) > 38.0  # what the blur says
    assert 31.0 <= np.median([e.stage_um for e in found]) <= 37.0  # the stage offset
    assert estimate_defocus(simulate_cell(wide[0])[0]).stage_um is None  # nothing stated


def test_finer_pixels_stated_are_read_binned_onto_bbbc006s_grid():
    """A field on 0.3225 µm pixels whose 2 x 2 blocks are the 0.645 µm field reads as it."""
    from napari_defocus_deblur.simulate.field import simulate_prior_field
    from napari_defocus_deblur.simulate.microscope import Microscope

    image = simulate_prior_field([-22.0], seed=5, shape=(260, 348))[0][-22.0]
    fine = np.kron(image.astype(np.float64), np.ones((2, 2)))
    stated = estimate_defocus(fine, Microscope(pixel_size_um=0.3225))
    assert stated.stage_um == pytest.approx(estimate_defocus(image).depth_um, abs=0.05)
    assert estimate_defocus(fine).depth_um > stated.stage_um + 3  # unstated: twice the blur
