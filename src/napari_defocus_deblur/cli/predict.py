"""``defocus-deblur predict``: deblur TIFF files, folders and BBBC006 roots.

Exit status: 0 when every file was written, 1 when some files were skipped (each is
reported on stderr with the reason), 2 for bad arguments, missing inputs, outputs that
exist already (without ``--overwrite``), an unwritable or busy output folder, or no
model. Every option and output path is checked before the first file is read.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from typing import Any

from napari_defocus_deblur.cli._channels import channel_summary, check_channels
from napari_defocus_deblur.cli._microscope import add_microscope_arguments, microscope_from
from napari_defocus_deblur.cli._network import add_network_argument
from napari_defocus_deblur.cli._passes import add_pass_arguments
from napari_defocus_deblur.cli._planes import add_plane_arguments
from napari_defocus_deblur.constants import DEFAULT_DEPTH_UM

NAME = "predict"
EXIT_SKIPPED = 1
SKIP_EXISTING_HELP = "continue an interrupted run: leave out files whose result exists"
_SCHEDULER_RE = re.compile(
    r"^(?:(?:tcp|tls|inproc|ucx|ws|wss)://)?(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+)"
    r"(?::(?P<port>\d{1,5}))?/?$"
)


def max_workers() -> int:
    """Largest ``--workers``: the CPU cores here (at least 4)."""
    return max(4, os.cpu_count() or 1)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the sub-command."""
    parser = subparsers.add_parser(
        NAME,
        help="deblur TIFF files, folders or BBBC006 roots into OUTDIR",
        description="Deblur TIFF images with a trained model. Folders are searched "
        "recursively for .tif/.tiff files; for a BBBC006 root only the plane --depth below "
        "the data's focus is taken (z_00 at 34 µm below z_17 for real BBBC006). "
        "Outputs keep their relative paths under OUTDIR (float32 "
        "TIFFs by default, with source, model, depth and fusion in the ImageDescription). "
        "Exit status 1 when some files were skipped, 2 for bad arguments.",
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="TIFF file, folder or root")
    parser.add_argument("-o", "--out", required=True, metavar="OUTDIR", help="output folder")
    parser.add_argument(
        "--depth",
        default=DEFAULT_DEPTH_UM,
        help=f"distance from focus in µm (default {DEFAULT_DEPTH_UM:g}), or 'auto': "
        "estimated per plane (depth-conditioned models; not for BBBC006 roots, whose planes "
        "are chosen by it)",
    )
    add_network_argument(parser)
    parser.add_argument(
        "--model",
        metavar="DIR",
        help="checkpoint folder or bundled model name "
        "(default: the bundled model for --depth and --fusion)",
    )
    add_plane_arguments(parser, predict=True)
    add_microscope_arguments(parser)
    _add_runtime_arguments(parser)
    _add_output_arguments(parser)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N", help="run on a local Dask cluster")
    where.add_argument("--scheduler", metavar="ADDRESS", help="existing Dask scheduler")
    return parser


def _add_runtime_arguments(parser: argparse.ArgumentParser) -> None:
    """Where and how the network runs: device, tiles, precision, backend, verbosity."""
    parser.add_argument("--device", default="auto", help="auto (default), cpu, cuda, cuda:N, mps")
    parser.add_argument("--tile", type=int, help="largest tile side in pixels (default: auto)")
    parser.add_argument("--overlap", type=int, help="smallest tile overlap in pixels")
    add_pass_arguments(parser, " up to 16 Mpx per plane")
    parser.add_argument(
        "--precision",
        default="auto",
        choices=("auto", "fp32", "bf16", "fp16"),
        help="auto (default): bf16 (fp16 on older GPUs) on CUDA; on the CPU bf16 where it has "
        "bf16 matrix units (AMX, AVX512-BF16; DEFOCUS_DEBLUR_CPU_BF16=0/1 overrides), else "
        "fp32; fp32 on MPS",
    )
    parser.add_argument(
        "--backend",
        default="auto",
        choices=("auto", "torch", "openvino"),
        help="auto (default): OpenVINO on CPUs where it is installed, PyTorch elsewhere",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="say which model, device, backend and precision run, and each file's run notes "
        "(pixels brought onto BBBC006's grid, an uncertain estimate, ...)",
    )


def _add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """What is written and which files are left out."""
    parser.add_argument(
        "--dtype",
        choices=("float32", "input"),
        default="float32",
        help="output pixel type: float32 (default) or the input's (rounded, clipped)",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace output files that exist already (default: refuse before any work)",
    )
    parser.add_argument("--skip-existing", action="store_true", help=SKIP_EXISTING_HELP)
    parser.add_argument(
        "--skip-other-channels",
        action="store_true",
        help="leave out files whose name says another channel than the model's (default: "
        "deblur them with a warning each)",
    )


