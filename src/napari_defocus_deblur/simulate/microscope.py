"""The user's microscope: converts stage offsets between its optics and BBBC006's.

The bundled networks and the defocus estimator speak micrometres of stage offset under
BBBC006's calibrated optics (a 20x/0.45 dry objective imaging cells in water, 0.645 µm
pixels, Hoechst emission). Another microscope blurs differently at the same offset: a
finer pixel or a wider aperture puts more pixels of blur into every micrometre. A
:class:`Microscope` states those optics, and converts

- a stage offset a user knows into the offset at which BBBC006's optics blur as much
  (:meth:`Microscope.bbbc006_um`, what a network is told), and
- a reading of the estimator (BBBC006 micrometres) back into a stage offset under the
  stated optics (:meth:`Microscope.stage_um`),

by equal blur: the radius, in pixels, that holds 80 % of the simulator's PSF energy
(:mod:`.equivalence`). The simulator's calibration found that BBBC006's 0.45 objective
blurs like an ideal objective of NA 0.5 (``docs/simulator.md``); a stated aperture is
scaled by the same factor, so stating BBBC006's own optics changes nothing.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from napari_defocus_deblur import limits
from napari_defocus_deblur.constants import CHANNELS, NUMERICAL_APERTURE, PIXEL_SIZE_UM
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.simulate.equivalence import (
    blur_radius_px,
    nominal_offset_um,
    stage_offset_um,
)
from napari_defocus_deblur.simulate.prior import NOMINAL_DEFOCUS_SCALE, NOMINAL_NA
from napari_defocus_deblur.simulate.pupil import Optics
from napari_defocus_deblur.simulate.sampling import (
    MAX_COARSE_RATIO,
    MAX_REGRID_RATIO,
    SAMPLING_TOLERANCE,
    Regrid,
    off_grid,
)

__all__ = [
    "BOUNDS",
    "IMMERSION_MEDIA",
    "SAMPLING_TOLERANCE",
    "Microscope",
    "check_value",
]

#: The emission wavelength the bundled networks learnt (Hoechst), nm.
NETWORK_EMISSION_NM = CHANNELS[1][1]
#: Bounds of the stated values: (low, high) inclusive.
BOUNDS = {
    "na": (0.05, 1.5),
    "pixel_size_um": limits.PIXEL_SIZE_UM,
    "emission_nm": (350.0, 800.0),
    "immersion_index": (1.0, 1.6),
    "sample_index": (1.0, 1.6),
    "focal_shift_scale": (0.3, 3.0),
}
#: Refractive indices of the usual immersion media (``--immersion`` and the dock take
#: these names or a number).
IMMERSION_MEDIA = {"dry": 1.0, "water": 1.333, "silicone": 1.406, "glycerol": 1.47, "oil": 1.515}


def check_value(name: str, value: object, label: str | None = None) -> float:
    """``value`` as a float within :data:`BOUNDS` of ``name``; else one readable line
    naming it ``label`` (e.g. a command-line option; default: ``name``)."""
    low, high = BOUNDS[name]
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is None or not low <= number <= high:
        raise UserInputError(
            f"{label or name} must be within {low:g}..{high:g}, got {value!r:.40}"
        )
    return float(number)


def immersion_index(value: str | float, label: str = "immersion") -> float:
    """The refractive index of an immersion medium given by name (:data:`IMMERSION_MEDIA`)
    or as a number."""
    if isinstance(value, str):
        key = value.strip().lower()
        if key in IMMERSION_MEDIA:
            return IMMERSION_MEDIA[key]
        try:
            value = float(key)
        except ValueError:
            names = ", ".join(IMMERSION_MEDIA)
            raise UserInputError(
                f"{label} must be one of {names} or a refractive index, got {value!r:.40}"
            ) from None
    return check_value("immersion_index", value, label)


@dataclass(frozen=True)
class Microscope:
    """The optics an image was taken with (defaults: BBBC006's).

    Parameters
    ----------
    na
        Numerical aperture of the objective (BBBC006: 0.45).
    pixel_size_um
        Pixel size in the sample, µm (camera pixel / magnification x binning; BBBC006:
        0.645).
    emission_nm
        Emission wavelength of the stain, nm (Hoechst: 460).
    immersion_index
        Refractive index of the immersion medium the objective is designed for: 1.0 dry
        (BBBC006), 1.33 water, 1.515 oil.
    sample_index
        Refractive index of the sample's medium (cells in water: 1.33).
    focal_shift_scale
        How much farther the focus moves per micrometre of stage than on BBBC006's
        calibrated optics, when measured (e.g. from a bead stack); 1.0 otherwise.

    Raises
    ------
    UserInputError
        A value outside :data:`BOUNDS`, or an aperture the medium cannot carry.
    """

    na: float = NUMERICAL_APERTURE
    pixel_size_um: float = PIXEL_SIZE_UM
    emission_nm: float = NETWORK_EMISSION_NM
    immersion_index: float = 1.0
    sample_index: float = 1.33
    focal_shift_scale: float = 1.0

    def __post_init__(self) -> None:
        for name in BOUNDS:
            check_value(name, getattr(self, name))
        limit = min(self.immersion_index, self.sample_index)
        if self.effective_na >= limit:
            raise UserInputError(
                f"NA {self.na:g} is too wide for the simulator's model with immersion index "
                f"{self.immersion_index:g} and sample index {self.sample_index:g} (it models "
                f"apertures below {limit * NUMERICAL_APERTURE / NOMINAL_NA:.2f})"
            )

    @property
    def effective_na(self) -> float:
        """The aperture of the simulator's ideal objective that blurs as this one does."""
        return self.na * NOMINAL_NA / NUMERICAL_APERTURE

    @property
    def is_bbbc006(self) -> bool:
        """Are these BBBC006's optics (every conversion is then the identity)?"""
        return self == Microscope()

    def optics(self) -> Optics:
        """The simulator's :class:`~.pupil.Optics` for these optics."""
        return Optics(
            na=self.effective_na,
            defocus_scale=NOMINAL_DEFOCUS_SCALE * self.focal_shift_scale,
            wavelength_shift_nm=self.emission_nm - NETWORK_EMISSION_NM,
            ns=self.sample_index,
            ni=self.immersion_index,
            pixel_size_um=self.pixel_size_um,
        )

    def bbbc006_um(self, stage_um: float, side: str = "below") -> float:
        """The distance from focus, on the same ``side``, at which BBBC006's optics blur
        as much as these optics at ``stage_um`` (µm, >= 0): what a network is told. Pixels
        off BBBC006's grid are counted on it, as the networks see such images there
        (:meth:`regrid`)."""
        if self.is_bbbc006 or stage_um == 0:
            return float(stage_um)
        if off_grid(self.pixel_size_um):
            return self.on_bbbc006_grid().bbbc006_um(stage_um, side)
        sign = 1.0 if side == "above" else -1.0
        return abs(nominal_offset_um(sign * abs(stage_um), self.optics(), NETWORK_EMISSION_NM))

    def stage_um(self, bbbc006_um: float, side: str = "below") -> float:
        """What a reading of the estimator (``bbbc006_um``, blur read as micrometres below
        focus under BBBC006's optics) means under these optics: the stage offset (µm)
        on ``side`` of focus that blurs as much. Pixels off BBBC006's grid were read on
        it (finer ones binned onto it, :meth:`for_estimator`; coarser ones by the
        estimator fitted for them, in the same units), and are converted there."""
        if self.is_bbbc006 and side == "below":
            return float(bbbc006_um)
        if off_grid(self.pixel_size_um):
            self.warn_sampling()
            return self.on_bbbc006_grid().stage_um(bbbc006_um, side)
        return stage_offset_um(bbbc006_um, self.optics(), side == "above", NETWORK_EMISSION_NM)

    def sampling_note(self) -> str:
        """One line when the pixels are coarser than the estimator reads
        (:data:`~.sampling.MAX_COARSE_RATIO` times BBBC006's), else ``""``.

        Finer pixels are binned onto BBBC006's grid for the estimator
        (:meth:`for_estimator`); pixels up to four times coarser are read by perceptrons
        fitted on such cameras (``napari_defocus_deblur.estimate.coarse``); coarser still,
        the estimator reads them as if they were four times BBBC006's.
        """
        if self.pixel_size_um <= MAX_COARSE_RATIO * PIXEL_SIZE_UM:
            return ""
        return (
            f"the estimator learnt pixels up to {MAX_COARSE_RATIO * PIXEL_SIZE_UM:.2f} µm, "
            f"not {self.pixel_size_um:g} µm: estimates are not reliable there; tell the "
            "distance"
        )

    def regrid(self, shape: tuple[int, int]) -> Regrid | None:
        """How an image of ``shape`` is brought onto BBBC006's grid for networks that
        learnt it (:class:`~.sampling.Regrid`), or None when the pixels are within
        :data:`~.sampling.SAMPLING_TOLERANCE` of BBBC006's.

        Raises
        ------
        UserInputError
            Pixels coarser than :data:`~.sampling.MAX_REGRID_RATIO` times BBBC006's: the
            networks' restorations fell below the input there.
        """
        if not off_grid(self.pixel_size_um):
            return None
        limit = MAX_REGRID_RATIO * PIXEL_SIZE_UM
        if self.pixel_size_um > limit:
            raise UserInputError(
                f"{self.pixel_size_um:g} µm pixels are too coarse for the networks, which "
                f"learnt {PIXEL_SIZE_UM:g} µm: nuclei span a few pixels, and beyond "
                f"{limit:.2f} µm their restorations fell below the input (docs/inference.md, "
                "'Other pixel sizes')"
            )
        return Regrid((int(shape[-2]), int(shape[-1])), self.pixel_size_um)

    def on_bbbc006_grid(self) -> Microscope:
        """These optics, with BBBC006's pixels (an image after :meth:`regrid`)."""
        return replace(self, pixel_size_um=PIXEL_SIZE_UM)

    def for_estimator(self, image: np.ndarray) -> np.ndarray:
        """``image`` as the estimator should read it: pixels finer than BBBC006's beyond
        the tolerance binned onto its grid (:meth:`stage_um` converts such readings
        there), else unchanged (coarser pixels are read on their own by the estimator
        fitted for them)."""
        arr = np.asarray(image)
        if not self.finer_than_bbbc006 or arr.ndim != 2 or arr.dtype.kind not in "uif":
            return image
        return Regrid(arr.shape, self.pixel_size_um).apply(arr)

    @property
    def finer_than_bbbc006(self) -> bool:
        """Are the pixels finer than BBBC006's beyond :data:`~.sampling.SAMPLING_TOLERANCE`
        (the estimator then reads images binned onto its grid)?"""
        return off_grid(self.pixel_size_um) and self.pixel_size_um < PIXEL_SIZE_UM

    @property
    def coarser_than_bbbc006(self) -> bool:
        """Are the pixels coarser than BBBC006's beyond the tolerance (the estimator then
        reads images on their own pixels with perceptrons fitted for such cameras)?"""
        return off_grid(self.pixel_size_um) and self.pixel_size_um > PIXEL_SIZE_UM

    def warn_sampling(self) -> None:
        """Warn with :meth:`sampling_note`, once per process for each pixel size (a live
        preview plans a run at every change)."""
        if self.sampling_note():
            _warn_once(self.sampling_note())

    def blur_radius_px(self, stage_um: float, side: str = "below") -> float:
        """Radius (pixels) holding 80 % of the PSF's energy at ``stage_um`` on ``side``."""
        sign = 1.0 if side == "above" else -1.0
        return blur_radius_px(sign * abs(stage_um), self.optics(), NETWORK_EMISSION_NM)

    def describe(self) -> str:
        """E.g. ``"NA 0.75, 0.325 µm pixels, 520 nm, immersion 1, sample 1.33"``."""
        text = (
            f"NA {self.na:g}, {self.pixel_size_um:g} µm pixels, {self.emission_nm:g} nm, "
            f"immersion {self.immersion_index:g}, sample {self.sample_index:g}"
        )
        shift = self.focal_shift_scale
        return text + (f", focal shift x{shift:.3g}" if shift != 1 else "")


@cache
def _warn_once(note: str) -> None:
    warnings.warn(note, UserWarning, stacklevel=4)
