"""(out-of-focus, in-focus) image pairs for training and evaluation.

Two sources share one pair type, :class:`FieldPair`:

* a BBBC006 data set (real or simulated, same layout): :func:`find_pairs` pairs the plane
  ``depth`` below (or above) a reference plane with it (real BBBC006: 34 um is z_00 with
  the paper's z_17; :func:`~napari_defocus_deblur.constants.pair_planes`);
* a user's folder of z-stack TIFFs (one stack per field, axes ``ZYX``):
  :func:`find_stack_pairs` pairs plane ``in_focus + depth/z_step`` with the in-focus plane,
  which is given or found per stack by the normalised variance of the Laplacian.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from napari_defocus_deblur.constants import depth_steps
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.bbbc006 import discover
from napari_defocus_deblur.io.pairing import root_planes
from napari_defocus_deblur.io.stacks import (  # focus_measure: re-exported, home io.stacks
    find_in_focus_index,
    focus_measure,  # noqa: F401
    read_stack,
)
from napari_defocus_deblur.io.tiff import TIFF_SUFFIXES


@dataclass(frozen=True)
class FieldPair:
    """One field imaged out of focus and in focus.

    ``oof_index`` / ``in_focus_index`` select a plane of a z-stack file
    (:func:`find_stack_pairs`); they are None for single-plane files (BBBC006), whose
    BBBC006 planes are ``oof_plane`` / ``in_focus_plane`` (None for z-stacks).
    """

    field_id: str
    oof_path: Path
    in_focus_path: Path
    depth_um: float
    channel: int
    oof_index: int | None = None
    in_focus_index: int | None = None
    oof_plane: int | None = None
    in_focus_plane: int | None = None


@dataclass(frozen=True)
class PairSplit:
    """Train / validation / test pairs; a field is in exactly one of them."""

    train: tuple[FieldPair, ...]
    val: tuple[FieldPair, ...]
    test: tuple[FieldPair, ...]


def find_pairs(
    root: str | os.PathLike,
    depth_um: float,
    channel: int = 1,
    *,
    reference_plane: int | None = None,
    side: str = "below",
) -> list[FieldPair]:
    """Pairs of a BBBC006 layout at ``depth_um`` from a reference plane, sorted by field id.

    The blurred plane is ``depth_um`` ``side`` (``"below"``, the paper's, or ``"above"``)
    ``reference_plane``; None takes the data's own focus (z_16 for a simulated set, the
    paper's z_17 for real BBBC006: :func:`~napari_defocus_deblur.io.pairing.data_focus_plane`).
    Fields lacking one of the two planes are skipped with a warning.

    Raises
    ------
    UserInputError
        A plane outside BBBC006, no data for that depth or channel, or no reference plane.
    """
    plane, reference = root_planes(root, depth_um, reference_plane, side)
    index = discover(root)
    found = ", ".join(f"z_{z:02d}" for z in index.planes if z >= 0) or "none"
    if reference not in index.planes:
        raise UserInputError(
            f"no reference plane z_{reference:02d} in {root} (planes found: {found}); "
            "choose it with --reference-plane (17: the paper's ground truth, 16: BBBC006's "
            "documented focus)"
        )
    if plane not in index.planes:
        raise UserInputError(
            f"no images for {depth_um:g} µm {side} z_{reference:02d} (plane z_{plane:02d}) "
            f"in {root} (planes found: {found})"
        )
    if channel not in index.channels:
        have = ", ".join(f"w{c}" for c in index.channels)
        raise UserInputError(f"no channel w{channel} images in {root} (channels found: {have})")
    pairs, missing = [], []
    for field_id in index.fields(channel):
        oof, sharp = (index.path(field_id, channel, z) for z in (plane, reference))
        if oof is None or sharp is None:
            missing.append(field_id)
            continue
        planes = {"oof_plane": plane, "in_focus_plane": reference}
        pairs.append(FieldPair(field_id, oof, sharp, float(depth_um), channel, **planes))
    if missing:
        warnings.warn(
            f"{len(missing)} field(s) lack plane z_{plane:02d} or z_{reference:02d} in "
            f"channel w{channel} and were skipped: {', '.join(missing[:10])}",
            stacklevel=2,
        )
    if not pairs:
        raise UserInputError(
            f"no field of {root} has both plane z_{plane:02d} and z_{reference:02d} "
            f"in channel w{channel}"
        )
    return pairs


def discover_pairs(
    root: str | os.PathLike,
    depth_um: float,
    channel: int = 1,
    *,
    in_focus_index: int | None = None,
    z_step_um: float = 2.0,
    reference_plane: int | None = None,
    side: str | None = None,
) -> list[FieldPair]:
    """Field pairs of ``root``: a BBBC006 layout (real or simulated) or a folder of z-stacks.

    ``reference_plane`` and ``side`` (default ``"below"``) apply to BBBC006 layouts
    (:func:`find_pairs`), ``in_focus_index`` and ``z_step_um`` to z-stacks.

    Raises
    ------
    UserInputError
        Missing or empty folder, no pair at that depth, or a BBBC006 option for z-stacks.
    """
    from napari_defocus_deblur.io.bbbc006 import is_bbbc006

    root = Path(root).expanduser()
    if not root.exists():
        raise UserInputError(f"data folder not found: {root}")
    if root.is_dir() and not any(root.iterdir()):
        raise UserInputError(
            f"data folder {root} is empty: expected a BBBC006 layout "
            "(BBBC006_v1_images_z_NN folders) or z-stack TIFFs"
        )
    if is_bbbc006(root):
        return find_pairs(
            root, depth_um, channel, reference_plane=reference_plane, side=side or "below"
        )
    if reference_plane is not None or side is not None:
        raise UserInputError(
            f"{root} holds z-stacks, not BBBC006 planes: --reference-plane and --side apply "
            "to BBBC006 layouts (give --in-focus-index and a signed --depth for z-stacks)"
        )
    return find_stack_pairs(root, depth_um, in_focus_index=in_focus_index, z_step_um=z_step_um)


def find_stack_pairs(
    folder: str | os.PathLike,
    depth_um: float,
    in_focus_index: int | None = None,
    z_step_um: float = 2.0,
) -> list[FieldPair]:
    """Pairs from a folder of z-stack TIFFs (one ``ZYX`` stack per field).

    Parameters
    ----------
    folder
        Folder of ``.tif``/``.tiff`` stacks; the file stem is the field id.
    depth_um
        Defocus distance; positive pairs a plane with a higher index than the in-focus one.
    in_focus_index
        The in-focus plane of every stack (0-based); None finds it per stack with
        :func:`find_in_focus_index`.
    z_step_um
        Distance between planes.

    Stacks too short for the depth are skipped with a warning.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise UserInputError(f"not a folder: {folder}")
    steps = depth_steps(depth_um, z_step_um)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in TIFF_SUFFIXES)
    if not files:
        raise UserInputError(f"no .tif/.tiff z-stacks found in {folder}")
    pairs, skipped = [], []
    for path in files:
        stack = read_stack(path)
        if stack.ndim != 3:
            skipped.append(f"{path.name} (a single 2-D image, not a z-stack)")
            continue
        focus = find_in_focus_index(stack) if in_focus_index is None else int(in_focus_index)
        oof = focus + steps
        if not (0 <= focus < len(stack) and 0 <= oof < len(stack)):
            skipped.append(
                f"{path.name} (planes {focus} and {oof} not both in 0..{len(stack) - 1})"
            )
            continue
        pairs.append(FieldPair(path.stem, path, path, float(depth_um), 1, oof, focus))
    if skipped:
        warnings.warn(f"skipped {len(skipped)} stack(s): {'; '.join(skipped)}", stacklevel=2)
    if not pairs:
        raise UserInputError(f"no z-stack in {folder} reaches {depth_um:g} um from its focus")
    return pairs


