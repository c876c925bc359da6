"""Z-stack TIFFs: reading one as ``(Z, Y, X)`` and finding its sharpest plane."""

from __future__ import annotations

import os

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.tiff import read_image


def focus_measure(image: np.ndarray) -> float:
    """Normalised variance of the Laplacian: higher is sharper (scale invariant)."""
    from scipy import ndimage

    img = np.asarray(image, dtype=np.float64)
    mean = img.mean()
    if mean <= 0:
        return 0.0
    return float(ndimage.laplace(img).var() / mean**2)


def find_in_focus_index(stack: np.ndarray) -> int:
    """Index of the sharpest plane of a ``(Z, Y, X)`` stack by :func:`focus_measure`."""
    return int(np.argmax([focus_measure(plane) for plane in np.asarray(stack)]))


def read_stack(path: str | os.PathLike) -> np.ndarray:
    """A TIFF as a 2-D image or a ``(Z, Y, X)`` stack; one line on RGB or other axes."""
    image, meta = read_image(path)
    axes = meta["axes"]
    if "S" in axes and image.shape[axes.index("S")] > 1:
        raise UserInputError(
            f"{path}: RGB image (axes {axes}); expected a single-channel grayscale image"
        )
    squeeze = tuple(i for i, a in enumerate(axes) if a not in "ZYX" and image.shape[i] == 1)
    image = np.squeeze(image, axis=squeeze)
    axes = "".join(a for i, a in enumerate(axes) if i not in squeeze)
    if axes not in ("YX", "ZYX", "IYX", "QYX"):
        raise UserInputError(f"{path}: expected a z-stack with axes ZYX, got axes {axes}")
    return image
