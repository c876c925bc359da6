"""scripts/paired_told.py: the paired difference it prints per draw and overall."""

from __future__ import annotations


def test_the_report_pairs_the_two_models_field_by_field(load_script, capsys):
    report = load_script("paired_told").report
    rows = [(1, 5.0, 5.5), (1, 3.0, 3.1), (2, 4.0, 3.8), (2, 6.0, 6.0)]
    report(rows)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "seed index 1: 2 fields, A +4.000 dB, B +4.300 dB, B - A +0.300 (standard error 0.200)"
    )
    assert out[1].startswith("seed index 2: 2 fields, A +5.000 dB, B +4.900 dB, B - A -0.100")
    assert out[2].startswith("seed index all: 4 fields, A +4.500 dB, B +4.600 dB, B - A +0.100")
