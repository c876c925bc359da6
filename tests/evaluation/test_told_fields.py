"""Several fields per hard cell, the network told the distance (evaluation/told_fields.py)."""

from __future__ import annotations

import numpy as np
import pytest

from napari_defocus_deblur.evaluation import told_fields
from napari_defocus_deblur.evaluation.told_fields import (
    FieldGain,
    summarise_gains,
    told_field_gains,
)
from napari_defocus_deblur.simulate.robustness import cells


@pytest.fixture
def told(monkeypatch):
    """``deblur`` replaced: it records what it is told and returns the input (gain 0) or,
    for the ``sharp`` model, the field's in-focus image (infinite gain)."""
    import napari_defocus_deblur.inference as inference
    from napari_defocus_deblur.simulate import robustness

    calls = []
    sharp_of = {}
    real_simulate = robustness.simulate_cell

    def simulate(cell):
        blurred, sharp = real_simulate(cell)
        sharp_of[blurred.astype(np.float32).tobytes()] = sharp.astype(np.float32)
        return blurred, sharp

    def fake_deblur(image, depth_um, model, side="below"):
        calls.append((depth_um, model) if side == "below" else (depth_um, model, side))
        return sharp_of[image.tobytes()] if model == "sharp" else image.copy()

    monkeypatch.setattr(robustness, "simulate_cell", simulate)
    monkeypatch.setattr(inference, "deblur", fake_deblur)
    return calls


def test_fields_are_the_chosen_cells_and_the_sets_own_first(told):
    gains = told_field_gains("m", fields=2, settings=("narrow", "aberrated"), factor=0.7)
    assert [g.setting for g in gains] == ["narrow", "narrow", "aberrated", "aberrated"]
    set_names = {
        c.name for c in cells(per_cell=1) if c.part == "robustness" and c.depth_um == 10.0
    }
    assert gains[0].name in set_names and gains[1].name not in set_names
    assert all("sparse-smooth_10um" in g.name for g in gains)
    assert told == [(pytest.approx(7.0), "m")] * 4
    assert all(g.told_um == pytest.approx(7.0) and g.gain_db == 0.0 for g in gains)


def test_told_the_side_only_above_focus_fields_say_above(told):
    told_field_gains("m", fields=1, settings=("nominal", "above-focus"), tell_side=True)
    assert told == [(10.0, "m"), (10.0, "m", "above")]
    told.clear()
    told_field_gains("m", fields=1, settings=("above-focus",))  # the ship rule's way
    assert told == [(10.0, "m")]


def test_a_network_that_restores_gains(told):
    gains = told_field_gains("sharp", fields=1, settings=("aberrated",))
    assert len(gains) == 1 and gains[0].gain_db > 10


def test_summary_counts_fields_below_the_input():
    gains = [FieldGain(f"f{i}", "narrow", 10.0, g) for i, g in enumerate([2.0, -1.5, 0.5, -0.25])]
    assert summarise_gains(gains) == {
        "fields": 4,
        "below_input": 2,
        "worst_db": -1.5,
        "mean_gain_db": 0.188,
    }
    assert summarise_gains([]) == {"fields": 0}


def test_defaults_are_the_hard_cells():
    from napari_defocus_deblur.simulate.robustness import OPTICS_SETTINGS

    assert set(told_fields.HARD_SETTINGS) == set(OPTICS_SETTINGS)
    assert told_fields.HARD_FIELDS >= 5
    assert told_fields.HARD_CONTENT == "sparse-smooth" and told_fields.HARD_DEPTH_UM == 10.0


def test_iter_fields_without_content_or_depth_takes_every_cell_of_the_settings():
    from napari_defocus_deblur.evaluation.told_fields import iter_fields
    from napari_defocus_deblur.simulate.robustness import CONTENT_TYPES, ROBUSTNESS_DEPTHS_UM

    at_34 = list(iter_fields(1, None, 34.0, ("nominal",)))
    assert [c.content for c, _, _ in at_34] == list(CONTENT_TYPES)
    assert all(b.dtype == np.float32 and b.shape == s.shape for _, b, s in at_34)
    every = [c for c, _, _ in iter_fields(1, "dense", None, ("narrow",))]
    assert [c.depth_um for c in every] == list(ROBUSTNESS_DEPTHS_UM)


def test_iter_fields_from_a_later_seed_index_skips_the_first_fields():
    from napari_defocus_deblur.evaluation.told_fields import iter_fields

    later = [c for c, _, _ in iter_fields(2, "dense", 34.0, ("narrow",), first=3)]
    assert [c.seed % 100 for c in later] == [3, 4]


def test_a_summary_reads_as_one_line():
    from napari_defocus_deblur.evaluation.told_fields import summary_line

    gains = [FieldGain("a", "narrow", 10.0, 2.0), FieldGain("b", "narrow", 10.0, -2.454)]
    assert summary_line(summarise_gains(gains)) == (
        "1 of 2 below the input (worst -2.45 dB, mean -0.227 dB)"
    )
    assert summary_line(summarise_gains([])) == "no fields"
