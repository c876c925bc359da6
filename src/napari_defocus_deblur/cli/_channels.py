"""Files of another channel than the model's in a ``predict`` run: warned or left out."""

from __future__ import annotations

import argparse
import sys
from typing import Any

#: Channel warnings printed one by one before the rest are counted.
SHOWN_WARNINGS = 5


def check_channels(
    args: argparse.Namespace, jobs: list, options: Any, channel: int | None
) -> tuple[list, int]:
    """The jobs to run and how many files are of another channel than the model's.

    Each such file gets a warning on stderr (the first :data:`SHOWN_WARNINGS`, then a
    count); with ``--skip-other-channels`` they are left out instead of deblurred.
    """
    from pathlib import Path

    from napari_defocus_deblur.channels import channel_of, check_channel

    trained = {"channel": channel}
    keep, other = [], 0
    for job in jobs:
        name = Path(job.source).name
        message = check_channel(
            trained, channel_of(name), image=name, model_name=options.model_name
        )
        if message is not None:
            other += 1
            if other <= SHOWN_WARNINGS:
                verb = "skipped" if args.skip_other_channels else "warning"
                print(f"{verb}: {message}", file=sys.stderr)
        if message is None or not args.skip_other_channels:
            keep.append(job)
    if other > SHOWN_WARNINGS:
        print(f"... and {other - SHOWN_WARNINGS} more file(s) like these", file=sys.stderr)
    return keep, other


def channel_summary(args: argparse.Namespace, other: int, model_name: str) -> None:
    if args.skip_other_channels:
        print(f"{other} file(s) of another channel than {model_name}'s left out", file=sys.stderr)
    else:
        print(
            f"{other} file(s) are of another channel than {model_name}'s: deblurred anyway, "
            "results unreliable (--skip-other-channels leaves them out)",
            file=sys.stderr,
        )
