"""How strongly does an image carry a period-2/4 lattice? ``lattice_ratio``.

A stride-2 transposed convolution gives neighbouring output pixels different kernels,
so a network built from them paints a faint grid of period 2 (and 4 after two such
layers) over everything it restores (Odena et al. 2016, "Deconvolution and
checkerboard artifacts"). In the power spectrum the grid is a set of sharp peaks at the
lattice frequencies; natural images and camera noise are smooth there. The ratio of
the power at a lattice frequency to the median power of the 7 x 7 bins around it
measures the grid: ~1 for an image without one, far above 10 for a visible grid (in-
focus BBBC006 images: <= 7).
"""

from __future__ import annotations

import numpy as np

#: Lattice frequencies (cycles per pixel along y, x) and their names.
LATTICE_FREQUENCIES: dict[str, tuple[float, float]] = {
    "nyquist_diagonal": (0.5, 0.5),
    "nyquist_vertical": (0.5, 0.0),
    "nyquist_horizontal": (0.0, 0.5),
    "half_nyquist_vertical": (0.25, 0.0),
    "half_nyquist_horizontal": (0.0, 0.25),
}
#: Side of the neighbourhood whose median power is the reference.
NEIGHBOURHOOD = 7


def _power(image: np.ndarray) -> np.ndarray:
    from scipy import fft

    img = np.asarray(image, dtype=np.float64)
    img = img - img.mean()
    window = np.outer(np.hanning(img.shape[0]), np.hanning(img.shape[1]))
    return np.abs(fft.fft2(img * window)) ** 2


def lattice_ratios(image: np.ndarray) -> dict[str, float]:
    """Power at each of :data:`LATTICE_FREQUENCIES` over its neighbourhood's median.

    Parameters
    ----------
    image
        2-D image (any numeric type), at least 16 x 16 pixels.

    Returns
    -------
    dict
        Frequency name -> ratio (1 for no lattice; the spectrum wraps around at the
        edges, so Nyquist bins have full neighbourhoods).

    Raises
    ------
    ValueError
        Not a 2-D image of at least 16 x 16 pixels.
    """
    arr = np.asarray(image)
    if arr.ndim != 2 or min(arr.shape) < 16:
        raise ValueError(f"lattice_ratio needs a 2-D image of at least 16 x 16, got {arr.shape}")
    power = _power(arr)
    h, w = power.shape
    half = NEIGHBOURHOOD // 2
    offsets = np.arange(-half, half + 1)
    out = {}
    for name, (fy, fx) in LATTICE_FREQUENCIES.items():
        iy, ix = round(fy * h) % h, round(fx * w) % w
        # the peak's own bin and its window leakage (+-1 bin) are not the reference
        block = power[np.ix_((iy + offsets) % h, (ix + offsets) % w)].copy()
        block[half - 1 : half + 2, half - 1 : half + 2] = np.nan
        reference = float(np.nanmedian(block))
        peak = float(power[iy, ix])
        out[name] = peak / reference if reference > 0 else (0.0 if peak == 0 else np.inf)
    return out


def lattice_ratio(image: np.ndarray) -> float:
    """The largest of :func:`lattice_ratios`: how visible the worst lattice line is.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> noise = rng.normal(size=(128, 128))
    >>> lattice_ratio(noise) < 10
    True
    >>> grid = noise + 0.5 * (np.indices((128, 128)).sum(0) % 2)
    >>> lattice_ratio(grid) > 100
    True
    """
    return max(lattice_ratios(image).values())
