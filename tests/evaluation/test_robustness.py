"""Scoring methods on a written robustness set: one Score per method and pair."""

from __future__ import annotations

import json

import numpy as np
import pytest

from napari_defocus_deblur.evaluation.lattice import (
    LATTICE_FREQUENCIES,
    ratios_of_blocks,
    set_lattice_ratios,
)
from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.evaluation.robustness import (
    Score,
    iter_score_set,
    method_function,
    scores_to_json,
    summarise,
)
from napari_defocus_deblur.io.tiff import write_tiff
from napari_defocus_deblur.simulate.robustness import (
    cells,
    manifest_entry,
    read_manifest,
    simulate_cell,
)


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    """Two pairs of the real set's cells (a paper field and a robustness field, 34 µm)."""
    folder = tmp_path_factory.mktemp("set")
    todo = [c for c in cells() if c.depth_um == 34.0]
    todo = [next(c for c in todo if c.part == p) for p in ("paper", "robustness")]
    entries, images = [], {}
    for cell in todo:
        blurred, sharp = simulate_cell(cell)
        write_tiff(folder / f"{cell.name}_blurred.tif", blurred)
        write_tiff(folder / f"{cell.name}_sharp.tif", sharp)
        entries.append(manifest_entry(cell))
        images[cell.name] = (blurred, sharp)
    (folder / "manifest.json").write_text(json.dumps({"pairs": entries}))
    return folder, images


def _score(folder, methods):
    gen = iter_score_set(folder, methods)
    events = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            return events, stop.value


def test_every_method_scores_every_pair(small_set):
    folder, images = small_set
    events, scores = _score(folder, ["input", "rl-nominal"])
    assert [e.done for e in events] == [1, 2, 3, 4] and events[-1].total == 4
    assert {(s.method, s.name) for s in scores} == {
        (m, n) for m in ("input", "rl-nominal") for n in images
    }
    for s in scores:
        blurred, sharp = images[s.name]
        if s.method == "input":
            assert s.psnr == pytest.approx(psnr(blurred.astype(np.float32), sharp))
        assert s.part in ("paper", "robustness") and s.depth_um == 34.0
    rows = summarise(scores, ["part"])
    assert all(r["gain_db"] == 0.0 for r in rows if r["method"] == "input")
    assert all(r["gain_db"] > 0.5 for r in rows if r["method"] == "rl-nominal")


def test_scores_keep_the_lattice_blocks_of_the_output(small_set):
    folder, images = small_set
    _, scores = _score(folder, ["input", "rl-nominal"])
    for s in scores:
        if s.method == "input":
            assert s.lattice_ratio is None and s.lattice_blocks is None
            continue
        blocks = np.asarray(s.lattice_blocks)
        assert blocks.shape == (len(LATTICE_FREQUENCIES), 7, 7)
        assert max(ratios_of_blocks(blocks).values()) == pytest.approx(s.lattice_ratio)
    # the cache round trip keeps them, and their sum is the set's ratio
    again = [Score(**row) for row in json.loads(json.dumps(scores_to_json(scores)))]
    rl = [s for s in again if s.method == "rl-nominal"]
    summed = sum(np.asarray(s.lattice_blocks) for s in rl)
    entries = {e["name"]: e for e in read_manifest(folder)}
    outputs = [method_function("rl-nominal", entries[s.name])(images[s.name][0]) for s in rl]
    assert ratios_of_blocks(summed) == pytest.approx(set_lattice_ratios(outputs))


def test_networks_run_with_the_passes_asked_for(tmp_path):
    from napari_defocus_deblur.inference import deblur, save_model
    from tests.inference.helpers import field, tiny_model

    checkpoint = save_model(tiny_model(), tmp_path / "tiny", depth_um=34)
    entry = {"depth_um": 34.0}
    image = field((48, 56), seed=4)
    told = f"told:{checkpoint}"
    default = method_function(told, entry)(image)
    phases = method_function(told, entry, {"phases": 4})(image)
    kw = {"model": checkpoint, "device": "cpu", "depth_um": 34.0}
    np.testing.assert_array_equal(default, deblur(image, **kw))
    np.testing.assert_array_equal(phases, deblur(image, phases=4, **kw))
    assert not np.allclose(default, phases)