def _plane(path: Path, index: int | None) -> np.ndarray:
    if index is None:
        image = read_stack(path)
        if image.ndim != 2:
            raise UserInputError(f"{path}: expected a single 2-D image, got shape {image.shape}")
        return image
    stack = read_stack(path)
    if stack.ndim != 3 or not 0 <= index < len(stack):
        raise UserInputError(f"{path}: plane {index} not in the stack of shape {stack.shape}")
    return stack[index]


def load_pair(pair: FieldPair) -> tuple[np.ndarray, np.ndarray]:
    """Read a pair as ``(out_of_focus, in_focus)`` float32 2-D arrays of equal shape."""
    oof = _plane(Path(pair.oof_path), pair.oof_index).astype(np.float32)
    sharp = _plane(Path(pair.in_focus_path), pair.in_focus_index).astype(np.float32)
    if oof.shape != sharp.shape:
        raise UserInputError(
            f"field {pair.field_id}: out-of-focus image {oof.shape} and in-focus image "
            f"{sharp.shape} differ in shape"
        )
    return oof, sharp


def _rank(field_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{field_id}".encode()).hexdigest()


def split_by_field(
    pairs: list[FieldPair],
    val_fraction: float = 0.1,
    test_fraction: float = 0.1,
    seed: int = 0,
) -> PairSplit:
    """Split pairs by field, deterministically for a seed.

    Fields are ordered by a hash of ``(seed, field_id)``; the first
    ``round(n * test_fraction)`` go to test, the next ``round(n * val_fraction)`` to
    validation (at least one each when the fraction is positive and enough fields exist).
    A field therefore lands in the same split at every depth.
    """
    if not (0 <= val_fraction < 1 and 0 <= test_fraction < 1 and val_fraction + test_fraction < 1):
        raise UserInputError(
            f"val_fraction ({val_fraction}) and test_fraction ({test_fraction}) must be in "
            "[0, 1) and sum to less than 1"
        )
    fields = sorted({p.field_id for p in pairs}, key=lambda f: _rank(f, seed))
    n = len(fields)

    def count(fraction: float) -> int:
        return max(1, round(n * fraction)) if fraction > 0 and n >= 3 else round(n * fraction)

    n_test, n_val = count(test_fraction), count(val_fraction)
    test_ids = set(fields[:n_test])
    val_ids = set(fields[n_test : n_test + n_val])

    def pick(ids: set[str] | None) -> tuple[FieldPair, ...]:
        chosen = [
            p
            for p in pairs
            if (p.field_id in ids if ids is not None else p.field_id not in test_ids | val_ids)
        ]
        return tuple(sorted(chosen, key=lambda p: (p.field_id, p.depth_um, p.channel)))

    return PairSplit(train=pick(None), val=pick(val_ids), test=pick(test_ids))
