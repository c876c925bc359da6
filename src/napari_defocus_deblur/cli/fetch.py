"""``defocus-deblur fetch-bbbc006``: download and extract real BBBC006 planes."""

from __future__ import annotations

import argparse
from typing import Any

NAME = "fetch-bbbc006"


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the sub-command."""
    from napari_defocus_deblur.constants import PAPER_PAIR_PLANES
    from napari_defocus_deblur.io.download import BASE_URL

    parser = subparsers.add_parser(
        NAME,
        help="download BBBC006 plane archives (resumable) and extract them",
        description="Download BBBC006_v1_images_z_NN.zip for each plane (~560 MB each), "
        "resume partial downloads, verify size and CRCs, extract to OUT/BBBC006_v1_images_z_NN.",
    )
    parser.add_argument("out", help="output folder")
    parser.add_argument(
        "--planes",
        type=int,
        nargs="+",
        default=list(PAPER_PAIR_PLANES),
        help="plane indices 0..33 (default 0 17: the paper's 34 um pair, z_00 below its "
        "ground truth z_17; BBBC006 documents z_16 as in focus)",
    )
    parser.add_argument("--base-url", default=BASE_URL, help=f"default {BASE_URL}")
    parser.add_argument(
        "--no-extract",
        action="store_true",
        help="keep the .zip archives only (the reader opens them too)",
    )
    parser.add_argument("--keep-zip", action="store_true", help="keep archives after extraction")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the sub-command."""
    from pathlib import Path

    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.io.download import iter_fetch_bbbc006
    from napari_defocus_deblur.progress import drive

    out = Path(args.out).expanduser()
    if out.exists() and not out.is_dir():
        raise UserInputError(f"output {out} exists and is not a folder")
    from urllib.parse import urlsplit

    url = urlsplit(args.base_url.strip())
    if url.scheme.lower() not in ("http", "https") or not url.netloc:
        raise UserInputError(
            f"--base-url must be an http(s)://HOST/... address, got {args.base_url!r}"
        )
    job = iter_fetch_bbbc006(
        out,
        args.planes,
        base_url=args.base_url,
        extract=not args.no_extract,
        keep_zip=args.keep_zip,
    )
    with _ByteBars(enabled=not args.quiet) as bars:
        paths = drive(job, bars.show)
    for path in paths:
        print(path)
    return 0


class _ByteBars:
    """One transient tqdm bar (bytes) per downloaded file, fed with ``DownloadProgress``."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Any = None
        self.name: str | None = None

    def show(self, event: Any) -> None:
        """Start a bar for a new file, or advance the current one to ``event.done``."""
        from tqdm import tqdm

        if self.bar is None or event.name != self.name:
            self.close()
            self.name = event.name
            self.bar = tqdm(
                total=event.total,
                initial=event.done,
                unit="B",
                unit_scale=True,
                desc=event.name,
                disable=not self.enabled,
                leave=False,
            )
        else:
            self.bar.update(event.done - self.bar.n)
        if event.total is not None and event.done >= event.total:
            self.close()  # this file is complete

    def close(self) -> None:
        """Close the current bar, if any."""
        if self.bar is not None:
            self.bar.close()
        self.bar = None

    def __enter__(self) -> _ByteBars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
