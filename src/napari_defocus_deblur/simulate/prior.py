"""Domain randomisation: named priors over optics, camera and content.

A :class:`Prior` is a box of ranges; :meth:`Prior.draw` turns one seed into a concrete
:class:`Draw` (an :class:`~.pupil.Optics`, a :class:`~.camera.CameraModel` and a
:class:`~.content.ContentStyle`). Two presets ship:

``nominal``
    BBBC006 as calibrated (v3) on the real z_00 and in-focus images
    (``scripts/calibrate_optics.py``, ``docs/simulator.md``): a dry 20x objective of
    effective NA ``NOMINAL_NA`` into water, Gibson-Lanni PSF with index mismatch, the
    stage offset scaled by ``NOMINAL_DEFOCUS_SCALE``, below focus, the measured camera,
    BBBC006-like nuclei.
``wide``
    The training prior: every factor randomised around the nominal wide enough to cover
    what one real pair cannot pin down (NA 0.44-0.58, defocus scale 0.65-1.20 around the
    nominal 0.9, primary spherical aberration, emission shift, 20 % of images above
    focus), camera gain / offset / background / read noise, and content from sparse to
    confluent, nuclei of 8-40 px diameter, smooth to granular texture and 0-6 very bright
    compact bodies.
``nominal-v2``, ``wide-v2``
    The same presets as calibrated in v2 (NA 0.45, defocus scale 1.2; wide 0.40-0.55 and
    0.85-1.75), kept to reproduce the v2 zoo. Their micrometres read ~20 % short on real
    BBBC006 (real z_00 estimated at ~26 µm instead of 32-34 µm).

``<preset>+nominal-optics`` (e.g. ``wide+nominal-optics``)
    The preset's camera and content with the nominal optics fixed (NA, defocus scale, no
    aberration or emission shift, below focus; :func:`with_nominal_optics`): the
    calibrated BBBC006 microscope imaging everything the preset draws. Training mixes a
    share of such fields into the ``wide`` prior (``TrainConfig.nominal_optics_share``).
``<preset>+sparse-smooth`` (e.g. ``wide+sparse-smooth``, ``wide+nominal-optics+sparse-smooth``)
    The preset's optics and camera with few, smooth nuclei and at most one bright body
    (:func:`with_sparse_smooth`): content that is rare in ``wide`` (under 1 field in 250)
    and where a network told more blur than the image has paints dark rims. Training
    mixes a share of such fields in (``TrainConfig.sparse_smooth_share``).
``<preset>+bright-bodies`` (e.g. ``wide+bright-bodies``)
    The preset with 8-20 very bright compact (mitotic) bodies per field
    (:func:`with_bright_bodies`), which hold most of a blurred field's squared error and
    are rare in ``wide`` crops (``TrainConfig.bright_bodies_share``).

Everything drawn is a function of the seed (``numpy.random.default_rng``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.simulate.camera import CameraModel
from napari_defocus_deblur.simulate.content import ContentStyle
from napari_defocus_deblur.simulate.pupil import Optics

#: Effective numerical aperture of the calibrated nominal optics (calibration v3:
#: ``scripts/calibrate_optics.py``; the paired fit in the paper notes gives NA 0.5 at
#: -32 µm as well).
NOMINAL_NA = 0.5
#: Stage micrometres to Gibson-Lanni defocus micrometres at the nominal optics
#: (calibration v3: simulated z_00 from real in-focus content reads like real z_00).
NOMINAL_DEFOCUS_SCALE = 0.9
#: The v2 calibration (NA 0.45, scale 1.2), kept for the ``*-v2`` presets.
V2_NA, V2_DEFOCUS_SCALE = 0.45, 1.2

Span = tuple[float, float]


@dataclass(frozen=True)
class Draw:
    """One concrete sample of a prior."""

    optics: Optics
    camera: CameraModel
    style: ContentStyle
    above_focus: bool

    def to_dict(self) -> dict:
        """Plain dict (JSON provenance)."""
        return {
            "optics": self.optics.to_dict(),
            "camera": self.camera.to_dict(),
            "style": asdict(self.style),
            "above_focus": self.above_focus,
        }


@dataclass(frozen=True)
class Prior:
    """Ranges of the simulator's parameters (a degenerate range fixes the value)."""

    name: str
    na: Span = (NOMINAL_NA, NOMINAL_NA)
    defocus_scale: Span = (NOMINAL_DEFOCUS_SCALE, NOMINAL_DEFOCUS_SCALE)
    spherical_waves: Span = (0.0, 0.0)
    wavelength_shift_nm: Span = (0.0, 0.0)
    above_focus: float = 0.0
    gain: Span = (0.33, 0.33)
    offset: Span = (100.0, 100.0)
    background: Span = (22.0, 22.0)
    read_noise: Span = (1.5, 1.5)
    radius_px: Span = (9.0, 16.0)
    count: Span = (40.0, 230.0)
    fine_texture: Span = (0.12, 0.12)
    coarse_texture: Span = (0.08, 0.08)
    grain_sigma_px: Span = (1.2, 1.2)
    bright_bodies: Span = (1.5, 1.5)
    brightness: Span = (400.0, 950.0)
    randomise_content: bool = False

    def draw(self, rng: np.random.Generator) -> Draw:
        """A concrete optics / camera / content sample."""

        def u(span: Span) -> float:
            return float(span[0]) if span[0] == span[1] else float(rng.uniform(*span))

        optics = Optics(
            na=u(self.na),
            defocus_scale=u(self.defocus_scale),
            spherical_waves=u(self.spherical_waves),
            wavelength_shift_nm=u(self.wavelength_shift_nm),
        )
        camera = CameraModel(
            offset_adu=u(self.offset),
            background_adu=u(self.background),
            gain_adu_per_electron=u(self.gain),
            read_noise_adu=u(self.read_noise),
        )
        return Draw(optics, camera, self._style(rng, u), bool(rng.random() < self.above_focus))

    def _style(self, rng: np.random.Generator, u) -> ContentStyle:
        if not self.randomise_content:  # the ranges are the style's own ranges
            return ContentStyle(
                radius_px=self.radius_px,
                count=(int(self.count[0]), int(self.count[1])),
                fine_texture=self.fine_texture[0],
                coarse_texture=self.coarse_texture[0],
                grain_sigma_px=self.grain_sigma_px[0],
                bright_bodies=self.bright_bodies[0],
                brightness=self.brightness,
            )
        r0 = u((self.radius_px[0], self.radius_px[1] - 1.0))
        r1 = min(self.radius_px[1], r0 * rng.uniform(1.2, 1.8))
        n0 = u(self.count)
        n1 = min(self.count[1], n0 * rng.uniform(1.3, 3.0))
        b0 = u(self.brightness)
        return ContentStyle(
            radius_px=(r0, max(r0 + 1.0, r1)),
            count=(max(1, int(n0)), max(2, int(n1) + 1)),
            clustered=float(rng.uniform(0.3, 0.9)),
            fine_texture=u(self.fine_texture),
            coarse_texture=u(self.coarse_texture),
            grain_sigma_px=u(self.grain_sigma_px),
            bright_bodies=u(self.bright_bodies),
            brightness=(b0, b0 * 1.6),
        )

    def to_dict(self) -> dict:
        """Plain dict (JSON provenance)."""
        return asdict(self)


