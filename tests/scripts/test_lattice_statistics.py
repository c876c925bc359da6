"""The per-image alternation amplitudes of scripts/lattice_statistics.py."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="module")
def stats(load_script):
    return load_script("lattice_statistics")


def test_a_planted_row_alternation_reads_its_amplitude(stats):
    rng = np.random.default_rng(0)
    field = 200 + rng.normal(scale=2.0, size=(260, 348))  # noise of the mean ~0.01
    rows = np.where(np.arange(260) % 2 == 0, 0.5, -0.5)[:, None]
    amplitudes = stats.alternation_counts(field + rows)
    assert amplitudes["NV"] == pytest.approx(0.5, abs=0.05)
    assert abs(amplitudes["NH"]) < 0.05
    assert abs(amplitudes["ND"]) < 0.05


def test_a_checkerboard_reads_on_the_diagonal_only(stats):
    y, x = np.indices((128, 128))
    board = 100 + 2.0 * (-1.0) ** (x + y)
    amplitudes = stats.alternation_counts(board)
    assert amplitudes["ND"] == pytest.approx(2.0, rel=1e-6)
    assert abs(amplitudes["NV"]) < 1e-9 and abs(amplitudes["NH"]) < 1e-9


def test_noise_alone_reads_near_zero_and_shrinks_with_the_field(stats):
    rng = np.random.default_rng(1)
    small = [abs(stats.alternation_counts(rng.normal(size=(64, 64)))["NV"]) for _ in range(20)]
    large = [abs(stats.alternation_counts(rng.normal(size=(512, 512)))["NV"]) for _ in range(20)]
    assert np.median(large) < np.median(small) / 4
