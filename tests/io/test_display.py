"""Reader layers: a colour map per channel and the true z step of the planes read."""

from __future__ import annotations

import pytest

from napari_defocus_deblur.io.display import channel_display, z_step_um
from napari_defocus_deblur.io.reader import get_reader
from tests.io._trees import make_tree


def test_two_channels_open_in_two_colours_not_grey(tmp_path):
    root = make_tree(tmp_path, planes=(16, 33), fields=(("c03", 2),))
    layers = get_reader(str(root))(str(root))
    maps = {kwargs["metadata"]["channel"]: kwargs["colormap"] for _, kwargs, _ in layers}
    assert maps == {1: "cyan", 2: "magenta"}  # as the sample data
    assert all(kwargs["blending"] == "additive" for _, kwargs, _ in layers)


def test_planes_16_and_33_are_34_um_apart(tmp_path):
    root = make_tree(tmp_path, planes=(16, 33), fields=(("c03", 2),))
    _, kwargs, _ = get_reader(str(root))(str(root))[0]
    assert kwargs["scale"] == pytest.approx((34.0, 0.645, 0.645))
    assert kwargs["metadata"]["stage_offsets_um"] == [0.0, 34.0]


def test_z_step_and_channel_display():
    assert z_step_um([16, 33]) == 34.0
    assert z_step_um([0, 16, 33]) == 33.0  # uneven: the mean spacing, true total depth
    assert z_step_um([10, 11, 12]) == 2.0
    assert z_step_um([16]) == 2.0
    assert channel_display(3) == {"colormap": "gray", "blending": "additive"}
