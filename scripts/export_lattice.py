"""Lattice ratio of exported ONNX files, one pass against 4 pixel phases, on real z_00.

Exports a bundled model (or checkpoint folder) with ``with_phases(model, 1)`` and
``with_phases(model, 4)``, runs both ONNX files (ONNX Runtime, else OpenVINO) on the 24
real BBBC006 z_00 images of ``../shared/data/bbbc006-real/defocus-z00`` as a consumer
would (whole image, percentile-normalised, told ``--depth`` µm), and prints per phase
count the median and largest worst-frequency lattice ratio
(:func:`napari_defocus_deblur.evaluation.lattice.lattice_ratio`), how many images exceed
10, and the median time per image.

Usage::

    python scripts/export_lattice.py bbbc006-sum [bbbc006-concat ...] [--depth 33]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from napari_defocus_deblur.evaluation.lattice import lattice_ratio
from napari_defocus_deblur.export.content import normalise_input
from napari_defocus_deblur.inference import load_model
from napari_defocus_deblur.io.tiff import read_image
from napari_defocus_deblur.model.traced import export_onnx, run_onnx, with_phases
from napari_defocus_deblur.normalization import PercentileNormalization

REAL_Z00 = Path(__file__).resolve().parents[2] / "shared/data/bbbc006-real/defocus-z00"


def measure(model: str, depth: float, folder: Path) -> None:
    """Print the figures of one model."""
    net = load_model(model)
    info = dict(getattr(net, "checkpoint_info", {}) or {})
    norm = PercentileNormalization.from_dict(info.get("normalization"))
    files = {p: export_onnx(with_phases(net, p), folder / f"{p}.onnx") for p in (1, 4)}
    ratios: dict[int, list[float]] = {1: [], 4: []}
    seconds: dict[int, list[float]] = {1: [], 4: []}
    for path in sorted(REAL_Z00.glob("*.tif")):
        image = read_image(path)[0].astype(np.float32)[None, None]
        inputs = [normalise_input(image, norm).astype(np.float32)]
        if net.config.conditioned:
            inputs.append(np.array([[depth]], np.float32))
        for phases, onnx in files.items():
            start = time.perf_counter()
            out = run_onnx(onnx, inputs)[0, 0]
            seconds[phases].append(time.perf_counter() - start)
            ratios[phases].append(lattice_ratio(out))
    for phases in (1, 4):
        r = np.array(ratios[phases])
        print(
            f"{model} phases={phases}: lattice ratio median {np.median(r):.1f}, max "
            f"{r.max():.1f}, {(r > 10).sum()}/{r.size} above 10; "
            f"{np.median(seconds[phases]):.2f} s per image"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="+", help="bundled model names or checkpoint folders")
    parser.add_argument("--depth", type=float, default=33.0, help="µm told to the network")
    args = parser.parse_args()
    if not REAL_Z00.is_dir():
        raise SystemExit(f"real z_00 images not found: {REAL_Z00}")
    for model in args.models:
        with tempfile.TemporaryDirectory() as tmp:
            measure(model, args.depth, Path(tmp))


if __name__ == "__main__":
    main()
