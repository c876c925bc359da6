"""The README of a model package and the phrases its description shares (no bioimageio
needed)."""

from __future__ import annotations

import pytest
import torch

from napari_defocus_deblur.export import content, readme
from napari_defocus_deblur.model import build_model
from napari_defocus_deblur.model.phases import set_passes


def tiny(seed=0, **options):
    torch.manual_seed(seed)
    return build_model(**{"scales": 2, "base_channels": 8, "levels": 3, **options}).eval()


def test_documentation_states_units_citations_and_training():
    model = tiny(fusion="concat")
    info = {
        "depth_um": 16,
        "normalization": {"low": 1.0, "high": 99.8},
        "training": {"steps": 1200, "device": "cuda (H100)", "best_val_psnr": 31.2},
    }
    t = content.make_test_tensors(model, info, side=16)
    text = readme.documentation(model, info, t, parameters=1234)
    assert "head-to-tail K=2 concat" in text and "1,234 parameters" in text
    assert "16 µm from focus" in text
    assert "percentile 1 of each image to 0 and percentile 99.8 to 1" in text
    assert "`output * (p99.8 - p1) + p1`" in text
    assert "halo of 32 pixels" in text and "any size of at least 80 pixels" in text
    assert "1200 steps" in text and "cuda (H100)" in text and "31.2 dB" in text
    assert "## Validation" in text
    assert "doi:10.48550/arXiv.2201.02876" in text and "doi:10.1038/nmeth.2083" in text
    assert "averaged passes: one pass (exported with `--views 1 --phases 1`" in text
    said = {}
    for views, phases in [(4, 1), (1, 4), (4, 2)]:
        set_passes(model, views, phases)
        said[views, phases] = readme.documentation(model, info, t, parameters=1234)
    assert "averaged passes: 4 mirror views (no period-2 lattice" in said[4, 1]
    assert "averaged passes: 4 one-pixel shifts (no period-2 lattice" in said[1, 4]
    assert "averaged passes: 4 mirror views of 2 one-pixel shifts (" in said[4, 2]


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
    assert says in readme.documentation(model, info, t, parameters=1234)


def test_architecture_phrases():
    assert "head-to-tail" in readme.architecture_phrase(tiny().config)
    assert "plain U-Net" in readme.architecture_phrase(tiny(scales=1).config)
    nah = tiny(architecture="nah", nah_channels=8, nah_resblocks=1).config
    assert "Nah et al. 2017" in readme.architecture_phrase(nah)


def test_the_pixel_size_a_package_states_is_the_one_its_network_runs_on():
    from napari_defocus_deblur.inference.units import network_pixel_size_um

    own = {"source": "/stacks", "pairing": [], "pixel_size_um": 0.3225}
    binned = {**own, "on_bbbc006_grid": True}
    assert readme.pixel_size_phrase({}) == "pixel size 0.645 µm (BBBC006, 20x)"
    assert readme.pixel_size_phrase({"training": {"data": binned}}) == (
        "pixel size 0.645 µm (BBBC006's grid; trained on 0.3225 µm images binned onto it: "
        "bin images of that microscope alike)"
    )
    assert network_pixel_size_um({"training": {"data": own}}) == 0.3225
    assert readme.pixel_size_phrase({"training": {"data": own}}) == (
        "pixel size 0.3225 µm (as trained)"
    )
    spec = pytest.importorskip("bioimageio.spec")
    from napari_defocus_deblur.export.tensors import _axes

    axes = _axes(spec, "input", 16, 1, network_pixel_size_um({"training": {"data": own}}))
    assert [a.scale for a in axes[2:]] == [0.3225, 0.3225]
