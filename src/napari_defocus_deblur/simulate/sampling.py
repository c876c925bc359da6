"""Bring an image of another pixel size onto BBBC006's sampling, and back.

The bundled networks and the defocus estimator learnt nuclei, blur and camera noise at
BBBC006's 0.645 µm pixels. A camera with finer pixels (a 40x objective, or a 20x on a
6.5 µm camera: 0.16-0.33 µm) shows every nucleus and every blur disc two to four times
wider: told the stage offset under its optics, a network is asked for blur it never saw,
and restores almost nothing (``scripts/pixel_sizes.py``). :class:`Regrid` maps such an
image onto BBBC006's grid and the result back:

- finer pixels are **binned** by the whole factor (the mean over ``b x b`` blocks: what a
  camera with ``b`` times larger pixels records, noise included), then resized by what
  is left of the factor (bilinear, anti-aliased);
- coarser pixels are interpolated (bilinear) onto the finer grid;
- the way back resizes bilinearly (anti-aliased when shrinking) to the image's shape.

Rows and columns are padded by reflection to a multiple of the binning, so the result
lines up with the input pixel for pixel. The policy (when to regrid, which networks
learnt BBBC006's sampling) lives with the microscope (:meth:`~.microscope.Microscope.
regrid`) and the run plan (:func:`~napari_defocus_deblur.inference.units.regrid_for`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from napari_defocus_deblur.constants import PIXEL_SIZE_UM

#: Relative difference from BBBC006's pixel size beyond which images are brought onto its
#: grid for the networks (``scripts/pixel_sizes.py``: within it the networks restore as
#: well on the image's own pixels).
SAMPLING_TOLERANCE = 0.25
#: The coarsest pixels the defocus estimator reads, as a multiple of BBBC006's: its
#: coarse perceptrons were fitted on cameras 1.2-4 times coarser
#: (``scripts/calibrate_coarse_estimator.py``).
MAX_COARSE_RATIO = 4.0
#: The coarsest pixels the networks are run on (interpolated onto BBBC006's grid), as a
#: multiple of BBBC006's: at 3 times (1.935 µm) restorations still gained 1.4-2.5 dB on
#: average, at 4 times they fell below the input (``scripts/pixel_sizes.py``, session 39).
MAX_REGRID_RATIO = 3.0
#: A factor this close below a whole number still bins by it (0.33 µm pixels: 1.95 -> 2).
BINNING_SLACK = 0.05


def off_grid(pixel_size_um: float) -> bool:
    """Does ``pixel_size_um`` differ from BBBC006's by more than :data:`SAMPLING_TOLERANCE`?"""
    return abs(pixel_size_um / PIXEL_SIZE_UM - 1.0) > SAMPLING_TOLERANCE


