"""Images of other pixel sizes restore on BBBC006's grid: simulated finer pixels and real
z_00 images binned to coarser ones (``docs/inference.md``, "Other pixel sizes")."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from napari_defocus_deblur.inference import deblur
from napari_defocus_deblur.metrics import psnr
from napari_defocus_deblur.simulate.equivalence import nominal_offset_um
from napari_defocus_deblur.simulate.microscope import NETWORK_EMISSION_NM, Microscope

#: Every CPU computes the same (bf16 units or not).
FP32 = {"precision": "fp32", "backend": "torch", "model": "bbbc006-unet", "device": "cpu"}


def _same_blur_um(microscope: Microscope, depth_um: float) -> float:
    """The distance at which BBBC006's optics blur as many of the image's own pixels."""
    return abs(nominal_offset_um(-depth_um, microscope.optics(), NETWORK_EMISSION_NM))


def test_a_field_on_pixels_half_as_wide_restores_binned_not_on_its_own_pixels():
    """Nominal optics on 0.3225 µm pixels (a quarter of the light per pixel), 34 µm below
    focus: on its own pixels the network is asked for 68 µm of BBBC006 blur and restores
    nothing (+0.2 dB over 3 fields, ``scripts/pixel_sizes.py``); binned 2 x 2 it gains
    about +6.8 dB."""
    from skimage.transform import resize

    from napari_defocus_deblur.simulate.camera import expose
    from napari_defocus_deblur.simulate.content import procedural_content, random_layout
    from napari_defocus_deblur.simulate.field import prior_draw
    from napari_defocus_deblur.simulate.optics import blur
    from napari_defocus_deblur.simulate.pupil import gibson_lanni_psf

    draw = prior_draw("nominal", 9900)
    layout = random_layout((130, 174), np.random.default_rng([9900, 0]), draw.style)
    content = procedural_content((130, 174), 1, layout, np.random.default_rng([9900, 1, 1]))
    signal = resize(content, (260, 348), order=1, preserve_range=True) / 4
    fine = Microscope(pixel_size_um=0.3225)
    kernel = gibson_lanni_psf(-34.0, 460.0, replace(draw.optics, pixel_size_um=0.3225))
    sharp = expose(signal, np.random.default_rng(1), draw.camera)
    blurred = expose(blur(signal, kernel), np.random.default_rng(2), draw.camera)
    base = psnr(blurred, sharp)
    own = psnr(deblur(blurred, _same_blur_um(fine, 34.0), **FP32), sharp) - base
    regridded = psnr(deblur(blurred, 34.0, microscope=fine, **FP32), sharp) - base
    assert regridded > 3.0 and regridded > own + 3.0, (own, regridded)


def test_a_real_z00_image_binned_2x2_restores_as_the_unbinned_one_does(real_bbbc006):
    """No ground truth: the unbinned image's restoration, binned alike, is the reference
    (24 images: regridded 33.6 dB, on its own pixels 26.5, the input 21.7)."""
    from skimage.transform import downscale_local_mean

    from napari_defocus_deblur.io.tiff import read_image

    path = sorted((real_bbbc006 / "defocus-z00").glob("*.tif"))[0]
    image = read_image(path)[0].astype(np.float64)
    reference = downscale_local_mean(deblur(image, 33.0, **FP32), (2, 2))
    binned = downscale_local_mean(image, (2, 2))
    coarse = Microscope(pixel_size_um=1.29)
    scores = {
        "input": psnr(binned, reference),
        "own pixels": psnr(deblur(binned, _same_blur_um(coarse, 33.0), **FP32), reference),
        "regridded": psnr(deblur(binned, 33.0, microscope=coarse, **FP32), reference),
    }
    assert scores["regridded"] > 30.0, scores
    assert scores["regridded"] > scores["own pixels"] + 3.0, scores
    assert scores["regridded"] > scores["input"] + 6.0, scores


@pytest.mark.parametrize("pixel_um", [0.3225, 1.29])
def test_a_sharp_image_comes_back_as_it_was_at_any_pixel_size(pixel_um):
    from tests.inference.helpers import field

    image = field((160, 192), seed=7)
    out = deblur(image, 2.0, microscope=Microscope(pixel_size_um=pixel_um), **FP32)
    assert np.array_equal(out, image)
