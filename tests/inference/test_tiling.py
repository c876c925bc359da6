"""Tile plans, blending weights, the automatic tile size and the measured overlap."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import deblur, reach
from napari_defocus_deblur.inference.cache import CACHE_ENV
from napari_defocus_deblur.inference.tiling import (
    CPU_TILE_CAP,
    GPU_BATCH_CAP,
    Blender,
    auto_tile_side,
    batch_size,
    default_overlap,
    extract_tile,
    overlap_for,
    plan_axis,
    plan_tiles,
    ramp_weights,
)
from napari_defocus_deblur.model.config import ModelConfig
from tests.inference.helpers import field


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


# --- blending window and the measured reach ---------------------------------------------


def test_ramp_weights_with_a_margin():
    w = ramp_weights(100, 30)
    assert np.all(w[:30] == 0) and np.all(w[70:] == 1)
    assert np.all(np.diff(w) >= 0) and 0 < w[50] < 1
    np.testing.assert_allclose(w + w[::-1], 1.0, atol=1e-6)  # the pair sums to one
    np.testing.assert_array_equal(ramp_weights(64), ramp_weights(64, 16))  # quarter rule


def test_plan_margin_gives_zero_weight_next_to_tile_borders():
    plan = plan_axis(1000, 300, 100, 16, margin=20)
    total = np.zeros(plan.padded)
    for i, (s, w) in enumerate(zip(plan.starts, plan.weights())):
        total[s : s + plan.size] += w
        if i > 0:
            assert np.all(w[:20] == 0) and w[20:40].max() > 0
        if i + 1 < len(plan.starts):
            assert np.all(w[-20:] == 0)
    np.testing.assert_allclose(total, 1.0, atol=1e-6)


def test_overlap_for():
    assert overlap_for(103, 16, 512) == (222, 103)
    assert overlap_for(103, 16, 256) == (128, 59)  # tile too small: shrunk in proportion


class ConvStack(nn.Module):
    """``k`` 3x3 convolutions: an output pixel sees exactly ``k`` pixels each way."""

    def __init__(self, k: int) -> None:
        super().__init__()
        torch.manual_seed(k)
        self.config = ModelConfig(scales=1, levels=2, base_channels=4)
        layers: list[nn.Module] = [nn.Conv2d(1, 4, 3, padding=1), nn.ReLU()]
        for _ in range(k - 2):
            layers += [nn.Conv2d(4, 4, 3, padding=1), nn.ReLU()]
        self.body = nn.Sequential(*layers, nn.Conv2d(4, 1, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(reach, "_MEMORY", {})
    return tmp_path / "cache"


def test_edge_profile_finds_a_known_receptive_field(cache):
    profile = reach.edge_profile(ConvStack(5).eval())
    assert profile[4] > 1e-3 and np.all(profile[5:] <= 1e-6)
    assert np.all(np.diff(profile) <= 0)
    assert reach.choose_window(profile, tolerance=0.0) == (5, reach.MIN_RAMP)
    margin, ramp = reach.choose_window(profile)
    assert reach.blended_error(profile, margin, ramp) <= reach.PROBE_TOLERANCE
    assert reach.blended_error(profile, 1, reach.MIN_RAMP) > reach.PROBE_TOLERANCE


def test_default_overlap_hides_the_seams_of_a_known_receptive_field(cache):
    net = ConvStack(5).eval()
    image = field((150, 170), seed=8)
    opts = {"model": net, "device": "cpu", "backend": "torch"}
    whole = deblur(image, tile=1024, **opts)
    events = []
    tiled = deblur(image, tile=48, progress=events.append, **opts)
    assert events[-1].total >= 9  # really tiled
    span = whole.max() - whole.min()
    assert np.abs(tiled - whole).max() <= reach.PROBE_TOLERANCE * span
    seams = deblur(image, tile=48, overlap=2, **opts)
    assert np.abs(seams - whole).max() > 0.01 * span  # the check can fail


def test_default_overlap_of_a_tiny_network_within_one_percent(cache, model):
    image = field((300, 340), seed=9)
    whole = deblur(image, model=model, device="cpu", tile=1024)
    tiled = deblur(image, model=model, device="cpu", tile=256)
    assert np.abs(tiled - whole).max() <= 0.01 * (whole.max() - whole.min())


def test_reach_is_cached_on_disk_by_weights(cache, monkeypatch):
    net = ConvStack(4).eval()
    first = reach.model_reach(net)
    assert len(list((cache / "reach").glob("*.json"))) == 1
    monkeypatch.setattr(reach, "_MEMORY", {})
    monkeypatch.setattr(reach, "measure_reach", lambda *a: pytest.fail("measured again"))
    assert reach.model_reach(ConvStack(4).eval()) == first  # read back from disk
    with torch.no_grad():
        net.body[0].weight.mul_(3.0)
    with pytest.raises(pytest.fail.Exception, match="measured again"):
        reach.model_reach(net)  # new weights, new measurement


def test_reach_stored_with_the_checkpoint_is_used(cache, monkeypatch):
    net = ConvStack(3).eval()
    record = reach.reach_record(net)
    assert record["weights_hash"] and record["margin"] <= 3
    monkeypatch.setattr(reach, "_MEMORY", {})
    monkeypatch.setenv(CACHE_ENV, str(cache / "elsewhere"))  # no disk cache to fall back on
    monkeypatch.setattr(reach, "measure_reach", lambda *a: pytest.fail("measured again"))
    other = ConvStack(3).eval()
    other.checkpoint_info = {"reach": {**record, "margin": 7}}
    assert reach.model_reach(other).margin == 7
    stale = ConvStack(3).eval()
    stale.checkpoint_info = {"reach": {**record, "weights_hash": "0" * 20}}
    monkeypatch.setattr(reach, "_MEMORY", {})
    with pytest.raises(pytest.fail.Exception, match="measured again"):
        reach.model_reach(stale)
