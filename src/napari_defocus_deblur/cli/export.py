"""``defocus-deblur export``: write a model as a bioimage.io model package.

Exit status: 0 when the package was written (and, with ``--test``, passed
``bioimageio.core``'s test), 1 when ``--test`` failed, 2 for bad arguments, a missing
model, an unwritable output or a missing ``bioimageio`` extra.
"""

from __future__ import annotations

import argparse
import sys

NAME = "export"
EXIT_TEST_FAILED = 1


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the sub-command."""
    parser = subparsers.add_parser(
        NAME,
        help="export a model as a bioimage.io model package (zip)",
        description="Export a checkpoint folder or bundled model as a bioimage.io model "
        "package (rdf.yaml format 0.5, PyTorch state-dict weights with a standalone "
        "architecture file, simulated test tensors, cover image, README), so it runs in "
        "bioimage.io consumers. Needs the 'bioimageio' extra: "
        "pip install 'napari-defocus-deblur[bioimageio]'.",
    )
    parser.add_argument("model", metavar="MODEL", help="checkpoint folder or bundled model name")
    parser.add_argument(
        "--bioimageio", required=True, metavar="OUT.zip", help="the package file to write"
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
    parser.add_argument("--seed", type=int, default=0, help="seed of the test image")
    parser.add_argument(
        "--test",
        action="store_true",
        help="run 'bioimageio test' (bioimageio.core) on the written package",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.export import check_package, export_bioimageio

    if args.test_size < 1:
        raise UserInputError(
            f"--test-size must be a positive number of pixels, got {args.test_size}"
        )
    result = export_bioimageio(
        args.model,
        args.bioimageio,
        name=args.name,
        authors=args.author or None,
        test_size=args.test_size,
        seed=args.seed,
    )
    shape = "x".join(str(n) for n in result.test_shape)
    print(f"wrote {result.path} ('{result.name}', test input {shape})")
    print(
        "standalone architecture reproduces the model: max |difference| = "
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