def check_options(args: argparse.Namespace) -> None:
    """Check the options that need no file or model (UserInputError, exit status 2)."""
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.inference.checks import check_depth, positive_int

    if args.workers is not None and not 1 <= args.workers <= max_workers():
        raise UserInputError(
            f"--workers must be at least 1 and at most {max_workers()}, got {args.workers}"
        )
    if args.model is not None and not args.model.strip():
        raise UserInputError("--model is empty; give a checkpoint folder or a model name")
    if args.scheduler is not None:
        match = _SCHEDULER_RE.match(args.scheduler.strip())
        if match is None or not match["port"] or not 0 < int(match["port"]) < 65536:
            raise UserInputError(
                f"--scheduler {args.scheduler!r} is not a Dask scheduler address; expected "
                "tcp://HOST:PORT"
            )
    args.depth = check_depth(args.depth, "--depth", allow_auto=True)
    args.microscope = microscope_from(args)
    if args.tile is not None:
        positive_int(args.tile, "--tile", 16)
    if args.overlap is not None:
        positive_int(args.overlap, "--overlap", 0)


def _prepare(args: argparse.Namespace, jobs: list) -> tuple[Any, Any]:
    """Model(s), runtime and options, checked against each other before any file is
    read; returns the options and the models' common channel (None: any or mixed)."""
    from pathlib import Path

    from napari_defocus_deblur.channels import model_channel
    from napari_defocus_deblur.inference.batch import PredictOptions
    from napari_defocus_deblur.inference.catalogue import shared_model
    from napari_defocus_deblur.inference.checks import check_tile
    from napari_defocus_deblur.inference.device import resolve_backend
    from napari_defocus_deblur.inference.plan import run_models

    runtime = resolve_backend(args.backend, args.precision, args.device)  # fails early
    chosen = run_models(args.model, args.depth, args.fusion, args.side, args.microscope)
    paths = [Path(p).resolve() for p in chosen]
    models = [shared_model(p) for p in paths]  # fails early on a bad checkpoint
    for model in models:
        check_tile(args.tile, args.overlap, model.config.size_multiple, prefix="--")
    name = ", ".join(m.checkpoint_name for m in models)
    if args.verbose:
        where = paths[0] if len(paths) == 1 else "chosen per file at its estimated distance"
        print(f"model {name} ({where}); {runtime.describe()}", file=sys.stderr)
    channels = {model_channel(m.checkpoint_info) for m in models}
    local = args.workers is None and args.scheduler is None
    options = PredictOptions(
        model_dir=str(paths[0]) if len(paths) == 1 else None,
        model_name=name,
        depth_um=args.depth,
        fusion=args.fusion,
        device=str(runtime.device) if local else args.device,
        tile=args.tile,
        overlap=args.overlap,
        phases=args.phases,
        views=args.views,
        precision=args.precision,
        output_dtype=args.dtype,
        backend=args.backend,
        runtime=runtime if local else None,
        side=args.side,
        microscope=args.microscope,
    )
    return options, (channels.pop() if len(channels) == 1 else None)


def _deblur_all(args: argparse.Namespace, jobs: list, options: Any) -> list:
    """Run the jobs; returns the skipped ones (each reported on stderr)."""
    from tqdm import tqdm

    from napari_defocus_deblur.inference.batch import run_serial
    from napari_defocus_deblur.inference.dask_run import run_dask

    if args.workers or args.scheduler:
        results = run_dask(jobs, options, workers=args.workers, scheduler=args.scheduler)
    else:
        results = run_serial(
            jobs, options, group=8 if options.runtime.device.type == "cuda" else 1
        )
    skipped = []
    try:
        with tqdm(total=len(jobs), unit="file", desc="deblur", disable=None) as bar:
            for result in results:
                if result.error:
                    skipped.append(result)
                    reason = result.error
                    if result.source not in reason:
                        reason = f"{result.source}: {reason}"
                    tqdm.write(f"skipped {reason}", file=sys.stderr)
                for note in result.notes if args.verbose else ():
                    tqdm.write(f"note: {result.source}: {note}", file=sys.stderr)
                bar.update(1)
    finally:  # Ctrl-C: wait for the file being written, then stop the workers
        results.close()
    return skipped


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    from napari_defocus_deblur.inference.files import plan_jobs
    from napari_defocus_deblur.inference.outputs import output_run, skip_existing
    from napari_defocus_deblur.inference.root_planes import PlaneChoice

    check_options(args)
    resume = getattr(args, "skip_existing", False)
    roots = PlaneChoice(args.reference_plane, args.side)
    overwrite = args.overwrite or resume
    plan = plan_jobs(args.inputs, args.out, args.depth, overwrite=overwrite, planes=roots)
    jobs, notes = skip_existing(plan.jobs, args.overwrite) if resume else (plan.jobs, [])
    options, channel = _prepare(args, jobs)
    for note in plan.notes + notes:
        print(f"note: {note}", file=sys.stderr)
    total = len(jobs)
    jobs, other = check_channels(args, jobs, options, channel)
    skipped = []
    if jobs:
        with output_run(args.out, jobs):
            skipped = _deblur_all(args, jobs, options)
    written = len(jobs) - len(skipped)
    print(
        f"deblurred {written} of {total} file(s) into {args.out} with model {options.model_name}"
    )
    if other:
        channel_summary(args, other, options.model_name)
    if skipped:
        print(f"{len(skipped)} file(s) skipped (see above)", file=sys.stderr)
        return EXIT_SKIPPED
    return 0
