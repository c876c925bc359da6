"""Mirror views and pixel phases averaged inside the network, as exports carry them."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from napari_defocus_deblur.inference.phases import (
    MIRRORS,
    SHIFTS,
    moved_back,
    pass_images,
    passes_of,
)
from napari_defocus_deblur.model.phases import (
    MIRROR_FLIPS,
    PHASE_SHIFTS,
    _flipped,
    average_passes,
    passes,
    phase_shifted,
    set_passes,
)
from tests.inference.helpers import tiny_model

COUNTS = [(1, 4), (1, 2), (4, 1), (4, 2)]
SHAPES = [(20, 24), (21, 24), (20, 25), (19, 27)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("views", "phases"), COUNTS)
def test_the_network_file_moves_images_exactly_as_the_plugin_does(views, phases, shape):
    assert PHASE_SHIFTS == SHIFTS and MIRROR_FLIPS == MIRRORS  # one rule for runner and exports
    image = np.random.default_rng(0).random((2, 1, *shape))
    plan = passes(views, phases, *shape)
    plugin = list(pass_images(image, views, phases))
    assert [(p.shift, p.flip) for p in passes_of(views, phases, shape)] == plan
    for ((dy, dx), flip), (_, moved) in zip(plan, plugin, strict=True):
        shown = _flipped(phase_shifted(torch.from_numpy(image), dy, dx), flip)
        np.testing.assert_array_equal(shown, moved)


def _grid(batch: torch.Tensor, depth=None) -> torch.Tensor:
    """A 'network' that paints a 20 % period-2 lattice locked to its own pixel grid."""
    yy = (torch.arange(batch.shape[-2]).reshape(-1, 1) % 2 * 2 - 1).to(batch.dtype)
    xx = (torch.arange(batch.shape[-1]).reshape(1, -1) % 2 * 2 - 1).to(batch.dtype)
    return batch * (1 + 0.2 * (yy + xx + yy * xx) / 3)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(("views", "phases"), COUNTS)
def test_a_grid_locked_lattice_cancels_on_any_side(views, phases, shape):
    smooth = torch.linspace(1, 2, shape[0] * shape[1], dtype=torch.float64).reshape(1, 1, *shape)
    once = average_passes(_grid, smooth, None, 1, 1)
    averaged = average_passes(_grid, smooth, None, views, phases)
    assert (once - smooth).abs().max() > 0.1
    if views * phases == 4:  # all three period-2 components go
        torch.testing.assert_close(averaged, smooth, rtol=0, atol=1e-12)
    else:  # (0,0)+(1,1) removes the row and column stripes, not the checkerboard
        assert (averaged - smooth).abs().max() < (once - smooth).abs().max()


@pytest.mark.parametrize(("views", "phases"), [(1, 4), (4, 1)])
def test_the_averaged_network_gives_the_plugins_average_per_image_depth(views, phases):
    net = tiny_model(condition="depth").eval()
    x = torch.rand(2, 1, 33, 40, generator=torch.Generator().manual_seed(2))
    depth = torch.tensor([10.0, 34.0])
    with torch.no_grad():
        expected = np.mean(
            [
                moved_back(net(torch.from_numpy(m.copy()), depth).numpy(), p, x.shape)
                for p, m in pass_images(x.numpy(), views, phases)
            ],
            axis=0,
        )
        state = {k: v.clone() for k, v in net.state_dict().items()}
        got = set_passes(net, views, phases)(x, depth).numpy()
        assert (net.mirror_views, net.pixel_phases) == (views, phases)
        assert isinstance(net, type(tiny_model()))
        assert all(torch.equal(state[k], v) for k, v in net.state_dict().items())
        back = set_passes(net)(x, depth).numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert got.shape == x.shape
    assert getattr(net, "pixel_phases", 1) == 1 and np.abs(back - got).max() > 1e-4


def test_other_counts_are_refused():
    net = tiny_model()
    with pytest.raises(ValueError, match="pixel phases must be 1, 2 or 4"):
        set_passes(net, 1, 3)
    with pytest.raises(ValueError, match="mirror views must be 1 or 4"):
        set_passes(net, 2, 1)
