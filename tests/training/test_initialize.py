"""Setting up a run: ``--init`` names go through the model catalogue; one device resolver."""

from __future__ import annotations

import pytest
import torch

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import catalogue, device
from napari_defocus_deblur.training import TrainConfig, engine, initialize
from napari_defocus_deblur.training.initialize import (
    find_init_checkpoint,
    init_info,
    initial_model,
)


def test_init_accepts_the_per_distance_names_deblur_accepts(tmp_path):
    folder = find_init_checkpoint("bbbc006-34um-sum")
    assert folder == catalogue.resolve_model_path("bbbc006-34um-sum")
    assert folder.name == "bbbc006-sum"
    config = TrainConfig(depth_um=34, init="bbbc006-34um-sum", output_dir=str(tmp_path))
    assert 34.0 in init_info(config)["depths_um"]


def test_init_model_is_trainable_and_not_shared(tmp_path):
    config = TrainConfig(depth_um=34, init="bbbc006-sum", output_dir=str(tmp_path))
    first = initial_model(config)
    assert first.training and all(p.requires_grad for p in first.parameters())
    assert first is not initial_model(config)
    assert next(catalogue.load_model("bbbc006-sum").parameters()).dtype == torch.float32


def test_unknown_init_names_the_bundled_models(empty_zoo):
    with pytest.raises(UserInputError, match=r"--init 'nope'.*no bundled models installed"):
        find_init_checkpoint("nope")


def test_training_uses_the_one_device_resolver(monkeypatch):
    assert not hasattr(initialize, "resolve_device")
    assert engine.resolve_device is device.resolve_device
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device, "_mps_available", lambda: True)
    assert engine.resolve_device("auto").type == "mps"
