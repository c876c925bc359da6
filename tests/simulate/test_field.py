from __future__ import annotations

import itertools

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.pairs import focus_measure
from napari_defocus_deblur.simulate import content
from napari_defocus_deblur.simulate.field import simulate_field

SHAPE = (96, 128)


@pytest.fixture(scope="module")
def w1():
    return simulate_field([10, 22, 34], seed=7, channel=1, shape=SHAPE)


def test_keys_dtype_and_range(w1):
    assert list(w1) == [0.0, 10.0, 22.0, 34.0]
    for image in w1.values():
        assert image.dtype == np.uint16 and image.shape == SHAPE
        assert image.min() >= 90 and image.max() <= 4095


def test_defocus_blurs_but_keeps_light(w1):
    sharpness = [focus_measure(w1[d].astype(float) - 100) for d in (0.0, 10.0, 22.0, 34.0)]
    assert all(b < a for a, b in itertools.pairwise(sharpness))
    means = [w1[d].mean() for d in w1]
    assert max(means) - min(means) < 0.1 * np.mean(means) + 5


def test_deterministic_and_independent_of_other_depths(w1):
    again = simulate_field([34], seed=7, channel=1, shape=SHAPE)
    np.testing.assert_array_equal(again[34.0], w1[34.0])
    np.testing.assert_array_equal(again[0.0], w1[0.0])
    other = simulate_field([34], seed=8, channel=1, shape=SHAPE)
    assert not np.array_equal(other[0.0], w1[0.0])


def test_channels_show_the_same_cells():
    layout = content.random_layout(SHAPE, np.random.default_rng([3, 0]))
    assert len(layout.y) > 0
    w2 = simulate_field([], seed=3, channel=2, shape=SHAPE)[0.0].astype(float)
    w1 = simulate_field([], seed=3, channel=1, shape=SHAPE)[0.0].astype(float)
    other = simulate_field([], seed=4, channel=1, shape=SHAPE)[0.0].astype(float)
    from scipy import ndimage

    def smooth(a):
        return ndimage.gaussian_filter(a, 8)

    same = np.corrcoef(smooth(w1).ravel(), smooth(w2).ravel())[0, 1]
    diff = np.corrcoef(smooth(other).ravel(), smooth(w2).ravel())[0, 1]
    assert same > diff + 0.2


def test_content_statistics_look_like_bbbc006_nuclei():
    layout = content.random_layout((520, 696), np.random.default_rng(11))
    assert 20 <= len(layout.y) <= 175
    normal = ~layout.mitotic
    assert 18 <= 2 * layout.semi_major[normal].mean() <= 32  # nucleus length in pixels
    assert layout.brightness[layout.mitotic].min(initial=4000) > layout.brightness[normal].mean()


def test_user_content_and_bad_inputs():
    signal = np.zeros(SHAPE)
    signal[40:50, 60:70] = 1000.0
    out = simulate_field([16], seed=0, content=signal, shape=SHAPE)
    assert out[0.0][45, 65] > 900 and out[16.0][45, 65] < out[0.0][45, 65]
    with pytest.raises(UserInputError, match="content shape"):
        simulate_field([16], content=np.zeros((5, 5)), shape=SHAPE)
    with pytest.raises(UserInputError, match="channel must be one of"):
        simulate_field([16], channel=3, shape=SHAPE)
    with pytest.raises(UserInputError, match="at least 16 x 16"):
        simulate_field([16], shape=(8, 8))


def test_fit_to_shape_crops_and_pads():
    rng = np.random.default_rng(0)
    assert content.fit_to_shape(np.ones((50, 60)), (20, 30), rng).shape == (20, 30)
    assert content.fit_to_shape(np.ones((10, 12)), (20, 30), rng).shape == (20, 30)
