"""Hostile or mistyped ``config.json`` files and API arguments: one readable line each."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.errors import CheckpointError, UserInputError
from napari_defocus_deblur.inference import deblur, load_model, save_model
from napari_defocus_deblur.inference.checks import check_depth
from napari_defocus_deblur.model import build_model
from napari_defocus_deblur.model.checkpoint import load_checkpoint, read_checkpoint_info
from tests.inference.helpers import field, tiny_model

BAD = {
    "depth-abc": ({"depth_um": "abc"}, "depth_um"),
    "depth-nan": ({"depth_um": float("nan")}, "finite"),
    "depths-list": ({"depths_um": [10, "x"]}, "depths_um.1"),
    "norm-unknown-key": ({"normalization": {"foo": 1}}, "unknown key normalization.foo"),
    "norm-string": ({"normalization": "abc"}, "normalization must be a JSON object"),
    "norm-low-string": ({"normalization": {"low": "a"}}, "normalization.low"),
    "norm-order": ({"normalization": {"low": 90, "high": 10}}, "percentiles"),
    "nah-negative": ({"model": {"nah_channels": -1}}, "model.nah_channels"),
    "huge-width": (
        {"model": {"base_channels": 100000}},
        "model.base_channels must be at most 256",
    ),
    "deep": ({"model": {"levels": 40}}, "model.levels"),
    "banana": ({"model": {"banana": 1}}, "unknown key model.banana"),
    "model-string": ({"model": "x"}, "model must be a JSON object"),
    "bool-scales": ({"model": {"scales": True}}, "model.scales"),
}


def _bad_checkpoint(root, name, change):
    folder = save_model(tiny_model(), root / name, depth_um=34)
    info = json.loads((folder / "config.json").read_text())
    for key, value in change.items():
        if key == "model" and isinstance(value, dict):
            info["model"].update(value)
        else:
            info[key] = value
    (folder / "config.json").write_text(json.dumps(info))
    return folder


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_config_values_give_one_line(tmp_path, case):
    change, message = BAD[case]
    folder = _bad_checkpoint(tmp_path, case, change)
    start = time.perf_counter()
    for load in (read_checkpoint_info, load_checkpoint, load_model):
        with pytest.raises(CheckpointError, match=r"config\.json") as caught:
            load(folder)
        text = str(caught.value)
        assert message in text and "\n" not in text, text
    assert time.perf_counter() - start < 5  # no attempt to build an absurd network


def test_models_dir_warns_per_bad_folder_and_lists_the_rest(tmp_path, empty_zoo, capsys):
    root = tmp_path / "models"
    save_model(tiny_model(), root / "good-22", depth_um=22)
    for case in ("depth-abc", "norm-string", "huge-width", "nah-negative"):
        _bad_checkpoint(root, case, BAD[case][0])
    assert main(["models", "--dir", str(root)]) == 0
    captured = capsys.readouterr()
    assert any(line.startswith("good-22") for line in captured.out.splitlines())
    warnings = [line for line in captured.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 4 and "Traceback" not in captured.err


def test_deblur_with_a_bad_checkpoint_is_a_user_error(tmp_path):
    folder = _bad_checkpoint(tmp_path, "x", BAD["norm-string"][0])
    with pytest.raises(UserInputError, match="normalization"):
        deblur(field((32, 32)), model=folder)


def test_api_arguments_of_the_wrong_kind_are_user_errors(tmp_path, empty_zoo):
    with pytest.raises(UserInputError, match="load_model needs"):
        load_model(None)
    with pytest.raises(UserInputError, match=r"unknown option.*banana"):
        build_model(banana=1)
    with pytest.raises(UserInputError, match="base_channels"):
        build_model(base_channels=100000)
    with pytest.raises(UserInputError, match="depth_um must be a number"):
        deblur(np.zeros((32, 32), np.float32), depth_um="abc")


@pytest.mark.parametrize("value", ["abc", "", None, True, float("nan"), float("inf"), -1, [34]])
def test_check_depth_refuses_what_is_not_a_distance(value):
    with pytest.raises(UserInputError, match="depth_um"):
        check_depth(value)


def test_check_depth_accepts_numbers_and_auto():
    assert check_depth(34) == 34.0 and check_depth(np.float32(10.5)) == 10.5
    assert check_depth("16") == 16.0 and check_depth(" AUTO ") == "auto"
    with pytest.raises(UserInputError, match="--depth must be a number of micrometres,"):
        check_depth("auto", "--depth", allow_auto=False)
