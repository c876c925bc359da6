from __future__ import annotations

import numpy as np

from napari_defocus_deblur.simulate.sample import make_sample_field


def test_sample_layers():
    layers = make_sample_field(shape=(64, 80))
    assert len(layers) == 12
    names = [kw["name"] for _, kw, _ in layers]
    assert names[0] == "w1 Hoechst 33342 in focus"
    assert names[5] == "w1 Hoechst 33342 34 µm"
    assert names[6] == "w2 phalloidin in focus"
    depths = [kw["metadata"]["depth_um"] for _, kw, _ in layers]
    assert depths == [0.0, 10.0, 16.0, 22.0, 28.0, 34.0] * 2
    assert [kw["metadata"]["plane"] for _, kw, _ in layers[:6]] == [17, 12, 9, 6, 3, 0]
    for data, kw, kind in layers:
        assert kind == "image" and data.shape == (64, 80) and data.dtype == np.uint16
        assert kw["scale"] == (0.645, 0.645)
        assert kw["visible"] == (kw["metadata"]["depth_um"] == 34.0)
    assert {kw["colormap"] for _, kw, _ in layers} == {"cyan", "magenta"}


def test_sample_is_deterministic():
    a = make_sample_field(shape=(32, 32))
    b = make_sample_field(shape=(32, 32))
    for (x, _, _), (y, _, _) in zip(a, b):
        np.testing.assert_array_equal(x, y)
