"""What bringing other pixel sizes onto BBBC006's grid gives a user who states them.

Fields are simulated with the nominal optics (BBBC006's aperture, focal shift and
emission) on cameras of other pixel sizes: the same procedural nuclei and field of
view, the PSF sampled at the camera's pixels, and a quarter of the photons per pixel
when the pixels are half as wide (the same light per square micrometre as BBBC006,
noise included). For every pixel size and distance a network is told the true stage
offset two ways:

- ``own pixels``: on the image's own pixels, told the distance at which BBBC006's
  optics blur as many pixels (what ``deblur(..., microscope=...)`` did before the
  regrid, session 37);
- ``regridded``: ``deblur(..., microscope=...)`` now, which brings the image onto
  BBBC006's 0.645 µm grid for the network and the result back
  (:class:`napari_defocus_deblur.simulate.sampling.Regrid`);

and ``auto`` (the one click, under the stated microscope). It prints the mean PSNR
gains over the input against the in-focus field on the camera's own pixels, and the
estimator's readings as stage offsets (median and range), on the image's own pixels
(before) and through ``estimate_defocus(image, microscope)`` now. With ``--real``, the
real in-focus BBBC006 images, upsampled 2x and stated as 0.3225 µm pixels and binned
2 x 2 and 3 x 3 and stated so, through the one click: the distance read and the PSNR
against the input (do no harm). With
``--real-z00``, the real z_00 images binned 2 x 2 (1.29 µm pixels), told 33 µm on their own
pixels, regridded and through the one click, each against the unbinned image's
restoration binned alike, and what the estimator reads on them.

Usage::

    python scripts/pixel_sizes.py [--fields 3] [--model bbbc006-unet]
        [--real ../shared/data/bbbc006-real/in-focus]
        [--real-z00 ../shared/data/bbbc006-real/defocus-z00] [--no-simulated]
        [--pixel-sizes 0.1625 0.3225 ...] [--field-scale 1]
"""

from __future__ import annotations

import argparse
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

from napari_defocus_deblur.constants import PIXEL_SIZE_UM
from napari_defocus_deblur.estimate import estimate_defocus
from napari_defocus_deblur.evaluation.metrics import psnr
from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.simulate.camera import expose
from napari_defocus_deblur.simulate.content import procedural_content, random_layout
from napari_defocus_deblur.simulate.equivalence import nominal_offset_um, stage_offset_um
from napari_defocus_deblur.simulate.field import prior_draw
from napari_defocus_deblur.simulate.microscope import NETWORK_EMISSION_NM, Microscope
from napari_defocus_deblur.simulate.optics import blur
from napari_defocus_deblur.simulate.pupil import gibson_lanni_psf
from napari_defocus_deblur.simulate.sampling import integrate_pixels

PIXEL_SIZES = (0.1625, 0.3225, 0.43, 0.5, 0.8, 1.29)
DISTANCES = (10.0, 22.0, 34.0)
#: Field of view on BBBC006's grid (rows, columns of 0.645 µm pixels).
FIELD = (260, 348)


def simulate_on_camera(
    pixel_um: float, depth_um: float, seed: int, field: tuple[int, int] = FIELD
) -> tuple[np.ndarray, np.ndarray]:
    """``(in focus, depth_um below focus)`` of one nominal field of ``field`` BBBC006
    pixels on a camera with ``pixel_um`` pixels."""
    from skimage.transform import resize

    draw = prior_draw("nominal", seed)
    layout = random_layout(field, np.random.default_rng([seed, 0]), draw.style)
    content = procedural_content(field, 1, layout, np.random.default_rng([seed, 1, 1]))
    scale = PIXEL_SIZE_UM / pixel_um
    shape = (round(field[0] * scale), round(field[1] * scale))
    signal = resize(content, shape, order=1, anti_aliasing=scale < 1, preserve_range=True)
    signal *= (pixel_um / PIXEL_SIZE_UM) ** 2  # the same light per square micrometre
    optics = replace(draw.optics, pixel_size_um=pixel_um)
    sharp = expose(signal, np.random.default_rng([seed, 2, 0]), draw.camera)
    kernel = gibson_lanni_psf(-depth_um, 460.0, optics)
    blurred = expose(blur(signal, kernel), np.random.default_rng([seed, 2, 1]), draw.camera)
    return sharp, blurred


def one_field(
    pixel_um: float, depth_um: float, seed: int, model: str, field: tuple[int, int] = FIELD
) -> dict[str, float]:
    """Gains (dB) and stage readings (µm) of one field, before and now."""
    sharp, blurred = simulate_on_camera(pixel_um, depth_um, seed, field)
    stated = Microscope(pixel_size_um=pixel_um)
    base = psnr(blurred, sharp)
    same_blur = nominal_offset_um(-depth_um, stated.optics(), NETWORK_EMISSION_NM)
    own = deblur(blurred, abs(same_blur), model=model)  # the image's own pixels
    now = deblur(blurred, depth_um, model=model, microscope=stated)
    auto = deblur(blurred, "auto", model=model, microscope=stated)
    return {
        "input": base,
        "own pixels": psnr(own, sharp) - base,
        "regridded": psnr(now, sharp) - base,
        "auto": psnr(auto, sharp) - base,
        "read before": stage_offset_um(  # the reading on the image's own pixels, converted
            estimate_defocus(blurred).depth_um, stated.optics(), False, NETWORK_EMISSION_NM
        ),
        "read now": estimate_defocus(blurred, stated).stage_um,
    }


