"""Checkpoint means (scripts/average_copies.py) and what the bundled card says of them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from napari_defocus_deblur.model import build_model
from napari_defocus_deblur.model.checkpoint import load_checkpoint, save_checkpoint


def run_at(folder, step: int, seed: int):
    """A tiny run folder: a checkpoint and the training state of ``step``."""
    import torch

    torch.manual_seed(seed)
    save_checkpoint(build_model(1, base_channels=4), folder, info={"name": folder.name})
    (folder / "training_state.json").write_text(json.dumps({"step": step}))
    return folder


@pytest.fixture
def runs(tmp_path):
    start = run_at(tmp_path / "start-unet", 2000, 0)  # a float32 start (--start)
    copies = [run_at(tmp_path / f"copy{s}-unet", s, s) for s in (500, 1000)]
    return start, copies


def weights(folder) -> dict[str, np.ndarray]:
    model, _ = load_checkpoint(folder)
    return {k: v.detach().numpy() for k, v in model.state_dict().items()}


def test_mean_with_the_start_counted_twice(load_script, runs, tmp_path):
    average = load_script("average_copies")
    start, copies = runs
    out = tmp_path / "mean-unet"
    assert average.average_run([start, start, *copies], out, from_start=2) == 1000
    parts = [weights(r) for r in (start, *copies)]
    mean = weights(out)
    for key in mean:
        expected = (2 * parts[0][key] + parts[1][key] + parts[2][key]) / 4
        np.testing.assert_allclose(mean[key], expected, rtol=1e-5, atol=1e-7)
    info = json.loads((out / "config.json").read_text())
    # the start's own training state (step 2000 of the stage before) is not a copy
    assert load_script("bundle_zoo").averaged_parts(info) == {
        "averaged_steps": [500, 1000],
        "averaged_start": 2,
    }


def test_start_folder_needs_one_run_per_network(load_script, tmp_path):
    average = load_script("average_copies")
    only = run_at(tmp_path / "zoo" / "v3k-avg-unet", 2000, 0)
    assert average.start_in(tmp_path / "zoo", "unet") == only
    run_at(tmp_path / "zoo" / "other-unet", 1000, 1)
    with pytest.raises(SystemExit, match="holds 2 runs named"):
        average.start_in(tmp_path / "zoo", "unet")
    with pytest.raises(SystemExit, match="holds 0 runs named"):
        average.start_in(tmp_path / "zoo", "nah")


def test_start_without_init_weight_is_refused(load_script, runs, tmp_path, monkeypatch):
    average = load_script("average_copies")
    start, copies = runs
    argv = ["average_copies.py", *map(str, copies), "--start", str(start.parent)]
    monkeypatch.setattr("sys.argv", [*argv, "--prefix", "copy", "--out", str(tmp_path / "m")])
    with pytest.raises(SystemExit, match="give --init-weight N too"):
        average.main()
    assert not (tmp_path / "m").exists()
