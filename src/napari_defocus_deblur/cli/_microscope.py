"""The microscope options of the commands that read or tell distances (``predict``,
``focus-map``)."""

from __future__ import annotations

import argparse
from typing import Any

#: option destination -> (Microscope field, option as typed)
OPTIONS = {
    "na": ("na", "--na"),
    "pixel_size": ("pixel_size_um", "--pixel-size"),
    "emission": ("emission_nm", "--emission"),
    "sample_index": ("sample_index", "--sample-index"),
    "focal_shift_scale": ("focal_shift_scale", "--focal-shift-scale"),
}


#: What stating the optics does in ``predict`` (the group's description by default).
PREDICT_EFFECT = (
    "a --depth is then the stage offset under them, and the bundled networks are told "
    "the distance at which BBBC006's optics blur as much"
)


def add_microscope_arguments(
    parser: argparse.ArgumentParser, effect: str = PREDICT_EFFECT
) -> None:
    """``--na``, ``--pixel-size``, ``--emission``, ``--immersion``, ``--sample-index``
    and ``--focal-shift-scale`` (default: BBBC006's optics); ``effect`` says in the help
    what stating them does in the command."""
    group = parser.add_argument_group(
        "microscope",
        f"the optics the images were taken with, when they are not BBBC006's: {effect}",
    )
    from napari_defocus_deblur.simulate.microscope import Microscope

    bbbc006 = Microscope()  # the defaults the help names
    group.add_argument(
        "--na", type=float, help=f"numerical aperture of the objective ({bbbc006.na:g})"
    )
    group.add_argument(
        "--pixel-size",
        type=float,
        metavar="UM",
        help=f"pixel size, µm ({bbbc006.pixel_size_um:g}, or with no option given a file's "
        "recorded finer one); more than 25 %% off, the image is deblurred on that grid and "
        "brought back",
    )
    group.add_argument(
        "--emission", type=float, metavar="NM", help=f"emission, nm ({bbbc006.emission_nm:g})"
    )
    group.add_argument(
        "--immersion", metavar="MEDIUM", help="dry (default), water, silicone, glycerol, oil "
        "or a refractive index",
    )  # fmt: skip
    group.add_argument(
        "--sample-index",
        type=float,
        metavar="N",
        help=f"refractive index of the sample ({bbbc006.sample_index:g})",
    )
    group.add_argument(
        "--focal-shift-scale", type=float, metavar="X",
        help="the focal shift per µm of stage relative to BBBC006's, if measured (1)",
    )  # fmt: skip


def microscope_from(args: argparse.Namespace) -> Any:
    """The :class:`~napari_defocus_deblur.simulate.microscope.Microscope` the options
    state, or None when none is given (UserInputError naming the option when out of
    bounds)."""
    from napari_defocus_deblur.simulate.microscope import Microscope, check_value, immersion_index

    values = {
        field: check_value(field, getattr(args, dest), option)
        for dest, (field, option) in OPTIONS.items()
        if getattr(args, dest, None) is not None
    }
    if getattr(args, "immersion", None) is not None:
        values["immersion_index"] = immersion_index(args.immersion, "--immersion")
    return Microscope(**values) if values else None
