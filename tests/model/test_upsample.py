"""Lattice-free upsampling (zoo v3) and the transposed convolutions of v1/v2 checkpoints."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from scipy.ndimage import gaussian_filter

from napari_defocus_deblur.evaluation.lattice import lattice_ratio
from napari_defocus_deblur.model import build_model, count_parameters, resize_upsampling
from napari_defocus_deblur.model.checkpoint import load_checkpoint, save_checkpoint
from napari_defocus_deblur.model.network import ResizeConv

#: Table 1 of the paper: trainable parameters.
PAPER = {1: 1_942_962, (4, "sum"): 2_569_512, (4, "concat"): 2_942_760, 2: 1_986_116}


def _smooth_input(shape=(1, 1, 128, 128), seed=0):
    rng = np.random.default_rng(seed)
    img = gaussian_filter(rng.normal(size=shape[-2:]), 6)
    img = (img - img.min()) / (img.max() - img.min())
    return torch.tensor(img, dtype=torch.float32).expand(shape).clone()


def _output(upsample: str) -> np.ndarray:
    torch.manual_seed(0)
    net = build_model(scales=2, base_channels=8, levels=3, upsample=upsample).eval()
    with torch.no_grad():
        return net(_smooth_input())[0, 0].numpy()


def test_new_networks_resize_by_default():
    net = build_model(scales=2, base_channels=8, levels=3)
    assert net.config.upsample == "resize"
    assert not any(isinstance(m, torch.nn.ConvTranspose2d) for m in net.modules())
    assert sum(isinstance(m, ResizeConv) for m in net.modules()) > 0


def test_resize_upsampling_paints_no_period_two_grid():
    # the same smooth input: transposed convolutions paint a grid, resizing does not
    assert lattice_ratio(_output("transpose")) > 30
    assert lattice_ratio(_output("resize")) < 10


def test_resize_conv_keeps_a_constant_constant_away_from_borders():
    layer = ResizeConv(4, 3)
    out = layer(torch.ones(1, 4, 16, 16))[0].detach()
    inner = out[:, 2:-2, 2:-2]
    assert torch.allclose(inner, inner[:, :1, :1].expand_as(inner), atol=1e-6)


@pytest.mark.parametrize(
    ("key", "options"),
    [
        (1, {"scales": 1}),
        ((4, "sum"), {"scales": 4}),
        ((4, "concat"), {"scales": 4, "fusion": "concat"}),
        (2, {"scales": 2}),
    ],
)
def test_parameter_counts_stay_within_15_percent_of_the_paper(key, options):
    n = count_parameters(build_model(**options))
    assert abs(n / PAPER[key] - 1) <= 0.15


def test_warm_start_is_the_block_average_of_the_transposed_convolution():
    torch.manual_seed(1)
    old = build_model(scales=1, base_channels=8, levels=3, upsample="transpose")
    new = resize_upsampling(old)
    assert new.config.upsample == "resize"
    assert resize_upsampling(new) is new
    up_old, up_new = old.bodies[0].up[0], new.bodies[0].up[0]
    x = torch.rand(1, up_old.in_channels, 6, 6)
    with torch.no_grad():
        blocks = torch.nn.functional.avg_pool2d(up_old(x), 2)
        centre = up_new.conv(torch.nn.functional.interpolate(x, scale_factor=2))
    # nearest-resized input + centre tap = the 2x2 block mean of the transposed output
    assert torch.allclose(torch.nn.functional.avg_pool2d(centre, 2), blocks, atol=1e-5)


def test_old_checkpoints_load_with_transposed_convolutions(tmp_path):
    torch.manual_seed(2)
    old = build_model(scales=2, base_channels=8, levels=3, upsample="transpose").eval()
    save_checkpoint(old, tmp_path / "m")
    info_path = tmp_path / "m" / "config.json"
    info = json.loads(info_path.read_text())
    del info["model"]["upsample"]  # as written before zoo v3
    info_path.write_text(json.dumps(info))
    loaded = load_checkpoint(tmp_path / "m")[0]
    assert loaded.config.upsample == "transpose"
    x = _smooth_input((1, 1, 64, 64))
    with torch.no_grad():
        assert torch.equal(loaded(x), old(x))
