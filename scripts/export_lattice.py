"""Lattice ratio of exported ONNX files, one pass against their averages, on real z_00.

Exports a bundled model (or checkpoint folder) three times, with
``with_passes(model, views, phases)`` for one pass (1, 1), four pixel phases (1, 4) and
four mirror views (4, 1, the default of ``defocus-deblur export``), runs each ONNX file
(ONNX Runtime, else OpenVINO) on the 24 real BBBC006 z_00 images of
``../shared/data/bbbc006-real/defocus-z00`` as a consumer would (whole image,
percentile-normalised, told ``--depth`` µm), and prints per export the set's lattice
ratio (:func:`napari_defocus_deblur.evaluation.lattice.set_lattice_ratio`, the worst
line common to the 24 restored images), the median and largest worst-frequency ratio of
single images (:func:`~napari_defocus_deblur.evaluation.lattice.lattice_ratio`), how
many exceed 10, the median time per image, and how far it lies from the plugin's own default result
(``deblur(image, depth_um, model, views=4)``, fp32 torch, tiled as the plugin tiles;
normalised units, median over images of the mean and the largest absolute difference).

Usage::

    python scripts/export_lattice.py bbbc006-sum [bbbc006-concat ...] [--depth 33]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from napari_defocus_deblur.evaluation.lattice import lattice_ratio, set_lattice_ratio
from napari_defocus_deblur.export.content import normalise_input
from napari_defocus_deblur.inference import deblur, load_model
from napari_defocus_deblur.io.tiff import read_image
from napari_defocus_deblur.model.traced import export_onnx, run_onnx, with_passes
from napari_defocus_deblur.normalization import PercentileNormalization, normalize

REAL_Z00 = Path(__file__).resolve().parents[2] / "shared/data/bbbc006-real/defocus-z00"
#: The exports compared: name -> (mirror views, pixel phases).
EXPORTS = {"one pass": (1, 1), "4 phases": (1, 4), "4 views": (4, 1)}


def _plugin_result(image: np.ndarray, depth: float, net, norm) -> np.ndarray:
    """The plugin's default restoration of ``image``, in the export's normalised units."""
    out = deblur(image, depth_um=depth, model=net, backend="torch", precision="fp32", views=4)
    return normalize(out, *norm.bounds(image))


def measure(model: str, depth: float, folder: Path) -> None:
    """Print the figures of one model."""
    net = load_model(model)
    info = dict(getattr(net, "checkpoint_info", {}) or {})
    norm = PercentileNormalization.from_dict(info.get("normalization"))
    files = {
        k: export_onnx(with_passes(net, *c), folder / f"{k}.onnx") for k, c in EXPORTS.items()
    }
    figures: dict[str, list[tuple[float, float, float, float]]] = {k: [] for k in EXPORTS}
    outputs: dict[str, list[np.ndarray]] = {k: [] for k in EXPORTS}
    for path in sorted(REAL_Z00.glob("*.tif")):
        image = read_image(path)[0].astype(np.float32)
        inputs = [normalise_input(image[None, None], norm).astype(np.float32)]
        if net.config.conditioned:
            inputs.append(np.array([[depth]], np.float32))
        plugin = _plugin_result(image, depth, net, norm)
        for name, onnx in files.items():
            start = time.perf_counter()
            out = run_onnx(onnx, inputs)[0, 0]
            seconds = time.perf_counter() - start
            gap = np.abs(out - plugin)
            outputs[name].append(out)
            figures[name].append((lattice_ratio(out), seconds, gap.mean(), gap.max()))
    for name, rows in figures.items():
        ratio, seconds, mean_gap, max_gap = np.array(rows).T
        print(
            f"{model} {name}: set lattice ratio {set_lattice_ratio(outputs[name]):.2f}; "
            f"single images median {np.median(ratio):.1f}, max "
            f"{ratio.max():.1f}, {(ratio > 10).sum()}/{ratio.size} above 10; "
            f"{np.median(seconds):.2f} s per image; from the plugin's views=4 result: mean "
            f"{np.median(mean_gap):.4f}, max {np.median(max_gap):.3f}"
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
