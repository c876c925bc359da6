"""``defocus-deblur models``: list the bundled models and checkpoints in extra folders."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "models"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the sub-command."""
    parser = subparsers.add_parser(
        NAME,
        help="list available models (bundled and in --dir folders)",
        description="List the bundled models and the checkpoint folders found in --dir "
        "folders, with the distance from focus and fusion they were trained for.",
    )
    parser.add_argument(
        "--dir",
        action="append",
        default=[],
        metavar="DIR",
        help="checkpoint folder, or folder of checkpoint folders (repeatable)",
    )
    return parser


def _row(entry) -> list[str]:
    from napari_defocus_deblur.zoo.names import depths_text

    params = "?" if entry.parameters is None else f"{entry.parameters:,}"
    return [
        entry.name,
        depths_text(entry.served_depths),
        entry.method or entry.fusion or "-",
        params,
        "bundled" if entry.bundled else "user",
        entry.label,
        str(entry.path),
    ]


def _scan_dir(root: Path, seen: set[Path]) -> tuple[list, list[str]]:
    """User checkpoints in ``root`` (a checkpoint or a folder of them), one at a time, so
    a bad folder is reported without hiding the others."""
    from napari_defocus_deblur.inference.models import scan_models
    from napari_defocus_deblur.model.checkpoint import CONFIG_FILE

    if not root.is_dir():
        return [], [f"{root}: no such folder"]
    try:
        if (root / CONFIG_FILE).is_file():
            candidates = [root]
        else:
            candidates = sorted(p for p in root.iterdir() if (p / CONFIG_FILE).is_file())
    except OSError as exc:
        return [], [f"{root}: cannot be listed ({exc.strerror or exc})"]
    entries, problems = [], []
    for folder in candidates:
        key = folder.resolve()
        if key in seen:
            continue
        seen.add(key)
        try:
            found, bad = scan_models([folder])
        except Exception as exc:  # any damage: report this folder, list the others
            found, bad = [], [f"{folder}: {' '.join(str(exc).split()) or type(exc).__name__}"]
        entries += [e for e in found if not e.bundled]
        problems += bad
    return entries, problems


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    from napari_defocus_deblur.inference.models import scan_models

    entries, problems = scan_models([])
    seen = {e.path.resolve() for e in entries}
    for root in args.dir:
        found, bad = _scan_dir(Path(root).expanduser(), seen)
        entries += found
        problems += bad
    if not any(e.bundled for e in entries):
        print("no bundled models are installed (the model zoo is empty in this version)")
    if entries:
        header = ["name", "depth_um", "method", "params", "kind", "architecture", "path"]
        rows = [header, *(_row(e) for e in entries)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
        for r in rows:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    elif not args.dir:
        print("pass --dir FOLDER to list your own checkpoints")
    aliases = [a for e in entries for a in e.aliases]
    if aliases:
        print(f"per-distance names of bundled models: {', '.join(aliases)}")
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return 0
