"""Facts about BBBC006 and its optics, shared by reader, simulator, training and evaluation.

Sources: the BBBC006 description (Broad Bioimage Benchmark Collection, Ljosa et al. 2012)
and ``docs/optics.md``.
"""

from __future__ import annotations

#: The in-focus plane of BBBC006 (0-based; the paper's "z = 17" is 1-based).
IN_FOCUS_PLANE = 16
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


def depth_to_plane(depth_um: float, above: bool = True) -> int:
    """The BBBC006 plane at ``depth_um`` of stage offset (above focus by default)."""
    steps = round(abs(depth_um) / Z_STEP_UM)
    return IN_FOCUS_PLANE + steps if above else IN_FOCUS_PLANE - steps


#: napari colormap per channel (the sample data and the reader use the same).
CHANNEL_COLORMAPS = {1: "cyan", 2: "magenta"}
