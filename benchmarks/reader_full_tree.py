"""Time the BBBC006 reader on a full-size tree (768 fields x 34 planes x 2 channels).

The tree is generated in a temporary folder with every one of the 52,224 names of the
real set (fresh uuids per plane) hard-linked to one small LZW TIFF of 520 x 696 zeros,
so it takes seconds and almost no disk. Reports the time of ``get_reader`` + the reader
call, the time to display one plane, and the peak memory (Python allocations by
tracemalloc, and the process's peak resident size). ``--zip`` packs every plane into a
``BBBC006_v1_images_z_NN.zip`` archive instead (as downloaded).

    python benchmarks/reader_full_tree.py [--zip] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np

from napari_defocus_deblur.constants import FIELD_SHAPE, N_PLANES
from napari_defocus_deblur.io.bbbc006 import format_name, plane_dir_name, plate_fields
from napari_defocus_deblur.io.reader import get_reader
from napari_defocus_deblur.io.tiff import write_tiff


def build_tree(root: Path, as_zip: bool) -> int:
    """Write the full tree; returns the number of image files."""
    template = write_tiff(root / "template.tif", np.zeros(FIELD_SHAPE, np.uint16))
    data = template.read_bytes()
    count = 0
    for plane in range(N_PLANES):
        folder = root / plane_dir_name(plane)
        names = [format_name(well, site, ch) for well, site in plate_fields() for ch in (1, 2)]
        count += len(names)
        if as_zip:
            with zipfile.ZipFile(root / f"{folder.name}.zip", "w", zipfile.ZIP_STORED) as zf:
                for name in names:
                    zf.writestr(f"{folder.name}/{name}", data)
        else:
            folder.mkdir()
            for name in names:
                os.link(template, folder / name)
    template.unlink()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", action="store_true", help="plane archives instead of folders")
    parser.add_argument("--keep", type=Path, default=None, help="build the tree here and keep it")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bbbc006-full-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        start = time.perf_counter()
        n = build_tree(root, args.zip)
        print(
            f"built {n} files ({'zip archives' if args.zip else 'plane folders'}) in "
            f"{time.perf_counter() - start:.1f} s at {root}"
        )
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        times = []
        for _ in range(2):  # cold (imports dask on first use) and warm
            start = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                layers = get_reader(str(root))(str(root))
            times.append(time.perf_counter() - start)
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        get_reader(str(root))(str(root))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        for data, kwargs, _ in layers:
            print(
                f"layer {kwargs['name']!r}: shape {data.shape}, {data.dtype}, "
                f"{data.nbytes / 1e9:.1f} GB if loaded, chunks {data.npartitions}"
            )
        print(
            f"open (get_reader + reader): cold {times[0]:.2f} s (incl. importing dask), "
            f"warm {times[1]:.2f} s; warnings: {len(caught)}"
        )
        print(
            f"peak Python allocations while opening: {peak / 1e6:.1f} MB; "
            f"process peak RSS {rss0 / 1024:.0f} -> {rss1 / 1024:.0f} MB"
        )
        start = time.perf_counter()
        plane = np.asarray(layers[0][0][767, 33])
        print(
            f"one plane (field 767, z 33) read in {time.perf_counter() - start:.3f} s, "
            f"shape {plane.shape}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
