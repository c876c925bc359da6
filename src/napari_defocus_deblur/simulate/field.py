"""Simulate one field at several stage offsets: content -> defocus PSF -> camera.

:func:`simulate_field` is the first-round simulator (aberration-free PSF, symmetric about
focus); :func:`simulate_prior_field` draws optics, camera and content from a named prior
and uses the Gibson-Lanni PSF with the refractive-index mismatch (see :mod:`.prior`).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from napari_defocus_deblur.constants import CHANNELS, FIELD_SHAPE
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.simulate.camera import CameraModel, expose
from napari_defocus_deblur.simulate.content import procedural_content, random_layout
from napari_defocus_deblur.simulate.optics import FOCAL_SHIFT_FACTOR, blur, defocus_psf
from napari_defocus_deblur.simulate.prior import Draw, Prior, get_prior
from napari_defocus_deblur.simulate.pupil import gibson_lanni_psf


def _depth_key(depth_um: float) -> list[int]:
    milli = round(float(depth_um) * 1000)
    return [abs(milli), int(milli < 0)]


def simulate_field(
    depths_um: Iterable[float],
    *,
    seed: int = 0,
    channel: int = 1,
    shape: tuple[int, int] = FIELD_SHAPE,
    content: np.ndarray | None = None,
    in_focus: np.ndarray | None = None,
    camera: CameraModel | None = None,
    focal_shift_factor: float = FOCAL_SHIFT_FACTOR,
) -> dict[float, np.ndarray]:
    """Images of one field in focus and at the given stage offsets.

    Parameters
    ----------
    depths_um
        Stage offsets from focus in micrometres (negative: below focus).
    seed
        Everything is a function of ``(seed, channel, depth)``: the two channels of one
        seed show the same cells, and a depth's image does not depend on which other
        depths are asked for.
    channel
        1 (Hoechst, 460 nm, procedural nuclei) or 2 (phalloidin, 520 nm, actin).
    shape
        ``(rows, columns)``.
    content
        Optional in-focus signal (ADU above background) used instead of procedural cells.
    in_focus
        Optional camera image to return as the in-focus plane (e.g. the real image
        ``content`` was derived from); by default the content is exposed in focus.
    camera, focal_shift_factor
        Camera noise model and PSF defocus per micrometre of stage offset.

    Returns
    -------
    dict
        ``{0.0: in_focus, depth: image, ...}``, uint16 arrays with 12-bit values.
    """
    if channel not in CHANNELS:
        raise UserInputError(f"channel must be one of {sorted(CHANNELS)}, got {channel}")
    shape = (int(shape[0]), int(shape[1]))
    if min(shape) < 16:
        raise UserInputError(f"field shape must be at least 16 x 16 pixels, got {shape}")
    wavelength = CHANNELS[channel][1]
    if content is None:
        layout = random_layout(shape, np.random.default_rng([seed, 0]))
        content = procedural_content(
            shape, channel, layout, np.random.default_rng([seed, 1, channel])
        )
    content = np.asarray(content, dtype=np.float64)
    if content.shape != shape:
        raise UserInputError(f"content shape {content.shape} differs from field shape {shape}")
    out: dict[float, np.ndarray] = {}
    for depth in sorted({0.0, *(float(d) for d in depths_um)}, key=abs):
        rng = np.random.default_rng([seed, 2, channel, *_depth_key(depth)])
        if depth == 0.0 and in_focus is not None:
            out[0.0] = np.asarray(in_focus, dtype=np.uint16)
            continue
        kernel = defocus_psf(depth, wavelength, focal_shift_factor=focal_shift_factor)
        out[depth] = expose(blur(content, kernel), rng, camera)
    return out


def prior_draw(prior: str | Prior, seed: int) -> Draw:
    """The optics, camera, content style and side of focus that ``prior`` draws for the
    field of ``seed`` (what :func:`simulate_prior_field` simulates with that seed)."""
    return get_prior(prior).draw(np.random.default_rng([seed, 7]))


def simulate_prior_field(
    stage_um: Iterable[float],
    *,
    prior: str | Prior = "nominal",
    seed: int = 0,
    channel: int = 1,
    shape: tuple[int, int] = FIELD_SHAPE,
    content: np.ndarray | None = None,
    in_focus: np.ndarray | None = None,
) -> tuple[dict[float, np.ndarray], Draw]:
    """One field at signed stage offsets, optics/camera/content drawn from a prior.

    Parameters
    ----------
    stage_um
        Signed stage offsets in micrometres (negative: below focus, as BBBC006 z_00..z_15).
        With an index mismatch the blur differs above and below focus.
    prior
        A preset name (``"nominal"``, ``"wide"``; see :mod:`.prior`) or a :class:`Prior`.
    seed
        Everything (optics, camera, content, noise) is a function of the seed.
    channel, shape, content, in_focus
        As in :func:`simulate_field`.

    Returns
    -------
    (dict, Draw)
        ``{0.0: in_focus, offset: image, ...}`` (uint16, 12-bit values) and the
        parameters drawn.
    """
    if channel not in CHANNELS:
        raise UserInputError(f"channel must be one of {sorted(CHANNELS)}, got {channel}")
    draw = prior_draw(prior, seed)
    shape = (int(shape[0]), int(shape[1]))
    if content is None:
        layout = random_layout(shape, np.random.default_rng([seed, 0]), draw.style)
        content = procedural_content(
            shape, channel, layout, np.random.default_rng([seed, 1, channel])
        )
    content = np.asarray(content, dtype=np.float64)
    wavelength = CHANNELS[channel][1]
    out: dict[float, np.ndarray] = {}
    for offset in sorted({0.0, *(float(d) for d in stage_um)}, key=abs):
        rng = np.random.default_rng([seed, 2, channel, *_depth_key(offset)])
        if offset == 0.0 and in_focus is not None:
            out[0.0] = np.asarray(in_focus, dtype=np.uint16)
            continue
        kernel = gibson_lanni_psf(offset, wavelength, draw.optics)
        out[offset] = expose(blur(content, kernel), rng, draw.camera)
    return out, draw
