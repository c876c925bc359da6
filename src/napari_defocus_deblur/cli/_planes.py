"""``--reference-plane`` and ``--side``: which BBBC006 planes ``train`` and ``evaluate`` pair
and ``predict`` takes from a BBBC006 root.

The rule is :func:`napari_defocus_deblur.constants.pair_planes`; the default reference
plane is the data's own focus (:func:`napari_defocus_deblur.io.pairing.data_focus_plane`).
"""

from __future__ import annotations

import argparse

from napari_defocus_deblur.constants import N_PLANES, SIDES

#: ``--side`` of ``train`` and ``evaluate``: which planes are paired.
PAIRING_SIDE_HELP = (
    "BBBC006 layouts: the blurred plane lies below (default, the paper's: 34 µm below z_17 "
    "is z_00) or above the reference plane"
)
#: ``--side`` of ``predict``: where the images lie, and which plane of a BBBC006 root.
PREDICT_SIDE_HELP = (
    "side of focus the images lie on: below (default, the paper's) or above; above focus "
    "the networks are told a shorter distance, allowing for the focal shift (10 µm above: "
    "8.4 µm); BBBC006 roots: the plane --depth below or above the reference plane"
)


def add_plane_arguments(p: argparse.ArgumentParser, *, predict: bool = False) -> None:
    """Add ``--reference-plane`` and ``--side`` to ``p`` (default None: the data's focus;
    ``--side`` of ``predict`` defaults to "below", which is also what None pairs)."""
    p.add_argument(
        "--reference-plane",
        type=int,
        choices=range(N_PLANES),
        default=None,
        metavar="Z",
        help="BBBC006 layouts: the plane the blurred plane is paired with, 0..33 (default: "
        "the data's focus: 16 for a set written by 'defocus-deblur simulate', which records "
        "it; 17 for real BBBC006, the paper's ground truth; 16 is BBBC006's documented focus)",
    )
    p.add_argument(
        "--side",
        choices=SIDES,
        default="below" if predict else None,
        help=PREDICT_SIDE_HELP if predict else PAIRING_SIDE_HELP,
    )
