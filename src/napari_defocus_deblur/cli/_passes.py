"""``--views`` and ``--phases``: the network passes a sub-command averages.

``predict`` and ``export`` take the same two options, resolved by the plugin's one rule
(:func:`napari_defocus_deblur.inference.phases.choose_passes`).
"""

from __future__ import annotations

import argparse

from napari_defocus_deblur.cli._types import count_or_auto


def add_pass_arguments(parser: argparse.ArgumentParser, auto_limit: str = "") -> None:
    """Add ``--views`` and ``--phases`` (both ``"auto"`` by default) to ``parser``;
    ``auto_limit`` says where "auto" stops averaging (e.g. " up to 16 Mpx per plane")."""
    parser.add_argument(
        "--views",
        default="auto",
        type=count_or_auto,
        choices=("auto", 1, 4),
        help="mirror views averaged (the image as it is and flipped three ways, each result "
        "flipped back): 4 removes the faint period-2 lattice and restores better, 4x the "
        f"time of one pass; auto (default): 4{auto_limit} unless --phases is given, else 1",
    )
    parser.add_argument(
        "--phases",
        default="auto",
        type=count_or_auto,
        choices=("auto", 1, 2, 4),
        help="pixel phases averaged per view (passes on 1-pixel shifts); given without "
        "--views, the one view of earlier releases; auto (default): 1 when the views "
        "average; --views 1 --phases 1: one pass",
    )
