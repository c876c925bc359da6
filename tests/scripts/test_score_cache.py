"""Scores of zoo v3 candidates are cached by weights, not by run name and step alone."""

from __future__ import annotations


def test_two_means_ending_at_one_step_never_share_scores(load_script, run_at, tmp_path):
    evaluate = load_script("evaluate_zoo_v3")
    first = run_at(tmp_path / "init2-500-1000" / "v3ah-avg-unet", 1000, 0)
    second = run_at(tmp_path / "init2-750-1000" / "v3ah-avg-unet", 1000, 1)
    names = [evaluate.cache_name(f"told:{run}") for run in (first, second)]
    assert names[0] != names[1]
    assert all(n.startswith("told-v3ah-avg-unet-1000-") for n in names)
    # the same weights read again give the same name, so the cache is found
    assert evaluate.cache_name(f"told:{first}") == names[0]
