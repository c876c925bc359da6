"""Figures of a restoration that need no in-focus reference (real images without pairs).

* :func:`sharpness`: the normalised variance of the Laplacian after a Gaussian of sigma
  1.5 px (a band-pass focus measure; higher is sharper, but a model that invents texture
  also scores high, so read it beside the ringing).
* :func:`ringing_share`: the share of pixels a restoration pushes more than ``margin``
  below the input's darkest 0.5 %: the dark halos around nuclei that deconvolution
  leaves and real in-focus images do not have.
"""

from __future__ import annotations

import numpy as np

from napari_defocus_deblur.io.pairs import focus_measure

#: ADU below the input's dark percentile that count as ringing.
RINGING_MARGIN_ADU = 20.0
#: The input's dark percentile the ringing is measured from.
DARK_PERCENTILE = 0.5


def sharpness(image: np.ndarray, sigma: float = 1.5) -> float:
    """Band-pass sharpness: the focus measure of the Gaussian-smoothed image.

    Parameters
    ----------
    image
        A 2-D image (negative values are clipped to 0).
    sigma
        Gaussian sigma, pixels (removes pixel noise before the Laplacian).

    Returns
    -------
    float
        Normalised variance of the Laplacian; compare before and after as a ratio.
    """
    from scipy.ndimage import gaussian_filter

    smooth = gaussian_filter(np.clip(image, 0, None).astype(np.float64), sigma)
    return focus_measure(smooth)


def ringing_share(
    image: np.ndarray, restored: np.ndarray, margin_adu: float = RINGING_MARGIN_ADU
) -> float:
    """Share (0..1) of pixels of ``restored`` more than ``margin_adu`` below the darkest
    0.5 % of ``image``.

    Parameters
    ----------
    image
        The input as acquired.
    restored
        Its restoration, same shape and units.
    margin_adu
        How far below the input's dark percentile a pixel must fall to count.

    Returns
    -------
    float
        0 when the restoration keeps the input's dark floor.
    """
    floor = np.percentile(np.asarray(image, dtype=np.float64), DARK_PERCENTILE)
    return float(np.mean(np.asarray(restored, dtype=np.float64) < floor - margin_adu))
