"""``defocus-deblur predict``: deblur TIFF files, folders and BBBC006 roots.

Exit status: 0 when every file was written, 1 when some files were skipped (each is
reported on stderr with the reason), 2 for bad arguments, missing inputs or no model.
"""

from __future__ import annotations

import argparse
import sys

NAME = "predict"
EXIT_SKIPPED = 1


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the sub-command."""
    parser = subparsers.add_parser(
        NAME,
        help="deblur TIFF files, folders or BBBC006 roots into OUTDIR",
        description="Deblur TIFF images with a trained model. Folders are searched "
        "recursively for .tif/.tiff files; for a BBBC006 root only the planes at --depth "
        "from focus are taken. Outputs keep their relative paths under OUTDIR (float32 "
        "TIFFs by default, with source, model, depth and fusion in the ImageDescription). "
        "Exit status 1 when some files were skipped, 2 for bad arguments.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="TIFF file, folder or root")
    parser.add_argument("-o", "--out", required=True, metavar="OUTDIR", help="output folder")
    parser.add_argument(
        "--depth", type=float, default=34.0, help="distance from focus in µm (default 34)"
    )
    parser.add_argument("--fusion", choices=("sum", "concat"), default="sum")
    parser.add_argument(
        "--model",
        metavar="DIR",
        help="checkpoint folder or bundled model name "
        "(default: the bundled model for --depth and --fusion)",
    )
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda, cuda:N, mps")
    parser.add_argument("--tile", type=int, help="largest tile side in pixels (default: auto)")
    parser.add_argument("--overlap", type=int, help="smallest tile overlap in pixels")
    parser.add_argument(
        "--precision",
        default="auto",
        choices=("auto", "fp32", "bf16", "fp16"),
        help="auto: bf16/fp16 on CUDA, fp32 elsewhere",
    )
    parser.add_argument(
        "--dtype",
        choices=("float32", "input"),
        default="float32",
        help="output pixel type: float32 (default) or the input's (rounded, clipped)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", help="run on a local Dask cluster")
    where.add_argument("--scheduler", metavar="ADDRESS", help="existing Dask scheduler")
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    from pathlib import Path

    from tqdm import tqdm

    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.inference.batch import PredictOptions, run_dask, run_serial
    from napari_defocus_deblur.inference.device import resolve_device
    from napari_defocus_deblur.inference.files import collect_jobs
    from napari_defocus_deblur.inference.models import (
        load_model,
        resolve_model_path,
        select_model,
    )

    if args.workers is not None and args.workers < 1:
        raise UserInputError(f"--workers must be at least 1, got {args.workers}")
    if args.depth < 0:
        raise UserInputError(f"--depth must be >= 0 µm, got {args.depth:g}")
    jobs = collect_jobs(args.inputs, args.out, args.depth)
    if args.model:
        model_dir = resolve_model_path(args.model)
    else:
        model_dir = select_model(args.depth, args.fusion).path
    model = load_model(model_dir)  # fails early on a bad checkpoint
    device = resolve_device(args.device)  # fails early on an unavailable device
    info = model.checkpoint_info
    options = PredictOptions(
        model_dir=str(Path(model_dir).resolve()),
        model_name=model.checkpoint_name,
        depth_um=args.depth,
        model_depth_um=None if info.get("depth_um") is None else float(info["depth_um"]),
        fusion=info.get("fusion", args.fusion),
        device=str(device) if args.workers is None and args.scheduler is None else args.device,
        tile=args.tile,
        overlap=args.overlap,
        precision=args.precision,
        output_dtype=args.dtype,
    )
    if args.workers or args.scheduler:
        results = run_dask(jobs, options, workers=args.workers, scheduler=args.scheduler)
    else:
        results = run_serial(jobs, options, group=8 if device.type == "cuda" else 1)
    skipped = []
    with tqdm(total=len(jobs), unit="file", desc="deblur", disable=None) as bar:
        for result in results:
            if result.error:
                skipped.append(result)
                reason = result.error
                if result.source not in reason:
                    reason = f"{result.source}: {reason}"
                tqdm.write(f"skipped {reason}", file=sys.stderr)
            bar.update(1)
    written = len(jobs) - len(skipped)
    print(
        f"deblurred {written} of {len(jobs)} file(s) into {args.out} with model "
        f"{options.model_name}"
    )
    if skipped:
        print(f"{len(skipped)} file(s) skipped (see above)", file=sys.stderr)
        return EXIT_SKIPPED
    return 0
