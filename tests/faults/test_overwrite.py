"""No writer replaces what it did not write without ``--overwrite`` (one readable line)."""

from __future__ import annotations

import json

import pytest

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference import save_model
from napari_defocus_deblur.training import train
from tests.faults.helpers import train_config, train_data, tree
from tests.inference.helpers import tiny_model

MISSING_DATA = "/nonexistent-data-folder"


def _train(out, *extra):
    return main(["train", MISSING_DATA, "--depth", "10", "--steps", "2", "-o", str(out), *extra])


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("name", ["config.json", "model.safetensors"])
def test_train_refuses_a_folder_holding_a_users_model_file(tmp_path, capsys, name):
    out = tmp_path / "mine"
    out.mkdir()
    (out / name).write_text("precious")
    assert _train(out) == 2
    err = _one_line(capsys)
    assert "exist already" in err and "--overwrite" in err and name in err
    assert (out / name).read_text() == "precious"


def test_train_refuses_its_init_model_as_output(checkpoint, capsys):
    before = tree(checkpoint)
    assert _train(checkpoint, "--init", str(checkpoint)) == 2
    assert "--overwrite" in _one_line(capsys)
    assert tree(checkpoint) == before


def test_train_refuses_an_empty_output_name(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.json").write_text("{}")
    assert _train("") == 2
    assert "-o/--output is empty" in _one_line(capsys)
    assert (tmp_path / "config.json").read_text() == "{}"


def test_train_api_refuses_a_checkpoint_folder_and_overwrite_replaces_it(checkpoint):
    before = tree(checkpoint)
    with pytest.raises(UserInputError, match="exist already"):
        train(train_config(checkpoint, steps=1), train_data())
    assert tree(checkpoint) == before
    train(train_config(checkpoint, steps=1, overwrite=True), train_data())
    assert tree(checkpoint) != before


@pytest.mark.parametrize(("option", "name"), [("--onnx", "m.onnx"), ("--torchscript", "m.pt")])
def test_export_refuses_existing_files(checkpoint, tmp_path, capsys, option, name):
    target = tmp_path / name
    target.write_bytes(b"precious")
    assert main(["export", str(checkpoint), option, str(target)]) == 2
    assert "--overwrite" in _one_line(capsys)
    assert target.read_bytes() == b"precious"
    assert main(["export", str(checkpoint), option, str(target), "--overwrite"]) == 0
    assert target.read_bytes() != b"precious"


def test_export_refuses_an_existing_package(checkpoint, tmp_path, capsys):
    target = tmp_path / "m.zip"
    target.write_bytes(b"precious")
    assert main(["export", str(checkpoint), "--bioimageio", str(target)]) == 2
    assert "--overwrite" in _one_line(capsys)
    assert target.read_bytes() == b"precious"


def test_save_model_refuses_a_foreign_config(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "config.json").write_text('{"mine": 1}')
    with pytest.raises(UserInputError, match="exist already"):
        save_model(tiny_model(), folder, depth_um=10)
    assert json.loads((folder / "config.json").read_text()) == {"mine": 1}
    save_model(tiny_model(), folder, depth_um=10, overwrite=True)
    save_model(tiny_model(1), folder, depth_um=12)  # its own checkpoint: replaced
    assert json.loads((folder / "config.json").read_text())["depth_um"] == 12


def test_simulate_refuses_to_replace_a_record(tmp_path, capsys):
    out = tmp_path / "sim"
    out.mkdir()
    (out / "simulation.json").write_text("precious")
    argv = ["simulate", str(out), "--fields", "1", "--shape", "32", "32", "--quiet"]
    assert main(argv) == 2
    assert "already exists" in _one_line(capsys)
    assert (out / "simulation.json").read_text() == "precious"


def test_evaluate_refuses_an_empty_json_name(checkpoint, capsys):
    argv = ["evaluate", MISSING_DATA, "--model", str(checkpoint), "--json", ""]
    assert main(argv) == 2
    assert "--json is empty" in _one_line(capsys)