_WIDE = Prior(
    "wide",
    na=(0.44, 0.58),
    defocus_scale=(0.65, 1.20),
    spherical_waves=(-0.6, 0.6),
    wavelength_shift_nm=(-15.0, 25.0),
    above_focus=0.2,
    gain=(0.2, 0.6),
    offset=(90.0, 110.0),
    background=(5.0, 60.0),
    read_noise=(0.5, 4.0),
    radius_px=(4.0, 20.0),
    count=(5.0, 400.0),
    fine_texture=(0.02, 0.45),
    coarse_texture=(0.02, 0.2),
    grain_sigma_px=(0.7, 2.5),
    bright_bodies=(0.0, 6.0),
    brightness=(250.0, 1400.0),
    randomise_content=True,
)

PRESETS: dict[str, Prior] = {
    "nominal": Prior("nominal"),
    "wide": _WIDE,
    "nominal-v2": Prior(
        "nominal-v2", na=(V2_NA, V2_NA), defocus_scale=(V2_DEFOCUS_SCALE, V2_DEFOCUS_SCALE)
    ),
    "wide-v2": replace(_WIDE, name="wide-v2", na=(0.40, 0.55), defocus_scale=(0.85, 1.75)),
}


#: Suffix of a preset name that fixes the preset's optics to the nominal ones.
NOMINAL_OPTICS_SUFFIX = "+nominal-optics"
#: Suffix of a preset name that gives the preset sparse smooth content.
SPARSE_SMOOTH_SUFFIX = "+sparse-smooth"
#: Suffix of a preset name that gives the preset many very bright compact bodies.
BRIGHT_BODIES_SUFFIX = "+bright-bodies"


