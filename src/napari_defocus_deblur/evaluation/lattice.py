"""How strongly does an image carry a period-2/4 lattice? ``lattice_ratio``.

A stride-2 transposed convolution gives neighbouring output pixels different kernels,
so a network built from them paints a faint grid of period 2 (and 4 after two such
layers) over everything it restores (Odena et al. 2016, "Deconvolution and
checkerboard artifacts"). In the power spectrum the grid is a set of sharp peaks at the
lattice frequencies; natural images and camera noise are smooth there. The ratio of
the power at a lattice frequency to the median power of the 7 x 7 bins around it
measures the grid: ~1 for an image without one, far above 10 for a visible grid (the
8 real in-focus BBBC006 images: median 2.5).

One image's ratio is a noisy statistic. The three Nyquist bins of a real image are real
numbers, so where an image holds only noise there their power follows a chi-square law
with one degree of freedom, whose tail is far heavier than the median of the complex
bins around them: white noise with no lattice at all reads above 10 in about 1-2 % of
520 x 696 fields per Nyquist frequency and 5.5 % at the worst of the five
(``python scripts/lattice_statistics.py``). A lattice painted by a network is the same
on every image it restores, a fluctuation is not: :func:`set_lattice_ratio` averages
the power spectra of a set of same-sized images before taking the ratio, which keeps a
systematic grid at its per-image height and shrinks the fluctuations (sets of 24 noise
fields of 520 x 696: median 1.20, max 1.64 over 20 sets).
"""

from __future__ import annotations

from collections.abc import Iterable

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


def lattice_blocks(image: np.ndarray) -> np.ndarray:
    """The power around each lattice frequency: what every ratio here is computed from.

    Parameters
    ----------
    image
        2-D image (any numeric type), at least 16 x 16 pixels.

    Returns
    -------
    numpy.ndarray
        ``(len(LATTICE_FREQUENCIES), 7, 7)`` float64: the windowed power spectrum's
        7 x 7 bins centred on each frequency (wrapping at the edges). Blocks of
        same-sized images add up to the blocks of their summed spectra, so a set's ratio
        can be taken from stored blocks (:func:`ratios_of_blocks`).

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
    offsets = np.arange(NEIGHBOURHOOD) - NEIGHBOURHOOD // 2
    blocks = []
    for fy, fx in LATTICE_FREQUENCIES.values():
        iy, ix = round(fy * h) % h, round(fx * w) % w
        blocks.append(power[np.ix_((iy + offsets) % h, (ix + offsets) % w)])
    return np.stack(blocks)


def ratios_of_blocks(blocks: np.ndarray) -> dict[str, float]:
    """Centre bin over the median of the ring around it, per frequency of ``blocks``.

    Parameters
    ----------
    blocks
        :func:`lattice_blocks` of one image, or the sum of several same-sized images'.

    Returns
    -------
    dict
        Frequency name -> ratio (as :func:`lattice_ratios`).
    """
    half = NEIGHBOURHOOD // 2
    out = {}
    for name, block in zip(LATTICE_FREQUENCIES, np.asarray(blocks, dtype=np.float64)):
        ring = block.copy()
        # the peak's own bin and its window leakage (+-1 bin) are not the reference
        ring[half - 1 : half + 2, half - 1 : half + 2] = np.nan
        reference = float(np.nanmedian(ring))
        peak = float(block[half, half])
        out[name] = peak / reference if reference > 0 else (0.0 if peak == 0 else np.inf)
    return out


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
    return ratios_of_blocks(lattice_blocks(image))


def set_lattice_ratios(images: Iterable[np.ndarray]) -> dict[str, float]:
    """:func:`lattice_ratios` of the mean power spectrum of same-sized images.

    A grid a network paints on every image it restores keeps its per-image ratio here;
    the chance peaks of single images average out (module docstring).

    Parameters
    ----------
    images
        2-D images of one shape, at least 16 x 16 pixels each.

    Returns
    -------
    dict
        Frequency name -> ratio of the set's mean power.

    Raises
    ------
    ValueError
        No images, one that is not a 2-D image of at least 16 x 16, or shapes that differ.
    """
    total, shape = None, None
    for image in images:
        blocks = lattice_blocks(image)
        if shape is not None and np.shape(image) != shape:
            raise ValueError(
                f"set_lattice_ratio needs one shape, got {shape} and {np.shape(image)}"
            )
        shape = np.shape(image)
        total = blocks if total is None else total + blocks
    if total is None:
        raise ValueError("set_lattice_ratio needs at least one image")
    return ratios_of_blocks(total)


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


def set_lattice_ratio(images: Iterable[np.ndarray]) -> float:
    """The largest of :func:`set_lattice_ratios`: the worst lattice line common to a set.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> fields = [rng.normal(size=(128, 128)) for _ in range(16)]
    >>> set_lattice_ratio(fields) < 3
    True
    >>> grid = 0.5 * (np.indices((128, 128)).sum(0) % 2)
    >>> set_lattice_ratio([f + grid for f in fields]) > 100
    True
    """
    return max(set_lattice_ratios(images).values())
