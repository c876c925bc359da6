"""scripts/uncertain_estimates.py: the ramp rule's percentile."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("confidence", "expected"),
    [(0.0, 10.0), (0.3, 10.0), (0.6, 30.0), (0.9, 50.0), (1.0, 50.0)],
)
def test_the_ramp_tells_the_10th_percentile_when_unsure_and_the_median_when_sure(
    load_script, confidence, expected
):
    ramp = load_script("uncertain_estimates").ramp_percentile
    assert ramp(confidence, 0.3, 0.9) == pytest.approx(expected)
