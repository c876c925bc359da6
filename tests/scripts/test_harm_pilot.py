"""scripts/harm_pilot.py: the unshared-body diagnostic starts from the shipped function."""

from __future__ import annotations

import pytest
import torch

from napari_defocus_deblur.inference.catalogue import resolve_model_path
from napari_defocus_deblur.model import count_parameters
from napari_defocus_deblur.model.checkpoint import load_checkpoint


def test_unshared_init_copies_the_body_and_keeps_the_function(load_script, tmp_path):
    pilot = load_script("harm_pilot")
    shared, shipped_info = load_checkpoint(resolve_model_path("bbbc006-sum"))
    out = pilot.unshared_init("sum", tmp_path)
    unshared, info = load_checkpoint(out)
    assert not unshared.config.share_weights and len(unshared.bodies) == 4
    body = count_parameters(shared.bodies[0])
    assert count_parameters(unshared) == count_parameters(shared) + 3 * body
    assert info["depths_um"] == shipped_info["depths_um"]
    x = torch.rand(2, 1, 48, 64)
    with torch.no_grad():
        torch.testing.assert_close(unshared(x, 16.0), shared(x, 16.0), rtol=0, atol=1e-6)
    assert pilot.unshared_init("sum", tmp_path) == out  # made once


def test_unshare_refuses_a_single_scale_network(load_script, tmp_path):
    with pytest.raises(SystemExit, match="multi-scale"):
        load_script("harm_pilot").unshared_init("unet", tmp_path)
