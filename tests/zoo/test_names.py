"""Per-distance names and distance coverage of zoo models."""

from __future__ import annotations

import math

import pytest

from napari_defocus_deblur.zoo.names import (
    alias,
    depth_gap,
    depths_text,
    method_of,
    parse_alias,
    served_depths,
    trained_depths,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bbbc006-34um-sum", (34.0, "sum")),
        ("BBBC006-10um-concat", (10.0, "concat")),
        ("bbbc006-22.5um-nah", (22.5, "nah")),
        ("bbbc006-16um-unet", (16.0, "unet")),
        ("bbbc006-sum", None),
        ("bbbc006-34um-max", None),
        ("/tmp/bbbc006-34um-sum", None),
    ],
)
def test_parse_alias(name, expected):
    assert parse_alias(name) == expected


def test_alias_round_trip():
    assert alias(34.0, "sum") == "bbbc006-34um-sum"
    assert parse_alias(alias(22.0, "concat")) == (22.0, "concat")


def test_method_and_depths_from_a_config():
    sum4 = {"model": {"architecture": "head_to_tail", "scales": 4, "fusion": "sum"}}
    assert method_of(sum4) == "sum"
    assert method_of({"model": {"architecture": "head_to_tail", "scales": 1}}) == "unet"
    assert method_of({"model": {"architecture": "nah", "scales": 3}}) == "nah"
    assert method_of({"model": {"scales": 4, "fusion": "concat"}}) == "concat"
    assert trained_depths({"depth_um": 34}) == (34.0,)
    assert trained_depths({"depth_um": None, "depths_um": [34, 10, 22]}) == (10.0, 22.0, 34.0)
    assert trained_depths({}) == ()


def test_a_network_trained_on_simulated_fields_serves_in_focus_to_the_far_end():
    aliases = {"depths_um": [10, 16, 22, 28, 34]}
    prior = {"training": {"config": {"prior": "wide", "prior_depths_um": [2.0, 44.0]}}}
    assert served_depths({**aliases, **prior}) == (0.0, 44.0)
    assert served_depths(aliases) == (10.0, 16.0, 22.0, 28.0, 34.0)  # trained at those
    folder = {"training": {"config": {"prior": None, "prior_depths_um": [2.0, 44.0]}}}
    assert served_depths({"depth_um": 34, **folder}) == (34.0,)


def test_depth_gap_and_text():
    assert depth_gap((10.0, 34.0), 22.0) == 0.0
    assert depth_gap((10.0, 34.0), 40.0) == 6.0
    assert depth_gap((34.0,), 28.0) == 6.0
    assert math.isinf(depth_gap((), 10.0))
    assert depths_text((10.0, 16.0, 34.0)) == "10-34" and depths_text((34.0,)) == "34"
    assert depths_text(()) == "-"
