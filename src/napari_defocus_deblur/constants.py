"""Facts about BBBC006 and its optics, shared by reader, simulator, training and evaluation.

Sources: the BBBC006 description (Broad Bioimage Benchmark Collection, Ljosa et al. 2012)
and ``docs/optics.md``.
"""

from __future__ import annotations

from napari_defocus_deblur.errors import UserInputError

#: BBBC006's documented in-focus plane; also the focus (stage offset 0) of the simulator.
IN_FOCUS_PLANE = 16
#: The paper's ground-truth plane: its 34/28/22/16/10 um are z_00/03/06/09/12 below z_17.
PAPER_REFERENCE_PLANE = 17
#: The planes of the paper's 34 um pair (what ``fetch-bbbc006`` downloads by default).
PAPER_PAIR_PLANES = (0, PAPER_REFERENCE_PLANE)
#: Sides of the reference plane a blurred plane can lie on; "below" (lower z) is the paper's.
SIDES = ("below", "above")
#: Planes the simulator writes by default: the in-focus z_16 and 32/26/20/14/8 um below it.
SIMULATOR_PLANES = (0, 3, 6, 9, 12, 16)
#: Number of planes in BBBC006 (z_00 .. z_33).
N_PLANES = 34
#: Stage step between planes, micrometres.
Z_STEP_UM = 2.0
#: Pixel size in the sample, micrometres (6.45 um camera pixels, 2x2 binning, 20x).
PIXEL_SIZE_UM = 0.645
#: The defocus distances the paper reports (micrometres of stage offset).
PAPER_DEPTHS_UM = (10, 16, 22, 28, 34)
#: The distance from focus assumed wherever none is given (API, CLI, widgets, demo).
DEFAULT_DEPTH_UM = 34.0
#: Image size of a BBBC006 field (rows, columns).
FIELD_SHAPE = (520, 696)
#: Fluorescence channels: BBBC006 channel index -> (stain, emission wavelength nm).
CHANNELS = {1: ("Hoechst 33342", 460.0), 2: ("phalloidin", 520.0)}
#: Objective used for simulation (20x dry; NA 0.45 typical for that class).
NUMERICAL_APERTURE = 0.45
#: 12-bit camera data stored in uint16.
CAMERA_MAX = 4095


def plane_to_offset_um(plane: int) -> float:
    """Stage offset of a BBBC006 plane from focus, in micrometres: ``(z - 16) * 2``."""
    return (plane - IN_FOCUS_PLANE) * Z_STEP_UM


def pair_planes(depth_um: float, reference_plane: int, side: str = "below") -> tuple[int, int]:
    """``(blurred_plane, reference_plane)``: the plane ``depth_um`` from the reference.

    The one rule that turns a defocus distance into BBBC006 planes (training,
    evaluation, simulated sets). ``side="below"`` (the paper's) counts down from the
    reference plane: 34 um below z_17 is z_00; ``"above"`` counts up.

    Raises
    ------
    UserInputError
        A distance that is not a positive multiple of 2 um, a side other than
        ``SIDES``, or a plane outside z_00..z_33 (one line saying which plane would do).
    """
    if side not in SIDES:
        raise UserInputError(f"side must be 'below' or 'above', got {side!r}")
    from numbers import Integral

    valid = isinstance(reference_plane, Integral) and not isinstance(reference_plane, bool)
    if not valid or not 0 <= reference_plane < N_PLANES:
        raise UserInputError(
            f"reference plane must be a BBBC006 plane within 0..{N_PLANES - 1}, "
            f"got {reference_plane!r}"
        )
    reference = int(reference_plane)
    steps = depth_steps(depth_um)
    if steps < 0:
        raise UserInputError(
            f"depth must be a positive distance from focus, got {float(depth_um):g} µm; "
            "choose the side of focus with side 'below' or 'above' (--side)"
        )
    blurred = reference - steps if side == "below" else reference + steps
    if not 0 <= blurred < N_PLANES:
        raise UserInputError(_outside_message(depth_um, reference, side, steps))
    return blurred, reference


def depth_steps(depth_um: float, z_step_um: float = Z_STEP_UM) -> int:
    """Signed plane steps of a stage offset (a non-zero multiple of ``z_step_um``)."""
    import math

    try:
        depth, step = float(depth_um), float(z_step_um)
    except (TypeError, ValueError):
        raise UserInputError(f"depth must be a number of micrometres, got {depth_um!r}") from None
    if not math.isfinite(depth) or depth == 0:
        raise UserInputError(f"depth must be a non-zero number of micrometres, got {depth:g}")
    if not step > 0:
        raise UserInputError(f"z step must be positive, got {step:g} um")
    steps = depth / step
    if abs(steps - round(steps)) > 1e-6:
        raise UserInputError(f"depth {depth:g} um is not a multiple of the z step {step:g} um")
    return round(steps)


def _outside_message(depth_um: float, reference: int, side: str, steps: int) -> str:
    """Why ``depth_um`` on ``side`` of z_<reference> leaves BBBC006, and what would fit."""
    edge = 0 if side == "below" else N_PLANES - 1
    reach = abs(reference - edge) * Z_STEP_UM
    text = (
        f"{depth_um:g} µm {side} z_{reference:02d} is outside BBBC006 "
        f"(z_{edge:02d} is {reach:g} µm {side} z_{reference:02d})"
    )
    if steps >= N_PLANES:
        return text + f"; BBBC006 spans {(N_PLANES - 1) * Z_STEP_UM:g} µm"
    fit = steps if side == "below" else N_PLANES - 1 - steps
    paper = "the paper's " if side == "below" and fit == PAPER_REFERENCE_PLANE else ""
    return text + (
        f"; use --reference-plane {fit} for {paper}{depth_um:g} µm (z_{edge:02d} vs z_{fit:02d})"
    )


def depth_to_plane(depth_um: float, above: bool = True) -> int:
    """The plane ``depth_um`` from BBBC006's documented focus z_16 (:func:`pair_planes`)."""
    return pair_planes(depth_um, IN_FOCUS_PLANE, "above" if above else "below")[0]


#: napari colormap per channel (the sample data and the reader use the same).
CHANNEL_COLORMAPS = {1: "cyan", 2: "magenta"}
