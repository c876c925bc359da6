"""The zoo v3 ship rule (scripts/evaluate_zoo_v3.py) judges every network told the distance."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def rule(load_script):
    return load_script("evaluate_zoo_v3")


def cells(gains: dict[str, float]) -> list[dict]:
    """Two robustness cells per method label, both at the given gain."""
    return [{"method": m, "gain_db": g} for m, g in gains.items() for _ in range(2)]


def base(sum_v3: float) -> dict[str, float]:
    return {
        "default": 6.0,
        "auto:v3": 6.2,
        "unet": 6.1,
        "unet v3": 6.3,
        "sum": 5.4,
        "sum v3": sum_v3,
    }


def test_candidate_that_gains_everywhere_ships(rule):
    out = rule.ship_rule(cells(base(5.5)))
    assert out["ship_v3"] is True
    assert out["told_networks"]["sum"]["mean_gain_db"] == {"shipped": 5.4, "v3": 5.5}


def test_a_network_that_loses_beyond_the_margin_refuses_the_zoo(rule):
    out = rule.ship_rule(cells(base(5.4 - 0.1)))
    assert out["ship_v3"] is False
    assert out["told_networks"]["sum"]["ship"] is False
    assert out["told_networks"]["unet"]["ship"] is True


def test_a_loss_within_the_margin_ships(rule):
    assert rule.ship_rule(cells(base(5.4 - 0.03)))["ship_v3"] is True


def test_a_lattice_on_the_real_set_refuses_the_zoo(rule):
    real = {"sum v3": {"set": 12.0}, "unet v3": {"set": 1.5, "ringing_median_pct": 0.0}}
    out = rule.ship_rule(cells(base(5.5)), real)
    assert out["told_networks"]["sum"]["real_z00_set_lattice"]["v3"] == 12.0
    assert out["ship_v3"] is False
