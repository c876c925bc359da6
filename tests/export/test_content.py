"""Test tensors, tile sizes, cover and README of a model package (no bioimageio needed)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_defocus_deblur.export import content
from napari_defocus_deblur.model import build_model
from napari_defocus_deblur.model.phases import set_pixel_phases
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


def test_documentation_states_units_citations_and_training():
    model = tiny(fusion="concat")
    info = {
        "depth_um": 16,
        "normalization": {"low": 1.0, "high": 99.8},
        "training": {"steps": 1200, "device": "cuda (H100)", "best_val_psnr": 31.2},
    }
    t = content.make_test_tensors(model, info, side=16)
    text = content.documentation(model, info, t, parameters=1234)
    assert "head-to-tail K=2 concat" in text and "1,234 parameters" in text
    assert "16 µm from focus" in text
    assert "percentile 1 of each image to 0 and percentile 99.8 to 1" in text
    assert "`output * (p99.8 - p1) + p1`" in text
    assert "halo of 32 pixels" in text and "any size of at least 80 pixels" in text
    assert "1200 steps" in text and "cuda (H100)" in text and "31.2 dB" in text
    assert "## Validation" in text
    assert "doi:10.48550/arXiv.2201.02876" in text and "doi:10.1038/nmeth.2083" in text
    assert "pixel phases: one pass" in text
    set_pixel_phases(model, 4)
    text = content.documentation(model, info, t, parameters=1234)
    assert "averages the network over 4 one-pixel shifts" in text


@pytest.mark.parametrize(
    ("record", "says"),
    [
        ({"kept_epoch": 7}, "The weights are epoch 7's (the best validated)."),
        ({"kept_epoch": None}, "The weights are the last step's."),
        ({}, "for the blurred input.\n"),  # an older record: no word on it
    ],
)
def test_documentation_says_which_weights_were_kept(record, says):
    model = tiny()
    info = {"depth_um": 16, "training": {"steps": 1200, "best_val_psnr": 31.2, **record}}
    t = content.make_test_tensors(model, info, side=16)
    assert says in content.documentation(model, info, t, parameters=1234)


def test_architecture_phrases():
    assert "head-to-tail" in content.architecture_phrase(tiny().config)
    assert "plain U-Net" in content.architecture_phrase(tiny(scales=1).config)
    nah = tiny(architecture="nah", nah_channels=8, nah_resblocks=1).config
    assert "Nah et al. 2017" in content.architecture_phrase(nah)


def test_the_pixel_size_a_package_states_is_the_one_its_network_runs_on():
    from napari_defocus_deblur.inference.units import network_pixel_size_um

    own = {"source": "/stacks", "pairing": [], "pixel_size_um": 0.3225}
    binned = {**own, "on_bbbc006_grid": True}
    assert content.pixel_size_phrase({}) == "pixel size 0.645 µm (BBBC006, 20x)"
    assert content.pixel_size_phrase({"training": {"data": binned}}) == (
        "pixel size 0.645 µm (BBBC006's grid; trained on 0.3225 µm images binned onto it: "
        "bin images of that microscope alike)"
    )
    assert network_pixel_size_um({"training": {"data": own}}) == 0.3225
    assert content.pixel_size_phrase({"training": {"data": own}}) == (
        "pixel size 0.3225 µm (as trained)"
    )
    spec = pytest.importorskip("bioimageio.spec")
    from napari_defocus_deblur.export.tensors import _axes

    axes = _axes(spec, "input", 16, 1, network_pixel_size_um({"training": {"data": own}}))
    assert [a.scale for a in axes[2:]] == [0.3225, 0.3225]
