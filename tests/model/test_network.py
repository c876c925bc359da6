"""The head-to-tail network: shapes, wiring of the fusion, gradients, size checks."""

from __future__ import annotations

import pytest
import torch

from napari_defocus_deblur import build_model
from napari_defocus_deblur.model import ModelConfig, count_parameters, multiscale_loss

# small widths keep the test fast; the wiring is identical to the defaults
SMALL = {"base_channels": 4}


@pytest.mark.parametrize("fusion", ["sum", "concat"])
@pytest.mark.parametrize("scales", [1, 2, 3, 4])
def test_output_shape_equals_input_for_odd_sizes(scales, fusion):
    model = build_model(scales=scales, fusion=fusion, **SMALL).eval()
    x = torch.rand(1, 1, 261, 349)
    with torch.no_grad():
        outs = model.forward_multiscale(x)
    assert outs[0].shape == x.shape
    assert len(outs) == scales
    for k, out in enumerate(outs):
        assert out.shape[-2:] == (-(-261 // 2**k), -(-349 // 2**k))


@pytest.mark.parametrize("architecture", ["head_to_tail", "nah"])
def test_batch_and_two_channels(architecture):
    model = build_model(
        3,
        "concat",
        architecture=architecture,
        in_channels=2,
        out_channels=2,
        base_channels=4,
        nah_channels=8,
        nah_resblocks=1,
    )
    x = torch.rand(3, 2, 40, 23)
    y = model(x)
    assert y.shape == x.shape
    # samples of a batch are processed independently
    y0 = model(x[:1])
    torch.testing.assert_close(y[:1], y0, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("size", [(16, 16), (16, 200), (17, 31)])
def test_smallest_sizes_work(size):
    model = build_model(4, **SMALL)
    assert model(torch.rand(1, 1, *size)).shape == (1, 1, *size)


@pytest.mark.parametrize("size", [(15, 64), (64, 8), (1, 1)])
def test_too_small_input_raises_clear_error(size):
    model = build_model(4, **SMALL)
    with pytest.raises(ValueError, match=r"too small: both sides must be at least 16"):
        model(torch.rand(1, 1, *size))


def test_wrong_channel_count_raises():
    with pytest.raises(ValueError, match="expects 1 channel"):
        build_model(2, **SMALL)(torch.rand(1, 3, 32, 32))


@pytest.mark.parametrize("fusion", ["sum", "concat"])
def test_gradients_reach_every_subnetwork(fusion):
    model = build_model(4, fusion, **SMALL)
    x, y = torch.rand(2, 1, 64, 64), torch.rand(2, 1, 64, 64)
    multiscale_loss(model.forward_multiscale(x), y).backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert p.grad.abs().sum() > 0, f"no gradient reaches {name}"
    # the full-resolution loss alone must reach the coarsest head through the fusion
    model.zero_grad()
    torch.mean((model(x) - y) ** 2).backward()
    for name, p in model.heads[3].named_parameters():
        if name.startswith("out."):  # the coarse image only enters the multi-scale loss
            assert p.grad is None
        else:
            assert p.grad.abs().sum() > 0, f"full-res loss does not reach heads.3.{name}"


@pytest.mark.parametrize("pairing", ["upsample", "shifted"])
@pytest.mark.parametrize("fusion", ["sum", "concat"])
def test_coarsest_branch_changes_full_resolution_output(fusion, pairing, monkeypatch):
    """Silencing the coarsest sub-network's decoder features changes the finest output."""
    torch.manual_seed(0)
    model = build_model(4, fusion, pairing=pairing, base_channels=8).eval()
    x = torch.rand(1, 1, 64, 64)
    with torch.no_grad():
        before = model(x)
    original = model.scale_step

    def silenced(s, inp, depth, coarse):
        out, feats = original(s, inp, depth, coarse)
        if s == model.config.scales - 1:
            feats = [torch.zeros_like(f) for f in feats]
        return out, feats

    monkeypatch.setattr(model, "scale_step", silenced)
    with torch.no_grad():
        after = model(x)
    assert (after - before).abs().max() > 1e-3 * before.abs().max()


def test_fusion_is_the_only_path_between_scales():
    """With the fusion layers zeroed (sum), the coarse sub-network cannot matter."""
    torch.manual_seed(0)
    model = build_model(2, "sum", **SMALL).eval()
    with torch.no_grad():
        for p in model.fusions.parameters():
            p.zero_()
        x = torch.rand(1, 1, 64, 64)
        before = model(x)
        for p in model.heads[1].parameters():
            p.add_(1.0)
        torch.testing.assert_close(model(x), before)


def test_no_image_level_residual():
    """Each output comes from its U-Net: zero output layer -> constant (bias) image."""
    model = build_model(2, **SMALL).eval()
    with torch.no_grad():
        model.heads[0].out.weight.zero_()
        model.heads[0].out.bias.fill_(0.25)
        y = model(torch.rand(1, 1, 32, 32))
    torch.testing.assert_close(y, torch.full_like(y, 0.25))


def test_nah_baseline_is_residual():
    """Nah et al. add a residual to the blurred input: zero last convs -> identity."""
    model = build_model(3, architecture="nah", nah_channels=8, nah_resblocks=1).eval()
    with torch.no_grad():
        for seq in model.scales:
            seq[-1].weight.zero_()
            seq[-1].bias.zero_()
        x = torch.rand(1, 1, 48, 40)
        torch.testing.assert_close(model(x), x)


# Table 1 of the paper and Table 2 (Nah et al.); tolerances from the Foundation issue,
# the U-Net's widened to the +-15 % that issue 20 allows for lattice-free upsampling
@pytest.mark.parametrize(
    ("kwargs", "paper", "tolerance"),
    [
        ({"scales": 1}, 1_942_962, 0.15),
        ({"scales": 4, "fusion": "sum"}, 2_569_512, 0.15),
        ({"scales": 4, "fusion": "concat"}, 2_942_760, 0.15),
        ({"scales": 3, "architecture": "nah"}, 1_772_740, 0.10),
    ],
)
def test_default_parameter_counts_close_to_paper(kwargs, paper, tolerance):
    n = count_parameters(build_model(**kwargs))
    assert abs(n - paper) / paper <= tolerance, (n, paper)


def test_config_round_trip_and_validation():
    cfg = ModelConfig(scales=3, fusion="concat", base_channels=8)
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="fusion='mean' is not supported"):
        ModelConfig(fusion="mean")
    with pytest.raises(ValueError, match="unknown model config keys: colour"):
        ModelConfig.from_dict({"colour": 1})
    with pytest.raises(TypeError, match="either a ModelConfig"):
        build_model(cfg, base_channels=4)


def test_multiscale_loss_is_zero_for_perfect_pyramid_and_positive_otherwise():
    from napari_defocus_deblur.model.network import pyramid

    y = torch.rand(2, 1, 37, 50)
    assert multiscale_loss(pyramid(y, 3), y).item() == pytest.approx(0.0, abs=1e-12)
    outs = pyramid(y, 3)
    outs[2] = outs[2] + 0.1  # error at the coarsest scale only
    assert multiscale_loss(outs, y).item() == pytest.approx(0.01, rel=1e-4)
