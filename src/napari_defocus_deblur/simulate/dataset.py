"""Write a simulated data set in exactly the BBBC006 layout.

``OUT/BBBC006_v1_images_z_NN/mcf-z-stacks-03212011_<well>_s<site>_w<ch><uuid4>.tif``,
uint16 (12-bit values), LZW-compressed, one file per field, channel and plane, plus
``OUT/simulation.json`` recording the parameters and the in-focus plane (z_16), which
pairing takes as the set's reference plane. Reading, training and evaluation then
use one code path for simulated and real data.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.constants import (
    CHANNELS,
    FIELD_SHAPE,
    IN_FOCUS_PLANE,
    N_PLANES,
    SIMULATOR_PLANES,
    plane_to_offset_um,
)
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.io.bbbc006 import format_name, plane_dir_name, plate_fields
from napari_defocus_deblur.io.tiff import read_image, write_tiff
from napari_defocus_deblur.progress import drive, with_signature_of
from napari_defocus_deblur.simulate.camera import CameraModel
from napari_defocus_deblur.simulate.content import content_files, fit_to_shape
from napari_defocus_deblur.simulate.field import simulate_field, simulate_prior_field
from napari_defocus_deblur.simulate.optics import DEFOCUS_SPREAD, FOCAL_SHIFT_FACTOR
from napari_defocus_deblur.simulate.prior import get_prior

#: z_16 in focus and z_00/03/06/09/12, 32/26/20/14/8 um below it (the paper's side).
DEFAULT_PLANES = SIMULATOR_PLANES


@dataclass(frozen=True)
class FieldWritten:
    """Progress event: ``done`` of ``total`` fields written (all planes and channels)."""

    done: int
    total: int
    field_id: str


def _check(planes: Sequence[int], channels: Sequence[int], n_fields: int) -> tuple[int, ...]:
    bad = [p for p in planes if not 0 <= int(p) < N_PLANES]
    if bad:
        raise UserInputError(f"planes must be within 0..{N_PLANES - 1}, got {bad}")
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        raise UserInputError(f"channels must be among {sorted(CHANNELS)}, got {list(channels)}")
    plate_fields(n_fields)  # validates the count
    return tuple(sorted({IN_FOCUS_PLANE, *(int(p) for p in planes)}))


def _real_content(files: list[Path], index: int, shape, rng) -> tuple[np.ndarray, np.ndarray]:
    """(signal above background, camera image) from a real in-focus image, cropped."""
    image, meta = read_image(files[index % len(files)])
    if image.ndim != 2:
        raise UserInputError(
            f"{meta['source']}: content images must be 2-D grayscale, got shape {image.shape}"
        )
    crop = fit_to_shape(image, shape, rng).astype(np.float64)
    signal = np.clip(crop - np.percentile(crop, 1), 0, None)
    return signal, np.clip(crop, 0, 4095).astype(np.uint16)


def _real_content_fields(n_fields: int, fraction: float, seed: int) -> dict[int, int]:
    """Field index -> running number of the real-content fields (a seeded choice)."""
    n_real = round(n_fields * fraction)
    order = np.random.default_rng([seed, 11]).permutation(n_fields)[:n_real]
    return {int(i): k for k, i in enumerate(sorted(order.tolist()))}


def iter_write_dataset(
    out_dir: str | os.PathLike,
    n_fields: int,
    planes: Sequence[int] = DEFAULT_PLANES,
    *,
    seed: int = 0,
    channels: Sequence[int] = (1, 2),
    shape: tuple[int, int] = FIELD_SHAPE,
    content_dir: str | os.PathLike | None = None,
    content_fraction: float = 1.0,
    preset: str | None = None,
) -> Generator[FieldWritten, None, Path]:
    """Like :func:`write_dataset`, yielding a :class:`FieldWritten` after every field.

    ``preset`` (``"nominal"``, ``"wide"``) draws every field's optics, camera and
    content from that prior with the Gibson-Lanni PSF (:func:`simulate_prior_field`);
    None keeps the first-round simulator.
    """
    planes = _check(planes, channels, n_fields)
    check_budget(shape, seed)
    if preset is not None:
        get_prior(preset)
    if not 0.0 <= content_fraction <= 1.0:
        raise UserInputError(f"content fraction must be in [0, 1], got {content_fraction}")
    out = Path(out_dir)
    _check_empty(out, planes)
    sources = _content_sources(content_dir, channels)
    for plane in planes:
        (out / plane_dir_name(plane)).mkdir(parents=True, exist_ok=True)
    names = random.Random(f"bbbc006-sim-{seed}")
    fields = plate_fields(n_fields)
    real_fields = _real_content_fields(n_fields, content_fraction, seed)
    for i, (well, site) in enumerate(fields):
        field_seed = int(np.random.SeedSequence([seed, i]).generate_state(1)[0])
        for ch in channels:
            real = sources[ch] if sources.get(ch) and i in real_fields else None
            images = _simulate_channel(
                planes, ch, field_seed, shape, preset, real, real_fields.get(i, 0)
            )
            for plane in planes:
                uid = str(uuid.UUID(int=names.getrandbits(128), version=4))
                path = out / plane_dir_name(plane) / format_name(well, site, ch, uid)
                write_tiff(path, images[plane_to_offset_um(plane) or 0.0])
        yield FieldWritten(i + 1, len(fields), f"{well}_s{site}")
    info = {
        "generator": "napari-defocus-deblur simulate",
        "seed": seed,
        "fields": n_fields,
        "planes": list(planes),
        "in_focus_plane": IN_FOCUS_PLANE,  # the default reference plane of find_pairs
        "channels": list(channels),
        "shape": list(shape),
        "content_dir": None if content_dir is None else str(content_dir),
        "content_fraction": content_fraction if content_dir is not None else 0.0,
        "real_content_fields": sorted(real_fields) if content_dir is not None else [],
        "preset": preset,
        "focal_shift_factor": FOCAL_SHIFT_FACTOR,
        "defocus_spread": DEFOCUS_SPREAD,
        "camera": CameraModel().to_dict(),
    }
    (out / "simulation.json").write_text(json.dumps(info, indent=2) + "\n")
    return out


#: Peak memory of simulating one field, per pixel (measured: ~80 bytes at 1040 x 1392).
BYTES_PER_PIXEL = 100


def check_budget(shape: tuple[int, int], seed: int) -> None:
    """Refuse, before any work, a seed NumPy rejects or a field that does not fit in RAM."""
    from napari_defocus_deblur.resources import check_fits

    if not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise UserInputError(f"seed must be a whole number within 0 .. 4294967295, got {seed!r}")
    rows, cols = (int(n) for n in shape)
    check_fits(
        BYTES_PER_PIXEL * rows * cols,
        f"simulating a {rows} x {cols} field",
        "use a smaller --shape (BBBC006: 520 696)",
    )


def _check_empty(out: Path, planes: Sequence[int]) -> None:
    """Refuse to write into plane folders that already hold files, or over a record."""
    if out.exists() and not out.is_dir():
        raise UserInputError(f"output {out} exists and is not a folder")
    for plane in planes:
        folder = out / plane_dir_name(plane)
        if folder.is_dir() and any(folder.iterdir()):
            raise UserInputError(
                f"{folder} already holds files; write the simulated set to an empty folder"
            )
    if (out / "simulation.json").exists():
        raise UserInputError(
            f"{out / 'simulation.json'} already exists; write the simulated set to an empty folder"
        )


def _content_sources(
    content_dir: str | os.PathLike | None, channels: Sequence[int]
) -> dict[int, list[Path]]:
    """Real content images per channel (empty without ``content_dir``)."""
    sources: dict[int, list[Path]] = {}
    if content_dir is None:
        return sources
    if not Path(content_dir).is_dir():
        raise UserInputError(f"content folder not found: {content_dir}")
    for ch in channels:
        sources[ch] = content_files(content_dir, ch)
    if not any(sources.values()):
        raise UserInputError(f"no .tif/.tiff/.png images in content folder {content_dir}")
    return sources


def _simulate_channel(
    planes: Sequence[int],
    channel: int,
    field_seed: int,
    shape: tuple[int, int],
    preset: str | None,
    real: list[Path] | None,
    real_index: int,
) -> dict[float, np.ndarray]:
    """Images of one field and channel, keyed by stage offset.

    The content is ``real[real_index]`` (cropped) when ``real`` is given, else
    procedural cells.
    """
    content = in_focus = None
    if real is not None:
        crop_rng = np.random.default_rng([field_seed, 3, channel])
        content, in_focus = _real_content(real, real_index, shape, crop_rng)
    offsets = [plane_to_offset_um(p) for p in planes]
    common = {"seed": field_seed, "channel": channel, "shape": shape}
    if preset is None:
        return simulate_field(offsets, content=content, in_focus=in_focus, **common)
    images, _ = simulate_prior_field(
        offsets, prior=preset, content=content, in_focus=in_focus, **common
    )
    return images


@with_signature_of(iter_write_dataset)
def write_dataset(
    *args: Any, progress: Callable[[FieldWritten], Any] | None = None, **kwargs: Any
) -> Path:
    """Simulate ``n_fields`` fields (plate order a01 s1, a01 s2, ...) in BBBC006 layout.

    Parameters
    ----------
    out_dir
        Output root; its plane folders must be absent or empty.
    n_fields
        Number of fields (1..768).
    planes
        BBBC006 plane indices; plane 16 (in focus) is always written.
    seed
        The whole set (pixels and uuids) is a function of the seed.
    channels
        1 (Hoechst) and/or 2 (phalloidin).
    shape
        Image shape (BBBC006: 520 x 696).
    content_dir
        Optional folder of real in-focus images used as content instead of procedural
        cells (cycled over fields, randomly cropped and flipped); that image is then the
        in-focus plane.
    content_fraction
        Share of the fields that take real content when ``content_dir`` is given (a
        seeded choice); the others get procedural cells.
    preset
        Simulator prior (one of ``PRESETS``) or None for the first-round simulator.

    progress
        Called with every :class:`FieldWritten`.

    Takes :func:`iter_write_dataset`'s arguments (one signature, written once).

    Returns
    -------
    pathlib.Path
        ``out_dir``.
    """
    return drive(iter_write_dataset(*args, **kwargs), progress)
