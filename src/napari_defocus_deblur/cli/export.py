"""``defocus-deblur export``: write a model as ONNX, TorchScript or a bioimage.io package.

Exit status: 0 when every requested file was written (and, with ``--test``, the package
passed ``bioimage.core``'s test), 1 when ``--test`` failed, 2 for bad arguments, a
missing model, an unwritable output or a missing ``bioimageio`` extra.
"""

from __future__ import annotations

import argparse
import sys

from napari_defocus_deblur.cli._passes import add_pass_arguments
from napari_defocus_deblur.cli._types import seed

NAME = "export"
EXIT_TEST_FAILED = 1


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the sub-command."""
    parser = subparsers.add_parser(
        NAME,
        help="export a model as ONNX, TorchScript or a bioimage.io model package",
        description="Export a checkpoint folder or bundled model as an ONNX file, a "
        "TorchScript file and/or a bioimage.io model package (rdf.yaml format 0.5; "
        "PyTorch state-dict weights with a standalone architecture file, TorchScript and "
        "ONNX weights, simulated test tensors, cover image, README), so it runs in "
        "bioimage.io consumers, ONNX Runtime, OpenVINO or deepImageJ. The ONNX and "
        "TorchScript files take normalised (N, C, H, W) float32 images of any size "
        "(and depth-conditioned models a (N, 1) depth in micrometres). The package needs "
        "the 'bioimageio' extra: pip install 'napari-defocus-deblur[bioimageio]'.",
    )
    parser.add_argument("model", metavar="MODEL", help="checkpoint folder or bundled model name")
    parser.add_argument("--bioimageio", metavar="OUT.zip", help="the package file to write")
    parser.add_argument("--onnx", metavar="OUT.onnx", help="the ONNX file to write")
    parser.add_argument("--torchscript", metavar="OUT.pt", help="the TorchScript file to write")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace existing output files (default: refuse before any work)",
    )
    parser.add_argument("--name", help="model name in rdf.yaml (default: from the checkpoint)")
    parser.add_argument(
        "--author",
        action="append",
        default=[],
        metavar="NAME",
        help="author name (repeatable; default: the napari-defocus-deblur developers)",
    )
    parser.add_argument(
        "--test-size",
        type=int,
        default=256,
        metavar="PIXELS",
        help="side of the simulated test image (default 256, rounded up to the network's unit)",
    )
    parser.add_argument("--seed", type=seed, default=0, help="seed of the test image")
    add_pass_arguments(parser)
    parser.add_argument(
        "--test",
        action="store_true",
        help="run 'bioimageio test' (bioimageio.core) on the written package",
    )
    parser.set_defaults(_parser=parser)
    return parser


def _check_file(path: str, suffixes: tuple[str, ...], option: str, overwrite: bool):
    from napari_defocus_deblur.io.atomic import check_output_file

    out = check_output_file(path, overwrite=overwrite, option=option)
    if out.suffix.lower() not in suffixes:
        from napari_defocus_deblur.errors import UserInputError

        raise UserInputError(f"{option} {out} must end in {' or '.join(suffixes)}")
    return out


def _export_traced(args: argparse.Namespace) -> None:
    """Write the ``--onnx`` and ``--torchscript`` files and say how close they are."""
    from napari_defocus_deblur.export.weights import exported_network
    from napari_defocus_deblur.model.traced import check_traced, export_onnx, export_torchscript

    targets = {}
    if args.onnx is not None:
        targets["onnx"] = _check_file(args.onnx, (".onnx",), "--onnx", args.overwrite)
    if args.torchscript is not None:
        targets["torchscript"] = _check_file(
            args.torchscript, (".pt", ".pth"), "--torchscript", args.overwrite
        )
    net = exported_network(args.model, args.views, args.phases)
    for kind, path in targets.items():
        write = export_onnx if kind == "onnx" else export_torchscript
        write(net, path)
        diff = check_traced(net, path)
        print(f"wrote {path} ({kind}; reproduces the model: max |difference| = {diff:.3g})")


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.export import check_package, export_bioimageio

    if args.test_size < 1:
        raise UserInputError(
            f"--test-size must be a positive number of pixels, got {args.test_size}"
        )
    if args.bioimageio is None and args.onnx is None and args.torchscript is None:
        args._parser.error("give at least one of --bioimageio, --onnx, --torchscript")
    if args.bioimageio is not None:  # checked before any work, like the other outputs
        from napari_defocus_deblur.io.atomic import refuse_existing

        refuse_existing([args.bioimageio], overwrite=args.overwrite, option="--bioimageio")
    if args.onnx is not None or args.torchscript is not None:
        _export_traced(args)
    if args.bioimageio is None:
        return 0
    result = export_bioimageio(
        args.model,
        args.bioimageio,
        name=args.name,
        authors=args.author or None,
        test_size=args.test_size,
        seed=args.seed,
        views=args.views,
        phases=args.phases,
    )
    shape = "x".join(str(n) for n in result.test_shape)
    print(f"wrote {result.path} ('{result.name}', test input {shape})")
    diffs = result.weights_max_abs_diff or {}
    print(
        f"torchscript and onnx weights reproduce the model: max |difference| = "
        f"{diffs.get('torchscript', float('nan')):.3g}, {diffs.get('onnx', float('nan')):.3g}; "
        "standalone architecture with the state dict: max |difference| = "
        f"{result.standalone_max_abs_diff:.3g}"
    )
    if not args.test:
        return 0
    summary = check_package(result.path)
    print(f"bioimageio test: {summary.status}")
    if summary.status == "passed":
        return 0
    for detail in summary.details:
        if detail.status == "failed":
            for err in detail.errors:
                print(f"  {detail.name}: {' '.join(str(err.msg).split())}", file=sys.stderr)
    return EXIT_TEST_FAILED
