"""TrainConfig: pydantic bounds from the limits table, one-line errors, device defaults."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path

import pytest

from napari_defocus_deblur import limits
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.training.config import TrainConfig
from napari_defocus_deblur.training.defaults import CPU_DEFAULT_MINUTES, apply_device_defaults

CONFIGS = sorted((Path(__file__).parents[2] / "configs").glob("*.json"))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"crop": limits.MIN_SIDE_PX - 1}, f"crop must be at least {limits.MIN_SIDE_PX}, got"),
        ({"batch": 0}, "batch must be at least 1, got 0"),
        ({"lr": 0}, "lr must be greater than 0"),
        ({"depth_um": limits.DEPTH_UM[1] * 2}, f"depth_um must be at most {limits.DEPTH_UM[1]}"),
        (
            {"prior_depths_um": (0, 999)},
            f"prior_depths_um.1 must be at most {limits.TRAIN_DEPTH_UM[1]}",
        ),
        ({"fusion": "mul"}, "fusion must be one of 'sum' or 'concat', got 'mul'"),
        (
            {"depth_sampling": "sobol"},
            "depth_sampling must be one of 'uniform' or 'stratified', got 'sobol'",
        ),
        ({"steps": 2.5}, "steps must be an integer, got 2.5"),
        ({"val_fraction": 1.0}, "val_fraction must be less than 1"),
    ],
)
def test_bounds_are_one_line_naming_the_field_and_the_bound(tmp_path, options, message):
    with pytest.raises(UserInputError) as caught:
        TrainConfig(tmp_path, **options)
    text = str(caught.value)
    assert message in text and "\n" not in text and "pydantic" not in text


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.stem)
def test_every_config_file_loads_and_round_trips(tmp_path, path):
    cfg = TrainConfig.from_file(path, output_dir=tmp_path)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    json.dumps(cfg.to_dict())  # the record stored in checkpoints stays JSON


def test_dataclass_api_is_kept(tmp_path):
    cfg = TrainConfig(str(tmp_path), depths_um=[34, 10])
    assert cfg.output_dir == tmp_path and cfg.depths_um == (34.0, 10.0)
    assert replace(cfg, resume=True).resume and not cfg.resume
    assert {f.name: f.default for f in fields(TrainConfig)}["crop"] == 128
    with pytest.raises(UserInputError, match="either depth_um or depths_um"):
        replace(cfg, depth_um=10.0)  # replace validates too
    with pytest.raises(Exception):  # noqa: B017 (frozen)
        cfg.crop = 64


def test_one_defaults_factory_per_device():
    cpu = {"crop": None}
    notes = apply_device_defaults(cpu, "cpu")
    assert (cpu["crop"], cpu["batch"], cpu["max_minutes"]) == (128, 2, CPU_DEFAULT_MINUTES)
    assert len(notes) == 1 and "CPU" in notes[0]
    gpu = {"steps": 100, "batch": 4}
    assert apply_device_defaults(gpu, "cuda") == [] and gpu == {
        "steps": 100,
        "batch": 4,
        "crop": 128,
    }