def with_nominal_optics(prior: str | Prior) -> Prior:
    """``prior``'s camera and content ranges with the calibrated nominal optics fixed.

    Examples
    --------
    >>> p = with_nominal_optics("wide")
    >>> p.name, p.na, p.defocus_scale, p.above_focus, p.randomise_content
    ('wide+nominal-optics', (0.5, 0.5), (0.9, 0.9), 0.0, True)
    """
    base = get_prior(prior)
    nominal = PRESETS["nominal"]
    optics = ("na", "defocus_scale", "spherical_waves", "wavelength_shift_nm", "above_focus")
    fixed = {name: getattr(nominal, name) for name in optics}
    return replace(base, name=base.name + NOMINAL_OPTICS_SUFFIX, **fixed)


def with_sparse_smooth(prior: str | Prior) -> Prior:
    """``prior``'s optics and camera with sparse, smooth content: 5-40 nuclei per field,
    fine and coarse texture 0.02-0.06, at most one very bright body (the robustness set's
    ``sparse-smooth`` cells sit inside these ranges).

    Examples
    --------
    >>> p = with_sparse_smooth("wide")
    >>> p.name, p.count, p.fine_texture, p.na, p.randomise_content
    ('wide+sparse-smooth', (5.0, 40.0), (0.02, 0.06), (0.44, 0.58), True)
    """
    base = get_prior(prior)
    return replace(
        base,
        name=base.name + SPARSE_SMOOTH_SUFFIX,
        count=(5.0, 40.0),
        fine_texture=(0.02, 0.06),
        coarse_texture=(0.02, 0.06),
        bright_bodies=(0.0, 1.0),
        randomise_content=True,
    )


def with_bright_bodies(prior: str | Prior) -> Prior:
    """``prior``'s optics, camera and nuclei with 8-20 very bright compact (mitotic)
    bodies per 520 x 696 field instead of the preset's few (``wide``: 0-6).

    Such bodies are 2-4 times as bright as the nuclei (real in-focus BBBC006 fields reach
    the camera's 4,095 on them) and hold most of a field's squared error once blurred;
    a 128-pixel training crop of ``wide`` holds about 0.14 of them, of this preset about
    0.6 (the robustness set's ``bright-compact`` cells have 8 per field).

    Examples
    --------
    >>> p = with_bright_bodies("wide")
    >>> p.name, p.bright_bodies, p.count, p.na
    ('wide+bright-bodies', (8.0, 20.0), (5.0, 400.0), (0.44, 0.58))
    """
    base = get_prior(prior)
    return replace(base, name=base.name + BRIGHT_BODIES_SUFFIX, bright_bodies=(8.0, 20.0))


#: Suffix -> what it does to the preset named before it (applied from the right).
_SUFFIXES = {
    NOMINAL_OPTICS_SUFFIX: with_nominal_optics,
    SPARSE_SMOOTH_SUFFIX: with_sparse_smooth,
    BRIGHT_BODIES_SUFFIX: with_bright_bodies,
}


def get_prior(name: str | Prior) -> Prior:
    """The preset called ``name`` (a :class:`Prior` is returned as it is); a name ending
    in ``+nominal-optics``, ``+sparse-smooth`` or ``+bright-bodies`` is the preset before
    it with the nominal optics (:func:`with_nominal_optics`), sparse smooth content
    (:func:`with_sparse_smooth`) or many bright bodies (:func:`with_bright_bodies`)."""
    if isinstance(name, Prior):
        return name
    name = str(name)
    for suffix, change in _SUFFIXES.items():
        if name.endswith(suffix) and name != suffix:
            return change(name.removesuffix(suffix))
    try:
        return PRESETS[name]
    except KeyError:
        raise UserInputError(
            f"unknown simulator preset {name!r}; choose one of {', '.join(PRESETS)} "
            f"(or one of them followed by {' or '.join(_SUFFIXES)})"
        ) from None
