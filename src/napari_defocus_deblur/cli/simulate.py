"""``defocus-deblur simulate``: write a simulated data set in the BBBC006 layout."""

from __future__ import annotations

import argparse
import sys

from napari_defocus_deblur.cli._types import seed
from napari_defocus_deblur.constants import FIELD_SHAPE

NAME = "simulate"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the sub-command."""
    from napari_defocus_deblur.constants import SIMULATOR_PLANES

    parser = subparsers.add_parser(
        NAME,
        help="write a simulated BBBC006-like data set (plane 16 = in focus)",
        description="Simulate fields (procedural nuclei/actin or real in-focus content, "
        "widefield defocus PSF, camera noise) and write them in the exact BBBC006 layout.",
    )
    parser.add_argument("out", help="output folder (its plane folders must be empty)")
    parser.add_argument("--fields", type=int, default=8, help="number of fields (1..768)")
    parser.add_argument(
        "--planes",
        type=int,
        nargs="+",
        default=list(SIMULATOR_PLANES),
        help="BBBC006 plane indices (0..33); 16 (in focus) is always written. Default "
        "0 3 6 9 12: 32/26/20/14/8 um below focus, the paper's side (train/evaluate pair "
        "them with z_16, which the set records as its focus)",
    )
    parser.add_argument("--seed", type=seed, default=0, help="random seed (deterministic)")
    parser.add_argument("--channels", type=int, nargs="+", default=[1, 2], choices=[1, 2])
    parser.add_argument(
        "--content-dir", default=None, help="folder of real in-focus images used as content"
    )
    parser.add_argument(
        "--content-fraction",
        type=float,
        default=1.0,
        help="share of fields given real content with --content-dir (default 1; "
        "the rest are procedural)",
    )
    parser.add_argument(
        "--shape",
        type=int,
        nargs=2,
        default=list(FIELD_SHAPE),
        metavar=("ROWS", "COLS"),
        help="image shape (default 520 696)",
    )
    parser.add_argument(
        "--preset",
        choices=("nominal", "wide", "nominal-v2", "wide-v2", "v1"),
        default="nominal",
        help="simulator preset: 'nominal' (default) is BBBC006 as calibrated on real images "
        "(calibration v3), 'wide' randomises optics, camera and content around it; "
        "'nominal-v2'/'wide-v2' reproduce the v2 calibration; 'v1' is the first-round "
        "simulator (no index mismatch)",
    )
    parser.add_argument(
        "--robustness-set",
        action="store_true",
        help="write the fixed robustness test set (paper distances at nominal optics, and "
        "10/22/34 um x 6 optics settings x 3 content types) instead of a BBBC006 layout",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    import tqdm

    from napari_defocus_deblur.progress import drive
    from napari_defocus_deblur.simulate.dataset import check_budget, iter_write_dataset

    if args.robustness_set:
        return _robustness(args)
    check_budget(tuple(args.shape), args.seed)  # before the progress bar is drawn
    gen = iter_write_dataset(
        args.out,
        args.fields,
        args.planes,
        seed=args.seed,
        channels=args.channels,
        shape=tuple(args.shape),
        content_dir=args.content_dir,
        content_fraction=args.content_fraction,
        preset=None if args.preset == "v1" else args.preset,
    )
    with tqdm.tqdm(total=args.fields, unit="field", disable=args.quiet, file=sys.stderr) as bar:
        out = drive(gen, lambda _event: bar.update(1))
    planes = sorted({16, *args.planes})
    print(
        f"wrote {args.fields} field(s) x {len(planes)} plane(s) x {len(args.channels)} "
        f"channel(s) to {out}"
    )
    return 0


def _robustness(args: argparse.Namespace) -> int:
    import tqdm

    from napari_defocus_deblur.progress import drive
    from napari_defocus_deblur.simulate.robustness import PairWritten, iter_write_robustness_set

    with tqdm.tqdm(unit="pair", disable=args.quiet, file=sys.stderr) as bar:

        def show(event: PairWritten) -> None:
            bar.total = event.total
            bar.update(1)

        out = drive(iter_write_robustness_set(args.out), show)
    print(f"wrote the robustness set ({bar.n} pairs) to {out}")
    return 0
