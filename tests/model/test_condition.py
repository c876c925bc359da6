"""Depth-conditioned networks: the distance changes the output; old checkpoints load."""

from __future__ import annotations

import pytest
import torch

from napari_defocus_deblur.model import ModelConfig, build_model, condition_on_depth

SMALL = {"base_channels": 8, "levels": 3}


@pytest.mark.parametrize(
    "options",
    [{"scales": 3, "fusion": "sum"}, {"scales": 2, "fusion": "concat"}, {"scales": 1}],
)
def test_two_depths_give_two_outputs(options):
    torch.manual_seed(0)
    net = build_model(**options, **SMALL, condition="depth").eval()
    x = torch.rand(2, 1, 32, 48)
    with torch.no_grad():
        near, far = net(x, 10.0), net(x, 34.0)
        per_image = net(x, torch.tensor([10.0, 34.0]))
    assert near.shape == x.shape
    assert (near - far).abs().max() > 1e-4
    torch.testing.assert_close(per_image[0], near[0])
    torch.testing.assert_close(per_image[1], far[1])


def test_nah_is_conditioned_too():
    torch.manual_seed(0)
    net = build_model(scales=2, architecture="nah", nah_channels=8, nah_resblocks=1)
    cond = condition_on_depth(net).eval()
    torch.nn.init.normal_(cond.scales[0][0].weight)
    x = torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        assert (cond(x, 5.0) - cond(x, 40.0)).abs().max() > 1e-4


def test_conditioning_an_existing_network_keeps_its_output():
    torch.manual_seed(1)
    net = build_model(scales=3, fusion="sum", **SMALL).eval()
    cond = condition_on_depth(net).eval()
    x = torch.rand(1, 1, 32, 32)
    assert cond.config.conditioned and not net.config.conditioned
    with torch.no_grad():
        torch.testing.assert_close(cond(x, 34.0), net(x))
    assert condition_on_depth(cond) is cond


def test_a_conditioned_network_needs_the_depth():
    net = build_model(scales=1, **SMALL, condition="depth")
    with pytest.raises(ValueError, match="depth"):
        net(torch.rand(1, 1, 32, 32))
    with pytest.raises(ValueError, match="batch"):
        net(torch.rand(2, 1, 32, 32), torch.tensor([1.0, 2.0, 3.0]))


def test_old_model_configs_without_condition_still_load():
    old = {k: v for k, v in ModelConfig().to_dict().items() if k != "condition"}
    assert ModelConfig.from_dict(old).condition == "none"
    net = build_model(ModelConfig.from_dict(old))
    assert net(torch.rand(1, 1, 64, 64)).shape == (1, 1, 64, 64)
