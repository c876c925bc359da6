"""The ``defocus-deblur`` command line: a thin front over the same core as the widgets.

Every sub-command lives in its own module exposing ``add_parser(subparsers)`` and
``run(args) -> int``. User errors end the program with one readable line and a
non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from importlib import import_module

from napari_defocus_deblur import __version__

#: sub-command name -> module under ``napari_defocus_deblur.cli``
SUBCOMMANDS = {
    "simulate": "simulate",
    "fetch-bbbc006": "fetch",
    "predict": "predict",
    "train": "train",
    "evaluate": "evaluate",
    "models": "models",
    "export": "export",
    "demo": "demo",
    "focus-map": "focus_map",
}

#: exit status for bad arguments, missing inputs and other user errors
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = _Parser(
        prog="defocus-deblur",
        description="Deblur out-of-focus fluorescence microscopy images (head-to-tail U-Net).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in SUBCOMMANDS.values():
        mod = import_module(f"napari_defocus_deblur.cli.{module}")
        sub = mod.add_parser(subparsers)
        sub.set_defaults(_run=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``defocus-deblur``; returns the exit status."""
    from napari_defocus_deblur.errors import UserInputError

    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        with warnings.catch_warnings():
            _one_line_warnings()
            return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("defocus-deblur: interrupted", file=sys.stderr)
        return 130
    except (UserInputError, FileNotFoundError, PermissionError, NotADirectoryError) as exc:
        print(f"defocus-deblur {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # disk full, I/O errors...: one line, not a traceback
        print(f"defocus-deblur {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line_warnings() -> None:
    """Warnings as ``warning: MESSAGE`` lines (no source lines); NumPy's arithmetic
    warnings are dropped, since every result is checked for NaN and infinity anyway."""

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        print(f"warning: {' '.join(str(message).split())}", file=file or sys.stderr)

    warnings.showwarning = show
    warnings.filterwarnings(
        "ignore",
        message=r"(overflow|invalid value|divide by zero|underflow) encountered",
        category=RuntimeWarning,
    )


def _one_line(exc: BaseException) -> str:
    from napari_defocus_deblur.errors import os_error_reason

    if isinstance(exc, OSError) and exc.filename and (exc.strerror or exc.errno):
        return f"{os_error_reason(exc)}: {exc.filename}"
    if isinstance(exc, OSError):
        return os_error_reason(exc)
    return " ".join(str(exc).split()) or type(exc).__name__
