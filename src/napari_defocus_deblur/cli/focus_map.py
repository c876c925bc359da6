"""``defocus-deblur focus-map``: map the focus of a plate, then deblur the worst fields.

Writes ``focus.csv`` (one row per field), ``focus.json`` and ``focus.png`` (the plate
heat map) into OUT. A run into an OUT that holds an earlier map resumes it (finished
fields are not read again; ``--overwrite`` starts afresh); an interrupted run saves
what it has. ``--fix DIR`` then deblurs the fields deeper than ``--above`` µm, each at
its own estimated depth, with ``predict``'s machinery and no-overwrite rules. The
microscope options (``--na``, ``--pixel-size``, ...) give every field's stage offset on
that microscope, and the map, ``--above`` and ``--fix`` then use those.
Exit status: 0, 1 when some files were unreadable or skipped, 2 for user errors.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from napari_defocus_deblur.cli._microscope import add_microscope_arguments, microscope_from
from napari_defocus_deblur.cli._network import add_network_argument

NAME = "focus-map"
EXIT_SKIPPED = 1
#: An interrupted run loses at most this many fields (the map is saved this often).
SAVE_EVERY = 256


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the sub-command."""
    parser = subparsers.add_parser(
        NAME,
        help="map the focus of every field of a plate; optionally deblur the worst",
        description="Estimate the defocus of every field of a plate folder, zip archive or "
        "list of files (well/site/channel from the names) and write focus.csv, focus.json "
        "and focus.png (plate heat map) into OUT.",
    )
    parser.add_argument("plate", nargs="+", metavar="PLATE", help="folder, .zip or files")
    parser.add_argument("-o", "--out", required=True, metavar="OUT", help="output folder")
    parser.add_argument(
        "--pattern",
        metavar="REGEX",
        help="regular expression with named groups well (and site, channel) for names "
        "other than BBBC006's, e.g. '_(?P<well>[A-P]\\d\\d)_s(?P<site>\\d)_w(?P<channel>\\d)'",
    )
    parser.add_argument("--channel", type=int, metavar="N", help="map only channel N")
    parser.add_argument("--workers", type=int, default=2, metavar="N", help="threads (2)")
    parser.add_argument("--fix", metavar="DIR", help="deblur the fields above --above into DIR")
    parser.add_argument(
        "--above", type=float, default=8.0, metavar="UM", help="--fix threshold in µm (8)"
    )
    parser.add_argument("--model", metavar="DIR", help="--fix model (default: bundled)")
    add_network_argument(parser, "--fix")
    parser.add_argument("--device", default="auto", help="--fix device: auto, cpu, cuda, ...")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="start the map afresh, and let --fix replace existing outputs",
    )
    add_microscope_arguments(
        parser,
        "every field's reading is then also its stage offset on them (stage_um), the map, "
        "--above and --fix use those, and other pixel sizes are read and deblurred on "
        "BBBC006's grid",
    )
    return parser


def _source(args: argparse.Namespace) -> Any:
    return args.plate[0] if len(args.plate) == 1 else list(args.plate)


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    stated = args.microscope
    return {
        "pattern": args.pattern,
        "channel": args.channel,
        "microscope": stated and stated.describe(),
    }


def _map(args: argparse.Namespace, resume: Any) -> Any:
    """Run the map with a progress bar; save every :data:`SAVE_EVERY` fields and when
    interrupted, so a rerun resumes."""
    from tqdm import tqdm

    from napari_defocus_deblur.focusmap import FieldMapped, FocusMap, iter_focus_map
    from napari_defocus_deblur.focusmap.outputs import write_map
    from napari_defocus_deblur.progress import drive

    job = iter_focus_map(
        _source(args),
        pattern=args.pattern,
        channel=args.channel,
        workers=args.workers,
        resume_from=resume,
        microscope=args.microscope,
    )
    rows: list = []
    layout: list = []
    bar = tqdm(unit="field", desc="focus map", disable=None)

    def save() -> None:
        write_map(args.out, FocusMap(tuple(rows), layout[0]), _settings(args), png=False)

    def on_event(event: Any) -> None:
        if not isinstance(event, FieldMapped):
            bar.reset(total=event.total)
            layout.append(event.layout)
            return
        rows.append(event.row)
        bar.update(1)
        if len(rows) % SAVE_EVERY == 0:
            save()

    try:
        return drive(job, on_event)
    except KeyboardInterrupt:
        job.close()
        if rows:
            save()
            print(f"saved {len(rows)} mapped field(s); run again to resume", file=sys.stderr)
        raise
    finally:
        bar.close()


def _fix(args: argparse.Namespace, fmap: Any) -> int:
    """Deblur the fields above the threshold; returns how many were skipped."""
    from tqdm import tqdm

    from napari_defocus_deblur.focusmap import iter_fix
    from napari_defocus_deblur.progress import drive

    job = iter_fix(
        fmap,
        args.fix,
        args.above,
        model=args.model,
        fusion=args.fusion,
        device=args.device,
        overwrite=args.overwrite,
        microscope=args.microscope,
    )
    with tqdm(total=len(fmap.above(args.above)), unit="file", desc="deblur", disable=None) as bar:

        def on_event(event: Any) -> None:
            if event.error:
                tqdm.write(f"skipped {event.error}", file=sys.stderr)
            bar.update(1)

        result = drive(job, on_event)
    print(
        f"deblurred {len(result.written)} of {result.selected} field(s) above "
        f"{args.above:g} µm into {args.fix}"
        + (f" with model {result.model_name}" if result.model_name else "")
    )
    return len(result.skipped)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.focusmap.outputs import previous_map, write_map
    from napari_defocus_deblur.io.atomic import make_dirs

    args.microscope = microscope_from(args)  # checked once, before any work
    if not 1 <= args.workers <= 64:
        raise UserInputError(f"--workers must be within 1..64, got {args.workers}")
    if not args.above >= 0:
        raise UserInputError(f"--above must be a depth of at least 0 µm, got {args.above}")
    try:
        make_dirs(args.out)
    except OSError as exc:
        raise UserInputError(f"cannot create output folder {args.out}: {exc}") from exc
    resume = None if args.overwrite else previous_map(args.out)
    if resume is not None:
        print(f"resuming from {resume} (--overwrite starts afresh)", file=sys.stderr)
    fmap = _map(args, resume)
    write_map(args.out, fmap, _settings(args))
    wells = fmap.wells(args.channel)
    print(
        f"mapped {len(fmap.rows)} field(s) in {len(wells)} well(s) into {args.out}: "
        f"{len(fmap.above(args.above))} above {args.above:g} µm, {len(fmap.errors)} unreadable"
    )
    for row in fmap.errors[:5]:
        print(f"unreadable: {row.error}", file=sys.stderr)
    skipped = _fix(args, fmap) if args.fix else 0
    return EXIT_SKIPPED if fmap.errors or skipped else 0