@dataclass(frozen=True)
class Regrid:
    """How images of ``shape`` (rows, columns) with ``pixel_size_um`` pixels map onto
    BBBC006's grid (:meth:`apply`) and back (:meth:`restore`)."""

    shape: tuple[int, int]
    pixel_size_um: float

    @property
    def binning(self) -> int:
        """Whole factor the pixels are binned by first (1: none)."""
        return max(1, math.floor(PIXEL_SIZE_UM / self.pixel_size_um + BINNING_SLACK))

    @property
    def padded(self) -> tuple[int, int]:
        """``shape`` padded up to a multiple of :attr:`binning`."""
        b = self.binning
        return (-(-self.shape[0] // b) * b, -(-self.shape[1] // b) * b)

    @property
    def grid_shape(self) -> tuple[int, int]:
        """Rows and columns on BBBC006's grid (the same field of view)."""
        scale = self.pixel_size_um / PIXEL_SIZE_UM
        return (max(16, round(self.padded[0] * scale)), max(16, round(self.padded[1] * scale)))

    @property
    def how(self) -> str:
        """How the pixels reach the grid: ``"binned 2 x 2"``, ``"resampled"`` or
        ``"interpolated"`` (coarser pixels)."""
        if self.pixel_size_um > PIXEL_SIZE_UM:
            return "interpolated"
        return f"binned {self.binning} x {self.binning}" if self.binning > 1 else "resampled"

    def note(self) -> str:
        """One line for the run's notes."""
        rows, cols = self.grid_shape
        return (
            f"the image's {self.pixel_size_um:g} µm pixels were {self.how} onto the networks' "
            f"{PIXEL_SIZE_UM:g} µm grid ({rows} x {cols}) and the result brought back"
        )

    def apply(self, image: np.ndarray) -> np.ndarray:
        """``image`` (..., rows, columns) on BBBC006's grid, float32."""
        arr = np.asarray(image)
        planes = arr.reshape(-1, *arr.shape[-2:])
        out = np.empty((len(planes), *self.grid_shape), np.float32)
        pad = [(0, p - n) for p, n in zip(self.padded, self.shape)]
        for i, plane in enumerate(planes):
            plane = np.pad(plane.astype(np.float64), pad, mode="reflect")
            out[i] = _resize(_bin(plane, self.binning), self.grid_shape)
        return out.reshape(*arr.shape[:-2], *self.grid_shape)

    def restore(self, image: np.ndarray) -> np.ndarray:
        """``image`` (..., grid rows, grid columns) back on the original pixels, float32."""
        arr = np.asarray(image)
        planes = arr.reshape(-1, *arr.shape[-2:])
        out = np.empty((len(planes), *self.shape), np.float32)
        rows, cols = self.shape
        for i, plane in enumerate(planes):
            out[i] = _resize(plane.astype(np.float64), self.padded)[:rows, :cols]
        return out.reshape(*arr.shape[:-2], *self.shape)


def _bin(plane: np.ndarray, factor: int) -> np.ndarray:
    """Mean over ``factor x factor`` blocks (the plane's sides are multiples of it)."""
    if factor == 1:
        return plane
    from skimage.transform import downscale_local_mean

    return downscale_local_mean(plane, (factor, factor))


def _resize(plane: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resize, anti-aliased when shrinking; the plane itself at its own shape."""
    if plane.shape == tuple(shape):
        return plane
    from skimage.transform import resize

    shrink = plane.shape[0] > shape[0] or plane.shape[1] > shape[1]
    return resize(plane, shape, order=1, anti_aliasing=shrink, preserve_range=True)


def integrate_pixels(image: np.ndarray, factor: float) -> np.ndarray:
    """What a camera with pixels ``factor`` (>= 1) times wider records of ``image``: each
    coarse pixel the mean of the fine pixels under it, weighted by the area they share
    (a box, as a real pixel integrates light; for a whole ``factor`` the block mean of
    ``downscale_local_mean``). Only whole coarse pixels are kept.

    Parameters
    ----------
    image
        2-D array (rows, columns) on the fine grid.
    factor
        Coarse pixel width in fine pixels.

    Returns
    -------
    numpy.ndarray
        float64, ``floor(rows / factor) x floor(columns / factor)``.
    """
    if factor < 1:
        raise ValueError(f"integrate_pixels widens pixels: factor {factor} < 1")
    arr = np.asarray(image, dtype=np.float64)
    return _box_weights(arr.shape[0], factor) @ arr @ _box_weights(arr.shape[1], factor).T


def _box_weights(n_fine: int, factor: float) -> np.ndarray:
    """``(n_coarse, n_fine)``: the share of each fine pixel inside each coarse one, over
    ``factor`` (so a row sums to 1)."""
    edges = np.arange(int(n_fine // factor) + 1) * factor
    lo = np.maximum(edges[:-1, None], np.arange(n_fine)[None, :])
    hi = np.minimum(edges[1:, None], np.arange(1, n_fine + 1)[None, :])
    return np.clip(hi - lo, 0.0, None) / factor
