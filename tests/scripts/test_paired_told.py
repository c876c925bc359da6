"""scripts/paired_told.py: the paired difference it prints per draw and overall."""

from __future__ import annotations


def test_the_report_pairs_the_two_models_field_by_field(load_script, capsys):
    from types import SimpleNamespace

    report = load_script("paired_told").report
    dense, bright = SimpleNamespace(content="dense"), SimpleNamespace(content="bright-compact")
    rows = [
        (1, dense, 5.0, 5.5),
        (1, bright, 3.0, 3.1),
        (2, dense, 4.0, 3.8),
        (2, bright, 6.0, 6.0),
    ]
    report(rows)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "seed index 1: 2 fields, A +4.000 dB, B +4.300 dB, B - A +0.300 (standard error 0.200)"
    )
    assert out[1].startswith("seed index 2: 2 fields, A +5.000 dB, B +4.900 dB, B - A -0.100")
    assert out[2].startswith("all: 4 fields, A +4.500 dB, B +4.600 dB, B - A +0.100")
    report(rows, by=("content",))
    out = capsys.readouterr().out.splitlines()
    assert out[2].startswith("content bright-compact: 2 fields, A +4.500 dB, B +4.550 dB")
    assert out[3].startswith("content dense: 2 fields, A +4.500 dB, B +4.650 dB, B - A +0.150")
    assert out[4].startswith("all: 4 fields")


def test_each_model_runs_with_its_own_phases(load_script, monkeypatch):
    import numpy as np

    script = load_script("paired_told")

    class Cell:
        depth_um, seed = 22.0, 107

    sharp = np.arange(16.0).reshape(4, 4)
    blurred = sharp + 1.0
    monkeypatch.setattr(script, "iter_fields", lambda *a, **k: iter([(Cell, blurred, sharp)]))
    calls = []

    def fake_deblur(image, depth_um, model, phases):
        calls.append((model, phases, depth_um))
        return sharp + (0.5 if phases == 1 else 0.25)

    monkeypatch.setattr(script, "deblur", fake_deblur)
    [(index, cell, gain_a, gain_b)] = script.paired_gains("m", "m", 1, 0, phases=(4, 1))
    assert calls == [("m", 4, 22.0), ("m", 1, 22.0)] and index == 7 and cell is Cell
    assert gain_b < gain_a  # the one-phase stand-in is further from the truth
