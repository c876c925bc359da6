"""The ``--network`` option of ``predict`` and ``focus-map``: which bundled family."""

from __future__ import annotations

import argparse

from napari_defocus_deblur.zoo.names import DEFAULT_METHOD, METHODS


def add_network_argument(parser: argparse.ArgumentParser, what: str = "bundled") -> None:
    """``--network`` (old spelling ``--fusion``; ``args.fusion``): None unless given, so
    that the catalogue's default family (``zoo.names.DEFAULT_METHOD``) is read when the
    model is chosen."""
    parser.add_argument(
        "--network",
        "--fusion",
        dest="fusion",
        choices=METHODS,
        default=None,
        help=f"{what} network family: unet (one scale), sum or concat (the paper's "
        f"head-to-tail fusion) or nah (default: {DEFAULT_METHOD})",
    )
