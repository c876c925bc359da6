"""Scores of zoo v3 candidates are cached by weights, not by run name and step alone."""

from __future__ import annotations

import json

from napari_defocus_deblur.model import build_model
from napari_defocus_deblur.model.checkpoint import save_checkpoint


def mean_at(folder, step: int, seed: int):
    """A tiny averaged run folder as scripts/average_copies.py writes it."""
    import torch

    torch.manual_seed(seed)
    save_checkpoint(build_model(1, base_channels=4), folder, info={"name": folder.name})
    (folder / "training_state.json").write_text(json.dumps({"step": step}))
    return folder


def test_two_means_ending_at_one_step_never_share_scores(load_script, tmp_path):
    evaluate = load_script("evaluate_zoo_v3")
    first = mean_at(tmp_path / "init2-500-1000" / "v3ah-avg-unet", 1000, 0)
    second = mean_at(tmp_path / "init2-750-1000" / "v3ah-avg-unet", 1000, 1)
    names = [evaluate.cache_name(f"told:{run}") for run in (first, second)]
    assert names[0] != names[1]
    assert all(n.startswith("told-v3ah-avg-unet-1000-") for n in names)
    # the same weights read again give the same name, so the cache is found
    assert evaluate.cache_name(f"told:{first}") == names[0]
