"""Test tensors, tile sizes and cover of a model package (no bioimageio needed)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_defocus_deblur.export import content
from napari_defocus_deblur.model import build_model
from napari_defocus_deblur.normalization import PercentileNormalization


def tiny(seed=0, **options):
    torch.manual_seed(seed)
    return build_model(**{"scales": 2, "base_channels": 8, "levels": 3, **options}).eval()


@pytest.mark.parametrize(
    ("multiple", "halo", "smallest"),
    [(4, 32, 80), (8, 32, 80), (64, 32, 80), (128, 64, 144)],
)
def test_halo_and_smallest_side(multiple, halo, smallest):
    assert content.halo(multiple) == halo
    assert content.smallest_side(multiple) == smallest
    assert smallest - 2 * halo == 16  # MIN_SIZE valid pixels once the halo is cropped


def test_test_side_rounds_up_to_the_padding_unit():
    assert content.test_side(64, 8) == 80  # below the smallest size
    assert content.test_side(250, 64) == 256
    assert content.test_side(256, 64) == 256
    assert content.test_side(16, 64) == 128


def test_test_tensors_are_the_model_on_a_simulated_field():
    model = tiny()
    info = {"depth_um": 22.0, "channel": 2, "normalization": {"low": 2.0, "high": 99.0}}
    t = content.make_test_tensors(model, info, side=40, seed=3)
    assert (t.depth_um, t.channel) == (22.0, 2)
    assert t.input.shape == t.output.shape == (1, 1, 80, 80)
    assert t.input.dtype == t.output.dtype == np.float32
    raw = t.input[0, 0]
    assert raw.min() >= 0 and raw.max() <= 4095 and np.all(raw == np.round(raw))  # camera ADU
    lo, hi = np.percentile(raw, [2.0, 99.0])
    with torch.no_grad():
        expected = model(torch.from_numpy((raw - lo) / (hi - lo))[None, None].float())
    np.testing.assert_allclose(t.output, expected.numpy(), rtol=1e-5, atol=1e-5)
    again = content.make_test_tensors(model, info, side=40, seed=3)
    np.testing.assert_array_equal(again.input, t.input)  # deterministic by seed


def test_missing_depth_and_channel_fall_back():
    t = content.make_test_tensors(tiny(), {"channel": 7}, side=16)
    assert (t.depth_um, t.channel) == (content.FALLBACK_DEPTH_UM, 1)


def test_cover_is_a_2_to_1_png(tmp_path):
    from PIL import Image

    t = content.make_test_tensors(tiny(), {"depth_um": 10.0}, side=16)
    path = content.write_cover(tmp_path / "cover.png", t, PercentileNormalization())
    with Image.open(path) as img:
        assert img.format == "PNG" and img.size == (800, 400)
        pixels = np.asarray(img.convert("L"), dtype=float)
    assert pixels[:, :400].std() > 1 and pixels[:, 400:].std() > 1  # both panels drawn
