"""Pixel-phase averaging inside the network (``pixel_phases``), as exports carry it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_defocus_deblur.inference.phases import SHIFTS, moved_back, pass_images
from napari_defocus_deblur.model.phases import (
    PHASE_SHIFTS,
    average_phases,
    phase_shifted,
    set_pixel_phases,
)
from tests.inference.helpers import tiny_model


def test_the_network_file_moves_images_exactly_as_the_plugin_does():
    assert PHASE_SHIFTS == SHIFTS  # one rule: the tiled runner and exports agree
    image = np.random.default_rng(0).random((2, 1, 19, 24))
    for one_pass, moved in pass_images(image, 1, 4):
        shifted = phase_shifted(torch.from_numpy(image), *one_pass.shift)
        np.testing.assert_array_equal(shifted, moved)


def _grid(batch: torch.Tensor, depth=None) -> torch.Tensor:
    """A 'network' that paints a 20 % period-2 lattice locked to its own pixel grid."""
    yy = (torch.arange(batch.shape[-2]).reshape(-1, 1) % 2 * 2 - 1).to(batch.dtype)
    xx = (torch.arange(batch.shape[-1]).reshape(1, -1) % 2 * 2 - 1).to(batch.dtype)
    return batch * (1 + 0.2 * (yy + xx + yy * xx) / 3)


@pytest.mark.parametrize("phases", [2, 4])
def test_a_grid_locked_lattice_cancels(phases):
    smooth = torch.linspace(1, 2, 30 * 26, dtype=torch.float64).reshape(1, 1, 30, 26)
    once = average_phases(_grid, smooth, None, 1)
    averaged = average_phases(_grid, smooth, None, phases)
    assert (once - smooth).abs().max() > 0.1
    if phases == 4:  # all three period-2 components go
        torch.testing.assert_close(averaged, smooth, rtol=0, atol=1e-12)
    else:  # (0,0)+(1,1) removes the row and column stripes, not the checkerboard
        assert (averaged - smooth).abs().max() < (once - smooth).abs().max()


def test_pixel_phases_gives_the_plugins_average_per_image_depth():
    net = tiny_model(condition="depth").eval()
    x = torch.rand(2, 1, 33, 41, generator=torch.Generator().manual_seed(2))
    depth = torch.tensor([10.0, 34.0])
    with torch.no_grad():
        expected = np.mean(
            [
                moved_back(net(torch.from_numpy(m), depth).numpy(), p, x.shape)
                for p, m in pass_images(x.numpy(), 1, 4)
            ],
            axis=0,
        )
        state = {k: v.clone() for k, v in net.state_dict().items()}
        got = set_pixel_phases(net, 4)(x, depth).numpy()
        assert net.pixel_phases == 4 and isinstance(net, type(tiny_model()))
        assert all(torch.equal(state[k], v) for k, v in net.state_dict().items())
        back = set_pixel_phases(net, 1)(x, depth).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert got.shape == x.shape
    assert getattr(net, "pixel_phases", 1) == 1 and np.abs(back - got).max() > 1e-4
    with pytest.raises(ValueError, match="1, 2 or 4"):
        set_pixel_phases(net, 3)
