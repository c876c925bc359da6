"""The channel rule shared by the Deblur widget, the reader and ``predict``."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from napari_defocus_deblur.channels import (
    CHANNEL_COLORMAPS,
    channel_label,
    channel_of,
    check_channel,
    matching_models,
    model_channel,
)
from napari_defocus_deblur.inference.models import ZOO_DIR


@pytest.mark.parametrize(
    ("source", "channel"),
    [
        ("w1 Hoechst 33342 34 µm", 1),  # sample layer names
        ("w2 phalloidin in focus", 2),
        ("BBBC006 w2 phalloidin (768 fields)", 2),  # reader names
        ("a01_s1 w1", 1),
        ("mcf-z-stacks-03212011_a01_s1_w1E78EFC87-F8A4-4B1B-AF42-3B0E3A7C1C11.tif", 1),
        ("/data/z_16/mcf-z-stacks-03212011_b02_s2_w20a3b4c5d-1234-1234-1234-123456789abc.tif", 2),
        ("nuclei DAPI.tif", 1),
        ("actin.tif", 2),
        ({"channel": 2}, 2),
        ({"stain": "Hoechst 33342"}, 1),
        ({"napari_defocus_deblur": {"channel": 1}}, 1),
        ("my image", None),
        ("sw1x", None),  # "w1" inside a word is not a channel token
        ({}, None),
        (None, None),
    ],
)
def test_channel_of_names_paths_and_metadata(source, channel):
    assert channel_of(source) == channel


def test_layer_metadata_wins_over_its_name():
    layer = SimpleNamespace(name="w1 something", metadata={"channel": 2})
    assert channel_of(layer) == 2
    assert channel_of(SimpleNamespace(name="w2 x", metadata={})) == 2


def test_bundled_models_declare_the_nuclei_channel():
    for folder in ("bbbc006-sum", "bbbc006-concat", "bbbc006-unet", "bbbc006-nah"):
        assert model_channel(ZOO_DIR / folder) == 1
    assert model_channel({"stain": "phalloidin"}) == 2
    assert model_channel({"training": {"data": {"channel": 2}}}) == 2
    assert model_channel({}) is None
    assert model_channel(SimpleNamespace(checkpoint_info={"channel": 2})) == 2


def test_check_channel_warns_only_on_a_known_mismatch(tmp_path):
    assert check_channel({"channel": 1}, 1) is None
    assert check_channel({"channel": 1}, None) is None  # unknown image: no warning
    assert check_channel({}, 2) is None  # the model does not say
    message = check_channel(ZOO_DIR / "bbbc006-sum", 2, image="x_w2.tif", model_name="sum")
    assert message == (
        "'x_w2.tif' is channel 2 (phalloidin), but 'sum' was trained on channel 1 "
        "(Hoechst 33342); its output is unreliable on this stain: use a model trained on "
        "channel 2 or fine-tune one"
    )
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"channel": 2}))
    assert check_channel(folder, 2) is None


def test_matching_models_and_labels():
    models = [{"channel": 1}, {"channel": 2}, {}]
    assert matching_models(models, 2) == [{"channel": 2}]
    assert matching_models(models, None) == models
    assert channel_label(2) == "channel 2 (phalloidin)"
    assert channel_label(None) == "an unknown channel"
    assert CHANNEL_COLORMAPS[1] != CHANNEL_COLORMAPS[2]


@pytest.mark.parametrize(
    ("name", "channel"),
    [("actin_field3", 2), ("nuclei_2", 1), ("Hoechst_1", 1), ("factin", None), ("F-actin", 2)],
)
def test_stain_words_separated_by_underscores_are_recognised(name, channel):
    assert channel_of(name) == channel
