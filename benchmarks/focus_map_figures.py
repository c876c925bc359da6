"""The figures of docs/focusmap.md: plate maps of the simulated plate of
``benchmarks/focus_map.py`` and of the real BBBC006 images.

The real plate is a temporary folder with the 24 real z_00 TIFFs (32 µm below focus,
original names) and the 8 in-focus images (wells A02-A09, site 1) saved as TIFFs under
BBBC006 names, so one map shows both, plus one deliberately truncated copy (well O12)
to show how an unreadable well looks.

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/focus_map_figures.py docs/images
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from focus_map import IN_FOCUS_PATTERN, REAL, simulated_plate


def real_plate(folder: Path) -> Path:
    """The 24 z_00 TIFFs and the 8 in-focus images, BBBC006-named, in ``folder``."""
    import tifffile

    from napari_defocus_deblur.focusmap import list_fields
    from napari_defocus_deblur.io.bbbc006 import format_name
    from napari_defocus_deblur.io.tiff import read_image

    for path in sorted((REAL / "defocus-z00").glob("*.tif")):
        shutil.copy(path, folder / path.name)
    for f in list_fields(REAL / "in-focus", pattern=IN_FOCUS_PATTERN)[0]:
        image, _ = read_image(f.path)
        tifffile.imwrite(folder / format_name(f.well.lower(), f.site, f.channel), image)
    first = sorted(folder.glob("*.tif"))[0].read_bytes()
    (folder / format_name("o12", 1, 1)).write_bytes(first[: len(first) // 3])  # truncated
    return folder


def main() -> None:
    """Write focusmap-simulated.png and focusmap-real.png."""
    from napari_defocus_deblur.focusmap import focus_map, save_plate_png

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "defocus-deblur-focusmap-bench"
    )
    args = parser.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    save_plate_png(
        args.outdir / "focusmap-simulated.png", focus_map(simulated_plate(args.cache)[0])
    )
    with tempfile.TemporaryDirectory() as tmp:
        fmap = focus_map(real_plate(Path(tmp)))
        save_plate_png(args.outdir / "focusmap-real.png", fmap)
    print(f"wrote {args.outdir}/focusmap-simulated.png and focusmap-real.png")


if __name__ == "__main__":
    main()
