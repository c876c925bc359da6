"""Measuring deblurring like the paper: PSNR/SSIM per distance, Richardson-Lucy anchor.

Pure numpy/torch (no Qt). See :mod:`~napari_defocus_deblur.evaluation.metrics` for the
normalisation convention every number in this package follows.
"""

from __future__ import annotations

from napari_defocus_deblur.evaluation.metrics import NORMALIZATION, psnr, ssim
from napari_defocus_deblur.evaluation.richardson_lucy import richardson_lucy

__all__ = ["NORMALIZATION", "psnr", "richardson_lucy", "ssim"]
