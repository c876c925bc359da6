"""Checkpoint directories: safetensors + JSON, no pickle, clear errors."""

from __future__ import annotations

import json

import pytest
import torch

from napari_defocus_deblur import build_model
from napari_defocus_deblur.errors import CheckpointError
from napari_defocus_deblur.model.checkpoint import load_checkpoint, save_checkpoint


def test_round_trip_identical_outputs(tmp_path):
    model = build_model(2, "concat", base_channels=4).eval()
    save_checkpoint(model, tmp_path / "ck", info={"depth_um": 34})
    loaded, info = load_checkpoint(tmp_path / "ck")
    assert info["depth_um"] == 34
    assert loaded.config == model.config
    x = torch.rand(1, 1, 40, 40)
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), model(x), rtol=0, atol=0)


def test_half_precision_weights_load_as_float32(tmp_path):
    model = build_model(1, base_channels=4)
    save_checkpoint(model, tmp_path, half=True)
    loaded, _ = load_checkpoint(tmp_path)
    assert all(p.dtype == torch.float32 for p in loaded.parameters())


def test_pickle_files_are_refused(tmp_path):
    save_checkpoint(build_model(1, base_channels=4), tmp_path)
    (tmp_path / "evil.pt").write_bytes(b"\x80\x04not really")
    with pytest.raises(CheckpointError, match=r"pickle-format files \(evil.pt\)"):
        load_checkpoint(tmp_path)


def test_wrong_shapes_are_refused(tmp_path):
    save_checkpoint(build_model(2, base_channels=4), tmp_path)
    cfg = json.loads((tmp_path / "config.json").read_text())
    cfg["model"]["base_channels"] = 8
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(CheckpointError, match="wrong shapes"):
        load_checkpoint(tmp_path)


def test_corrupt_weights_and_missing_files(tmp_path):
    save_checkpoint(build_model(1, base_channels=4), tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="corrupt or not a safetensors file"):
        load_checkpoint(tmp_path)
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="not valid JSON"):
        load_checkpoint(tmp_path)
    with pytest.raises(CheckpointError, match="not found"):
        load_checkpoint(tmp_path / "nope")
