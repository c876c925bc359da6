"""Checkpoint means (scripts/average_copies.py) and what the bundled card says of them."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from napari_defocus_deblur.model.checkpoint import load_checkpoint


@pytest.fixture
def runs(tmp_path, run_at):
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
    # the weights are named by their digest too: a path may later hold other weights
    digests = info["provenance"]["averaged_sha256"]
    assert digests[0] == digests[1] == average.weights_digest(start)
    assert len(set(digests)) == 3 and all(len(d) == 16 for d in digests)


def test_start_folder_needs_one_run_per_network(load_script, run_at, tmp_path):
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


def test_a_soup_of_two_stage_means_lists_both_stages_then_itself(
    load_script, runs, run_at, tmp_path, monkeypatch
):
    average, bundle = load_script("average_copies"), load_script("bundle_zoo")
    start, copies = runs
    others = [run_at(tmp_path / f"other{s}-unet", s, 10 + s) for s in (500, 1000)]
    means = [tmp_path / "o" / "v3o-avg-unet", tmp_path / "p" / "v3p-avg-unet"]
    for mean, parts in zip(means, (copies, others), strict=True):
        average.average_run([start, *parts], mean, from_start=1)
    argv = ["average_copies.py", "--soup", str(tmp_path / "o"), str(tmp_path / "p")]
    shutil.copytree(start, tmp_path / "zoo" / start.name)  # --start: one run per network
    argv += ["--init-weight", "1", "--start", str(tmp_path / "zoo"), "--methods", "unet"]
    monkeypatch.setattr("sys.argv", [*argv, "--prefix", "v3op-", "--out", str(tmp_path / "s")])
    average.main()
    soup = tmp_path / "s" / "v3op-avg-unet"
    w = {r.name: weights(r) for r in (start, *copies, *others, soup)}
    for key in w[soup.name]:
        o = (w["start-unet"][key] + w["copy500-unet"][key] + w["copy1000-unet"][key]) / 3
        p = (w["start-unet"][key] + w["other500-unet"][key] + w["other1000-unet"][key]) / 3
        expected = (w["start-unet"][key] + o + p) / 3
        np.testing.assert_allclose(w[soup.name][key], expected, rtol=1e-5, atol=1e-7)
    stages = bundle.training_stages(soup)
    assert [st["run"] for st in stages] == ["v3o-unet", "v3p-unet", "v3op-unet"]
    assert stages[0]["averaged_steps"] == [500, 1000] and stages[0]["averaged_start"] == 1
    assert stages[-1]["soup_of"] == ["v3o-unet", "v3p-unet"]
    assert stages[-1]["averaged_start"] == 1 and stages[-1]["steps"] == 0
    plain = json.loads((means[0] / "config.json").read_text())
    assert bundle.soup_parts(plain) == []  # one stage's mean of its copies is no soup


def test_a_soup_s_card_names_the_seeds_of_its_stages(load_script):
    bundle = load_script("bundle_zoo")
    config = {"prior_fields": 960, "depth_sampling": "stratified", "split_seed": 22}
    assert "fresh fields (split seed 22)" in bundle.data_note_v3(config)
    souped = bundle.data_note_v3(config, [21, 22])
    assert "the last 2 stages each continued" in souped and "(seeds 21, 22;" in souped
    assert "split seed 22" not in souped
