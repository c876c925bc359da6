"""Print the parameter-count table of docs/architecture.md (ours next to the paper's).

Run: python benchmarks/parameter_table.py
"""

from __future__ import annotations

from napari_defocus_deblur.model import build_model, count_parameters

#: (label, build_model kwargs, paper's count from Tables 1-2 of arXiv:2201.02876)
ROWS = [
    ("U-Net (K = 1)", {"scales": 1}, 1_942_962),
    ("summation, K = 2", {"scales": 2, "fusion": "sum"}, 1_986_116),
    ("summation, K = 3", {"scales": 3, "fusion": "sum"}, 2_543_478),
    ("summation, K = 4", {"scales": 4, "fusion": "sum"}, 2_569_512),
    ("concatenation, K = 2", {"scales": 2, "fusion": "concat"}, 1_986_116),
    ("concatenation, K = 3", {"scales": 3, "fusion": "concat"}, 2_543_478),
    ("concatenation, K = 4", {"scales": 4, "fusion": "concat"}, 2_942_760),
    ("Nah et al. 2017, K = 3", {"scales": 3, "architecture": "nah"}, 1_772_740),
]


def table() -> str:
    """The markdown table."""
    lines = [
        "| model | ours | paper | difference |",
        "|---|---:|---:|---:|",
    ]
    for label, kwargs, paper in ROWS:
        ours = count_parameters(build_model(**kwargs))
        lines.append(f"| {label} | {ours:,} | {paper:,} | {100 * (ours - paper) / paper:+.1f}% |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
