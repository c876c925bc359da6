"""The fused oneDNN CPU copy computes what the eager network computes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.inference.fast_cpu import FusedConv2d, available, fuse_for_cpu
from napari_defocus_deblur.inference.runner import FUSED_ENV
from tests.inference.helpers import field, tiny_model

pytestmark = pytest.mark.skipif(not available(), reason="PyTorch without oneDNN")


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"fusion": "concat"},
        {"pairing": "shifted", "share_weights": False},
        {"scales": 1},
        {"architecture": "nah", "scales": 2, "nah_channels": 8, "nah_resblocks": 2},
        {"norm": "batch"},
        {"activation": "gelu"},
    ],
)
def test_fused_copy_matches_eager(options):
    net = tiny_model(seed=1, **options)
    fused = fuse_for_cpu(net)
    x = torch.randn(2, 1, 40, 56)
    with torch.inference_mode():
        expected = net(x)
        got = fused(x.contiguous(memory_format=torch.channels_last))
    assert got.shape == expected.shape
    scale = expected.abs().max().item()
    assert (got - expected).abs().max().item() <= 1e-4 * scale


@pytest.mark.parametrize("upsample", ["resize", "transpose"])
def test_convolutions_are_fused_and_input_untouched(upsample):
    net = tiny_model(upsample=upsample)
    fused = fuse_for_cpu(net)
    kinds = {type(m).__name__ for m in fused.modules()}
    assert "FusedConv2d" in kinds and "ConvTranspose2d" not in kinds
    assert ("FusedConvTranspose2d" in kinds) == (upsample == "transpose")
    assert not any(isinstance(m, torch.nn.ReLU) for m in fused.modules())
    assert not any(isinstance(m, FusedConv2d) for m in net.modules())
    assert next(net.parameters()).is_contiguous()


def test_eager_fallback_gives_same_result(model, monkeypatch):
    image = field((48, 64))
    fused = deblur(image, model=model, device="cpu")
    monkeypatch.setenv(FUSED_ENV, "0")
    eager = deblur(image, model=model, device="cpu")
    assert np.abs(fused - eager).max() <= 1e-4 * (eager.max() - eager.min())
