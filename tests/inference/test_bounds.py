"""Histogram percentiles equal numpy's, so normalisation matches training exactly."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.inference.bounds import percentiles, plane_bounds
from napari_defocus_deblur.normalization import PercentileNormalization


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int8, np.int16])
def test_histogram_percentiles_are_bit_identical(dtype):
    rng = np.random.default_rng(0)
    info = np.iinfo(dtype)
    for trial in range(40):
        shape = tuple(rng.integers(1, 50, size=2))
        image = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
        if trial % 5 == 0:
            image[:] = image.flat[0]
        qs = (0.0, 1.0, 37.3, 50.0, 99.8, 100.0)
        assert percentiles(image, qs) == [float(v) for v in np.percentile(image, qs)]


@pytest.mark.parametrize(
    "image",
    [
        np.random.default_rng(1).integers(0, 4096, (52, 70)).astype(np.uint16),
        np.full((20, 20), 7, np.uint16),
        np.zeros((20, 20), np.uint8),
        np.random.default_rng(2).random((30, 30)).astype(np.float32),
    ],
)
def test_plane_bounds_match_normalisation(image):
    for norm in (PercentileNormalization(), PercentileNormalization(0.0, 100.0)):
        assert plane_bounds(image, norm) == norm.bounds(image)
