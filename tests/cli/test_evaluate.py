"""``defocus-deblur evaluate``: table in the paper's layout, JSON rows, missing models."""

from __future__ import annotations

import json

import pytest

from napari_defocus_deblur.cli import main
from napari_defocus_deblur.model import build_model
from napari_defocus_deblur.model.checkpoint import save_checkpoint
from tests.training.helpers import simulated_set


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    return simulated_set(
        tmp_path_factory.mktemp("cli-eval") / "bbbc",
        n_fields=10,
        planes=(8, 11, 16),
        shape=(48, 64),
    )


def test_evaluate_table_and_json(sim, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DEFOCUS_DEBLUR_CACHE_DIR", str(tmp_path / "cache"))
    models = tmp_path / "models"
    save_checkpoint(
        build_model(1, base_channels=4, levels=2),
        models / "unet10",
        info={"depth_um": 10.0, "channel": 1},
    )
    argv = [
        "evaluate",
        str(sim),
        "--depths",
        "10",
        "16",
        "--methods",
        "input,richardson-lucy,unet,sum",
        "--models",
        str(models),
        "--json",
        str(tmp_path / "r.json"),
        "--markdown",
        str(tmp_path / "r.md"),
        "--device",
        "cpu",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "| method | 16 µm | 10 µm | parameters | s / image |" in out
    # the planes paired, printed: below the set's recorded focus z_16 by default
    assert "paired z_11 (10 µm below z_16) with z_16 for 10 fields, channel w1" in out
    assert "paired z_08 (16 µm below z_16) with z_16 for 10 fields, channel w1" in out
    assert "ground truth's min/max" in out
    doc = json.loads((tmp_path / "r.json").read_text())
    assert "ground truth's min/max" in doc["normalization"]
    assert [(p["blurred_plane"], p["reference_plane"]) for p in doc["pairing"]] == [
        (11, 16),
        (8, 16),
    ]
    rows = {(r["method"], r["depth_um"]): r for r in doc["rows"]}
    assert len(rows) == 8
    for depth in (10.0, 16.0):
        inp, rl = rows["input", depth], rows["richardson-lucy", depth]
        assert inp["n_images"] == 1 and inp["psnr"] > 10
        assert rl["psnr"] > inp["psnr"]  # the physics anchor beats the raw input
        assert rows["sum", depth]["missing"].startswith("no sum model")
    assert rows["unet", 10.0]["parameters"] > 0 and rows["unet", 10.0]["psnr"] is not None
    assert rows["unet", 16.0]["missing"] == f"no unet model for 16 um in {models}"
    assert (tmp_path / "cache" / "rl-tuning" / "rl_iterations.json").is_file()
    assert "missing" in (tmp_path / "r.md").read_text()


def test_evaluate_errors(sim, tmp_path, capsys):
    assert main(["evaluate", str(sim), "--depths", "10", "--methods", "input,magic"]) == 2
    assert "unknown method(s) magic" in capsys.readouterr().err
    assert main(["evaluate", str(sim), "--depths", "20", "--methods", "input"]) == 2
    assert "no images for 20 µm below z_16 (plane z_06)" in capsys.readouterr().err
    assert main(["evaluate", str(sim), "--depths", "34", "--methods", "input"]) == 2
    assert "34 µm below z_16 is outside BBBC006" in capsys.readouterr().err
    argv = ["evaluate", str(sim), "--depths", "10", "--side", "above", "--methods", "input"]
    assert main(argv) == 2
    assert "no images for 10 µm above z_16 (plane z_21)" in capsys.readouterr().err


def test_evaluate_reference_plane_and_side(tmp_path, capsys):
    root = simulated_set(tmp_path / "above", n_fields=10, planes=(16, 21, 23), shape=(32, 32))
    argv = ["evaluate", str(root), "--depths", "10", "--methods", "input", "--device", "cpu"]
    assert main([*argv, "--reference-plane", "16", "--side", "above"]) == 0
    assert "paired z_21 (10 µm above z_16) with z_16 for 10 fields" in capsys.readouterr().out
    argv[3] = "4"  # --depths 4: z_21 is 4 µm below an explicit reference plane z_23
    assert main([*argv, "--reference-plane", "23"]) == 0
    assert "paired z_21 (4 µm below z_23) with z_23 for 10 fields" in capsys.readouterr().out
