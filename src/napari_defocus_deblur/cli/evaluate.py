"""``defocus-deblur evaluate`` (under construction)."""

from __future__ import annotations

import argparse

from napari_defocus_deblur.errors import UserInputError

NAME = "evaluate"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the sub-command."""
    return subparsers.add_parser(NAME, help="(not available yet)")


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    raise UserInputError(f"'{NAME}' is not available in this version yet")