def report(
    fields: int,
    model: str,
    pixel_sizes: tuple[float, ...] = PIXEL_SIZES,
    field: tuple[int, int] = FIELD,
) -> None:
    """One row per pixel size and distance."""
    print(
        f"{'pixel µm':>8s} {'µm':>4s} {'input dB':>8s} {'own pixels':>10s} {'regridded':>9s} "
        f"{'auto':>6s}   {'read before (range)':>20s} {'read now (range)':>20s}"
    )
    every = []
    for pixel_um in pixel_sizes:
        for depth in DISTANCES:
            rows = [one_field(pixel_um, depth, 9900 + s, model, field) for s in range(fields)]
            every += rows
            mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
            reads = {
                k: f"{np.median([r[k] for r in rows]):5.1f} "
                f"({min(r[k] for r in rows):.1f}-{max(r[k] for r in rows):.1f})"
                for k in ("read before", "read now")
            }
            print(
                f"{pixel_um:8.4g} {depth:4.0f} {mean['input']:8.2f} {mean['own pixels']:+10.2f} "
                f"{mean['regridded']:+9.2f} {mean['auto']:+6.2f}   "
                f"{reads['read before']:>20s} {reads['read now']:>20s}",
                flush=True,
            )
    for way in ("own pixels", "regridded", "auto"):
        below = sum(r[way] < 0 for r in every)
        mean = np.mean([r[way] for r in every])
        print(f"{way}: mean {mean:+.2f} dB, {below} fields below the input")


def real_in_focus(folder: Path, model: str) -> None:
    """Real in-focus images upsampled 2x (stated as 0.3225 µm pixels) and binned 2 x 2
    and 3 x 3 (1.29 and 1.935 µm), through the one click: the distance read and the PSNR
    against the input."""
    from skimage.io import imread
    from skimage.transform import resize

    for path in sorted(folder.glob("*.png")):
        image = imread(path).astype(np.float64)
        fine = resize(image, (2 * image.shape[0], 2 * image.shape[1]), preserve_range=True)
        binned = [(f, integrate_pixels(image, f)) for f in (2.0, 3.0)]
        for factor, sampled in ((0.5, fine), *binned):
            stated = Microscope(pixel_size_um=PIXEL_SIZE_UM * factor)
            read = estimate_defocus(sampled, stated)
            out = deblur(sampled, "auto", model=model, microscope=stated)
            print(
                f"{path.name} at {stated.pixel_size_um:g} µm: read {read.stage_um:.2f} µm, "
                f"PSNR vs itself {psnr(out, sampled):.1f} dB, lowest "
                f"{out.min() - sampled.min():+.1f} counts"
            )


def real_binned(folder: Path, model: str, told_um: float = 33.0) -> None:
    """Real z_00 images binned 2 x 2 (a camera with 1.29 µm pixels), deblurred told
    ``told_um`` on their own pixels and regridded, and through the one click with the
    pixels stated, against the unbinned image's restoration binned alike (no ground
    truth: how near each comes to what the network does at BBBC006's sampling); and what
    the estimator reads on them with the pixels stated."""
    import tifffile
    from skimage.transform import downscale_local_mean

    stated = Microscope(pixel_size_um=2 * PIXEL_SIZE_UM)
    same_blur = abs(nominal_offset_um(-told_um, stated.optics(), NETWORK_EMISSION_NM))
    ways: dict[str, list[float]] = {"input": [], "own pixels": [], "regridded": [], "auto": []}
    reads = []
    for path in sorted(folder.glob("*.tif")):
        image = tifffile.imread(path).astype(np.float64)
        reference = downscale_local_mean(deblur(image, told_um, model=model), (2, 2))
        binned = downscale_local_mean(image, (2, 2))
        runs = {
            "input": binned,
            "own pixels": deblur(binned, same_blur, model=model),
            "regridded": deblur(binned, told_um, model=model, microscope=stated),
            "auto": deblur(binned, "auto", model=model, microscope=stated),
        }
        for way, out in runs.items():
            ways[way].append(psnr(out, reference))
        reads.append(estimate_defocus(binned, stated).stage_um)
    print(f"real z_00 binned 2 x 2 ({len(ways['input'])} images), told {told_um:g} µm, PSNR "
          "against the unbinned restoration binned:")  # fmt: skip
    for way, values in ways.items():
        print(f"  {way:10s} {np.mean(values):6.2f} dB (min {min(values):.2f})")
    q = np.percentile(reads, (10, 50, 90))
    print(f"  read with 1.29 µm pixels stated: median {q[1]:.1f} µm (p10-p90 {q[0]:.1f}-"
          f"{q[2]:.1f}) for 32-34 µm below focus")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fields", type=int, default=3)
    ap.add_argument("--model", default="bbbc006-unet")
    ap.add_argument("--real", type=Path, default=None)
    ap.add_argument("--real-z00", type=Path, default=None)
    ap.add_argument("--no-simulated", action="store_true")
    ap.add_argument("--pixel-sizes", type=float, nargs="+", default=PIXEL_SIZES)
    ap.add_argument(
        "--field-scale", type=int, default=1, help="field of view: this many times 260 x 348"
    )
    args = ap.parse_args()
    with warnings.catch_warnings():  # the sampling notes this script measures
        warnings.simplefilter("ignore")
        if args.real is not None:
            real_in_focus(args.real, args.model)
        if args.real_z00 is not None:
            real_binned(args.real_z00, args.model)
        if not args.no_simulated:
            field = (FIELD[0] * args.field_scale, FIELD[1] * args.field_scale)
            report(args.fields, args.model, tuple(args.pixel_sizes), field)


if __name__ == "__main__":
    main()
