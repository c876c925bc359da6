"""``defocus-deblur evaluate``: PSNR/SSIM of every method per distance, like the paper."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

NAME = "evaluate"
DEFAULT_METHODS = "input,richardson-lucy,nah,unet,sum,concat"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the sub-command."""
    from napari_defocus_deblur.constants import PAPER_DEPTHS_UM

    p = subparsers.add_parser(
        NAME,
        help="score methods per defocus distance on the test split (PSNR/SSIM table)",
        description=(
            "Score deblurring methods on the test fields of DATA (a BBBC006 layout, real or "
            "simulated, or a folder of z-stack TIFFs) at each distance, and print a table "
            "in the layout of Table 2 of arXiv:2201.02876. Methods: input (the out-of-focus "
            "image itself), richardson-lucy (deconvolution with the simulator's PSF, "
            "iterations chosen on validation fields), nah, unet, sum, concat (learned "
            "models from --models or the bundled ones)."
        ),
    )
    p.add_argument("data", metavar="DATA", help="BBBC006 root or folder of z-stack TIFFs")
    p.add_argument(
        "--depths",
        type=float,
        nargs="+",
        default=list(PAPER_DEPTHS_UM),
        metavar="UM",
        help="defocus distances (default: 10 16 22 28 34)",
    )
    p.add_argument(
        "--methods",
        default=DEFAULT_METHODS,
        help=f"comma-separated methods (default: {DEFAULT_METHODS})",
    )
    p.add_argument(
        "--models",
        default=None,
        metavar="DIR",
        help="folder of checkpoint directories (default: bundled models)",
    )
    _add_outputs(p)
    _add_pairing(p)
    p.add_argument(
        "--max-images",
        type=int,
        default=None,
        metavar="N",
        help="at most N test images per distance",
    )
    p.add_argument("--device", default="auto", help="device for learned models (auto)")
    p.add_argument("--split-seed", type=int, default=0, help="seed of the field split (0)")
    p.add_argument("--val-fraction", type=float, default=0.1, help="validation share (0.1)")
    p.add_argument("--test-fraction", type=float, default=0.1, help="test share (0.1)")
    p.add_argument(
        "--rl-iterations",
        type=int,
        default=None,
        metavar="N",
        help="fixed Richardson-Lucy iterations (default: chosen on validation)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="do not read or write the cached Richardson-Lucy choice",
    )
    return p


def _add_pairing(p: argparse.ArgumentParser) -> None:
    """Which images are paired: the channel, the reference plane and the side."""
    from napari_defocus_deblur.cli._planes import add_plane_arguments

    p.add_argument("--channel", type=int, default=1, help="BBBC006 channel (default 1)")
    add_plane_arguments(p)


def _check_outputs(args: argparse.Namespace) -> dict[str, Path]:
    """Every output path checked before the evaluation starts (exit status 2)."""
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.io.atomic import check_output_file

    outputs = {}
    for option in ("json", "markdown"):
        value = getattr(args, option)
        if value is not None:  # "" is refused by check_output_file, not ignored
            outputs[option] = check_output_file(
                value, overwrite=args.overwrite, option=f"--{option}"
            )
    if len(outputs) == 2 and outputs["json"].resolve() == outputs["markdown"].resolve():
        raise UserInputError("--json and --markdown name the same file")
    return outputs


def _write(outputs: dict[str, Path], report: Any, overwrite: bool) -> None:
    import json

    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.io.atomic import atomic_write_text

    texts = {
        "json": json.dumps(report.to_dict(), indent=2) + "\n",
        "markdown": report.markdown(),
    }
    for option, path in outputs.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, texts[option], overwrite=overwrite)
        except OSError as exc:
            raise UserInputError(
                f"cannot write {path}: {exc.strerror or exc} (the table is printed above)"
            ) from exc
        print(f"{'JSON' if option == 'json' else option} written to {path}")


def _add_outputs(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", default=None, metavar="OUT", help="write the results as JSON")
    p.add_argument("--markdown", default=None, metavar="OUT", help="write the table as markdown")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace existing --json/--markdown files (default: refuse before any work)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    from tqdm import tqdm

    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.evaluation.rl_tuning import default_cache_dir
    from napari_defocus_deblur.evaluation.runner import EvalOptions, PairsFound, iter_evaluate
    from napari_defocus_deblur.metrics import NORMALIZATION
    from napari_defocus_deblur.progress import drive

    if args.max_images is not None and args.max_images < 1:
        raise UserInputError(f"--max-images must be at least 1, got {args.max_images}")
    if args.rl_iterations is not None and args.rl_iterations < 0:
        raise UserInputError(f"--rl-iterations must be >= 0, got {args.rl_iterations}")
    outputs = _check_outputs(args)
    options = EvalOptions(
        channel=args.channel,
        max_images=args.max_images,
        device=args.device,
        split_seed=args.split_seed,
        val_fraction=args.val_fraction,
        test_fraction=args.test_fraction,
        rl_iterations=args.rl_iterations,
        cache_dir=None if args.no_cache else default_cache_dir(),
        reference_plane=args.reference_plane,
        side=args.side,
    )
    gen = iter_evaluate(
        args.data, args.depths, args.methods, models_dir=args.models, options=options
    )
    with tqdm(total=None, unit="cell", disable=None, dynamic_ncols=True) as bar:

        def show(ev: Any) -> None:
            if isinstance(ev, PairsFound):
                bar.write(ev.text)
                return
            bar.total = ev.total
            bar.set_description(f"{ev.method} {ev.depth_um:g} um")
            bar.update(ev.done - bar.n)

        report = drive(gen, show)
    print(report.markdown(), end="")
    _write(outputs, report, args.overwrite)
    if not any(r.missing is None for r in report.rows):
        print(f"no method could be evaluated ({NORMALIZATION})", file=sys.stderr)
        return 1
    return 0
