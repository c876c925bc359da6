"""PSNR and SSIM: re-exported from the leaf module :mod:`napari_defocus_deblur.metrics`,
which documents the ground-truth min/max normalisation convention."""

from __future__ import annotations

from napari_defocus_deblur.metrics import NORMALIZATION, NORMALIZATION_NAME, psnr, ssim

__all__ = ["NORMALIZATION", "NORMALIZATION_NAME", "psnr", "ssim"]
