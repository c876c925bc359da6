"""Tile plans, blending weights and the automatic tile size."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.tiling import (
    CPU_TILE_CAP,
    GPU_BATCH_CAP,
    Blender,
    auto_tile_side,
    batch_size,
    default_overlap,
    extract_tile,
    plan_axis,
    plan_tiles,
)


@pytest.mark.parametrize(
    ("length", "tile", "overlap", "multiple"),
    [(2048, 1024, 128, 64), (8192, 1024, 128, 64), (700, 256, 64, 8), (1000, 300, 100, 16)],
)
def test_axis_plan_covers_with_overlap(length, tile, overlap, multiple):
    plan = plan_axis(length, tile, overlap, multiple)
    assert plan.size <= tile and plan.size % multiple == 0
    assert plan.padded == -(-length // multiple) * multiple
    assert all(s % multiple == 0 for s in plan.starts)
    assert plan.starts[0] == 0 and plan.starts[-1] + plan.size == plan.padded
    gaps = [plan.starts[i] + plan.size - plan.starts[i + 1] for i in range(len(plan.starts) - 1)]
    assert min(gaps) >= overlap
    # shrinking to the same number of tiles: one multiple less would need another tile
    smaller = plan_axis(length, plan.size - multiple, overlap, multiple)
    assert len(smaller.starts) > len(plan.starts)


def test_2048_uses_three_768_tiles():
    plan = plan_axis(2048, 1024, 128, 64)
    assert plan.size == 768 and plan.starts == (0, 640, 1280)


def test_axis_shorter_than_tile_is_one_unpadded_tile():
    plan = plan_axis(520, 1024, 128, 64)
    assert plan.single and plan.starts == (0,) and plan.size == 520


def test_weights_sum_to_one():
    plan = plan_axis(1000, 300, 100, 16)
    total = np.zeros(plan.padded)
    for s, w in zip(plan.starts, plan.weights()):
        total[s : s + plan.size] += w
        assert w.min() >= 0 and w.max() == 1
    np.testing.assert_allclose(total, 1.0, atol=1e-6)


def test_blending_reassembles_a_known_image():
    rng = np.random.default_rng(0)
    image = rng.random((1, 300, 410)).astype(np.float32)
    plan = plan_tiles((300, 410), 128, 48, 16)
    blender = Blender(plan, np.zeros_like(image))
    for y0, x0 in plan.origins():
        blender.add(extract_tile(image, plan, y0, x0), y0, x0)
    np.testing.assert_allclose(blender.finish(), image, rtol=1e-5)


def test_extract_tile_reflects_past_the_edge():
    image = np.arange(50 * 40, dtype=np.float32).reshape(1, 50, 40)
    plan = plan_tiles((50, 40), 32, 8, 16)
    y0, x0 = plan.rows.starts[-1], plan.cols.starts[-1]
    tile = extract_tile(image, plan, y0, x0)
    padded = np.pad(
        image, ((0, 0), (0, plan.rows.padded - 50), (0, plan.cols.padded - 40)), mode="reflect"
    )
    np.testing.assert_array_equal(tile, padded[:, y0 : y0 + 32, x0 : x0 + 32])


def test_small_tile_is_refused():
    with pytest.raises(UserInputError, match="tile size 64 is too small for overlap 64"):
        plan_axis(1000, 64, 64, 64)


def test_default_overlap():
    assert default_overlap(1024) == 128
    assert default_overlap(128) == 64


def test_auto_tile_side():
    gib = 1024**3
    kw = {"width": 32, "bytes_per_value": 4, "multiple": 64}
    assert auto_tile_side(device_type="cpu", free_bytes=64 * gib, **kw) == CPU_TILE_CAP
    small = auto_tile_side(device_type="cpu", free_bytes=gib, **kw)
    assert small % 64 == 0 and 128 <= small < CPU_TILE_CAP
    assert small**2 * 9 * 32 * 4 <= 0.5 * gib
    with pytest.raises(UserInputError, match="not enough free memory"):
        auto_tile_side(device_type="cpu", free_bytes=10 * 1024**2, **kw)


def test_batch_size():
    gib = 1024**3
    kw = {"width": 32, "bytes_per_value": 2}
    assert batch_size(520 * 696, device_type="cpu", free_bytes=64 * gib, **kw) == 1
    assert batch_size(520 * 696, device_type="cuda", free_bytes=64 * gib, **kw) == GPU_BATCH_CAP
    few = batch_size(520 * 696, device_type="cuda", free_bytes=gib, **kw)
    assert 1 <= few < GPU_BATCH_CAP and few * 520 * 696 * 9 * 32 * 2 <= 0.7 * gib
