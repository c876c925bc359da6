"""Argument types shared by the sub-commands: refused by argparse in one line."""

from __future__ import annotations

import argparse


def seed(text: str) -> int:
    """A random seed: an integer 0 .. 2**32 - 1 (what NumPy's generators accept)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be within 0 .. 4294967295, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number above 0 (durations, sizes)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number above 0, got {text}")
    return value


def count_or_auto(text: str) -> int | str:
    """``"auto"`` or a whole number (argparse's ``choices`` then names the allowed ones)."""
    return text if text == "auto" else int(text) if text.isdigit() else text
