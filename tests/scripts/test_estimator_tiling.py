"""scripts/estimator_tiling.py: the comparison it prints from per-field rows."""

from __future__ import annotations

from types import SimpleNamespace


def _row(depth: float, seed: int, side: tuple, overlap: tuple, equivalent: float) -> dict:
    cell = SimpleNamespace(depth_um=depth, seed=9_200_000 + seed)
    return {
        "cell": cell,
        "equivalent": equivalent,
        "side by side": side,
        "half-overlapping": overlap,
    }


def test_the_report_gives_errors_gains_and_the_paired_difference(load_script, capsys):
    report = load_script("estimator_tiling").report
    rows = [
        _row(10.0, 1, (14.0, -1.0), (11.0, 2.0), 10.0),  # side by side reads deep: harm
        _row(34.0, 1, (34.0, 6.0), (30.0, 5.0), 30.0),
        _row(34.0, 2, (36.0, 7.0), (36.0, 7.0), 36.0),
    ]
    report(rows)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("side by side: median |error| 2.00 um vs the stage offset")
    assert "one click +4.000 dB, 1 of 3 below the input (worst -1.00)" in out[0]
    assert "10 um -1.000 34 um +6.500" in out[0]
    assert out[1].startswith("half-overlapping: median |error| 2.00 um vs the stage offset, 0.00")
    assert "0 of 3 below the input (worst +2.00)" in out[1]
    assert out[2].startswith("overlapping - side by side: +0.667 dB")
    assert "per seed index 1: +1.000 2: +0.000" in out[2]
