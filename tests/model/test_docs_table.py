"""The parameter table in docs/architecture.md matches the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from napari_defocus_deblur.model import build_model, count_parameters

DOC = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"


def _rows() -> dict[str, int]:
    rows = {}
    for line in DOC.read_text().splitlines():
        m = re.match(r"\| ([^|]+) \| ([\d,]+) \| ([\d,]+) \|", line)
        if m:
            rows[m.group(1).strip()] = int(m.group(2).replace(",", ""))
    return rows


@pytest.mark.parametrize(
    ("label", "kwargs"),
    [
        ("U-Net (K = 1)", {"scales": 1}),
        ("summation, K = 4", {"scales": 4, "fusion": "sum"}),
        ("concatenation, K = 4", {"scales": 4, "fusion": "concat"}),
        ("concatenation, K = 2", {"scales": 2, "fusion": "concat"}),
        ("Nah et al. 2017, K = 3", {"scales": 3, "architecture": "nah"}),
    ],
)
def test_documented_counts_match_code(label, kwargs):
    rows = _rows()
    assert label in rows, f"{label} missing from {DOC}"
    assert rows[label] == count_parameters(build_model(**kwargs))
