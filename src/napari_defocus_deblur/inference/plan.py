"""The run plan: what runs on an image, decided once, in one place.

Every front end (``deblur``/``iter_deblur``, ``predict``, the Deblur widget, ``evaluate``,
the bioimage.io export) asks :func:`plan_run` and runs what it answers. Public names,
stable (other modules and the widgets import them):

- :func:`plan_run` ``(source, depth="auto", model=None, device="auto", backend="auto",
  precision="auto", *, fusion, channel, channel_axis, tile, overlap, phases="auto",
  views="auto", metadata_depth_um, side="below", microscope=None, models, checked)
  -> RunPlan``
- :class:`RunPlan`: ``depth`` (the checked request), ``planes`` (a :class:`PlaneDepth`
  per unit the network sees: ``depth_um``, ``origin`` :data:`TOLD`/:data:`METADATA`/
  :data:`ESTIMATED`, ``confidence``, ``side``, ``stage_um``, ``stated_um``;
  :mod:`.plane_depths`),
  ``model`` (:class:`ModelEntry` or None), ``model_name``, ``runtime``
  (:class:`~.device.Backend`), ``tiles`` + ``batch``, ``notes``, ``network``, ``info``,
  ``channel_axis``, ``phases`` and ``views`` (:mod:`.phases`; ``passes``: their
  product), ``regrid`` (None, or how an image of another pixel size is brought onto
  BBBC006's grid for the network and back: :class:`~napari_defocus_deblur.simulate.
  sampling.Regrid`, :mod:`.units`); ``device``, ``precision``, ``backend``,
  ``depths_um``, ``describe()``.
- :func:`check_depth` (re-exported): the one check of a depth (µm or "auto").
- :func:`run_models` ``(model, depth, fusion, side="below", microscope=None) -> list[Path]``: the
  checkpoints a run over many images may use, known before any image is read
  (``predict`` checks them first).

**"auto"** (the one marker; ``None`` is not a distance and is refused) means, everywhere:
each plane's recorded distance (``metadata_depth_um``) when there is one, else the
distance its estimate is deblurred for (``DefocusEstimate.deblur_depth_um``). A number
is used as told; 0.0 µm is a distance like any other. Told and recorded distances of
planes on the other side of focus (``side``) than the network learnt are deblurred for
a distance allowing for the focal shift (:mod:`.side`); told under a stated
``microscope``, they are converted to BBBC006's optics for networks that learnt those
(:mod:`.units`). The model, when not given, is
the catalogue's choice (:func:`~.catalogue.choose_model`) at the median of the planes'
distances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.constants import DEFAULT_DEPTH_UM
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.catalogue import (
    available_models,
    choose_model,
    coverage_note,
    resolve_model_path,
)
from napari_defocus_deblur.inference.checks import (
    check_depth,
    check_finite,
    check_image,
    split_units,
)
from napari_defocus_deblur.inference.device import Backend, as_backend
from napari_defocus_deblur.inference.entry import ModelEntry
from napari_defocus_deblur.inference.layout import tile_layout
from napari_defocus_deblur.inference.network_arg import ModelArg, model_info, network_of
from napari_defocus_deblur.inference.phases import choose_passes, pass_shape
from napari_defocus_deblur.inference.plane_depths import (
    ESTIMATED,
    METADATA,
    TOLD,
    PlaneDepth,
    Sides,
    depth_notes,
    for_network,
    plane_depths,
)
from napari_defocus_deblur.inference.side import check_side, distance_for_network, trained_side
from napari_defocus_deblur.inference.tiling import TilePlan
from napari_defocus_deblur.inference.units import image_sampling, in_network_units
from napari_defocus_deblur.zoo import names

if TYPE_CHECKING:
    from napari_defocus_deblur.simulate.microscope import Microscope
    from napari_defocus_deblur.simulate.sampling import Regrid

__all__ = [
    "ESTIMATED",
    "METADATA",
    "TOLD",
    "PlaneDepth",
    "RunPlan",
    "check_depth",
    "plan_run",
    "run_models",
]


@dataclass(frozen=True)
class RunPlan:
    """What :func:`plan_run` decided for one image; see the module docstring."""

    depth: float | str
    planes: tuple[PlaneDepth, ...]
    model: ModelEntry | None
    model_name: str
    runtime: Backend
    tiles: TilePlan
    batch: int
    notes: tuple[str, ...] = ()
    network: nn.Module | None = field(default=None, compare=False, repr=False)
    info: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    channel_axis: int | None = None
    phases: int = 1
    regrid: Regrid | None = None
    views: int = 1

    @property
    def passes(self) -> int:
        """Network passes averaged per tile: mirror views times pixel phases."""
        return self.views * self.phases

    @property
    def device(self) -> torch.device:
        """Where PyTorch tensors live."""
        return self.runtime.device

    @property
    def precision(self) -> str:
        """``"fp32"``, ``"bf16"`` or ``"fp16"``."""
        return self.runtime.precision

    @property
    def backend(self) -> str:
        """``"torch"`` or ``"openvino"``."""
        return self.runtime.name

    @property
    def depths_um(self) -> np.ndarray | None:
        """The distance each unit is told (float32), or None for unconditioned networks."""
        if self.network is not None and not self.network.config.conditioned:
            return None
        return np.asarray([p.depth_um for p in self.planes], dtype=np.float32)

    def describe(self) -> str:
        """One line: model, distance(s) and runtime (``predict -v``, status bars)."""
        depths = {p.describe() for p in self.planes}
        depth = depths.pop() if len(depths) == 1 else f"{len(self.planes)} distances"
        return f"model {self.model_name}; {depth}; {self.runtime.describe()}"


def plan_run(
    source: Any,
    depth: float | str = "auto",
    model: ModelArg = None,
    device: str | torch.device = "auto",
    backend: str | Backend = "auto",
    precision: str = "auto",
    *,
    fusion: str | None = None,
    channel: int | None = None,
    channel_axis: int | None = None,
    tile: int | None = None,
    overlap: int | None = None,
    phases: int | str = "auto",
    views: int | str = "auto",
    metadata_depth_um: float | Sequence[float | None] | None = None,
    side: Sides = "below",
    microscope: Microscope | None = None,
    recorded_pixel_size_um: object = None,
    models: Sequence[ModelEntry] | None = None,
    checked: bool = False,
) -> RunPlan:
    """Decide what runs on ``source``: distances, model, runtime and tiles.

    Parameters
    ----------
    source
        The image (2-D, or N-D with Y, X last), as :func:`~napari_defocus_deblur.
        inference.deblur` takes it. Only read (shape; pixels when estimating).
    depth
        Distance from focus in µm, or ``"auto"`` (module docstring).
    model
        None (the catalogue's choice), a :class:`ModelEntry`, a checkpoint folder or
        bundled model name, or a network (``build_model``/``load_model``).
    device, backend, precision
        As :func:`~.device.resolve_backend` takes them, resolved once here; a resolved
        :class:`~.device.Backend` as ``backend`` is used as it is.
    fusion, channel
        Network family (None: the default) and image channel for the model choice.
    channel_axis, tile, overlap, phases, views
        As ``deblur`` takes them (phases and views: :func:`~.phases.choose_passes`).
    metadata_depth_um
        The distance recorded with the image: one for all planes, or one per 2-D plane
        (None entries: not recorded). Used by ``"auto"`` only.
    side
        The side of focus the image lies on, ``"below"`` (the paper's) or ``"above"``,
        or one per 2-D plane; told and recorded distances above focus are deblurred for
        a distance allowing for the focal shift (:mod:`.side`). Estimates read
        the blur and need no side.
    microscope
        The optics the image was taken with (:class:`~napari_defocus_deblur.simulate.
        microscope.Microscope`), when they differ from BBBC006's: told and recorded
        distances are converted to the blur BBBC006's optics have there (:mod:`.units`).
        None: BBBC006's; for a network of stacks binned onto BBBC006's grid, its training
        images' pixel size when the image records none (:func:`~.units.trained_microscope`).
    recorded_pixel_size_um
        The pixel size the image's file records (as the readers return it), or None. A
        recorded size keeps a network of binned stacks from assuming its training
        images' (the size itself acts through ``microscope``, as the callers resolve it).
    models
        Candidates for the model choice (a widget's list); None: the bundled models,
        strictly of ``fusion`` (:func:`~.catalogue.choose_model`).
    checked
        ``depth`` was checked already by :func:`check_depth` (the CLI checks its option
        once, before planning every file).
    """
    arr = check_image(source)
    wanted = depth if checked else check_depth(depth)
    sampling = image_sampling(arr.shape, model_info(model), microscope, recorded_pixel_size_um)
    microscope, regrid, grid_notes = sampling
    grid = (*arr.shape[:-2], *regrid.grid_shape) if regrid else arr.shape  # :mod:`.units`
    seen = np.broadcast_to(np.float32(0), grid)  # shape only: the run regrids the pixels
    runtime = as_backend(backend, precision, device)
    notes: list[str] = []
    planes: tuple[PlaneDepth, ...] = ()
    if model is None:
        flat, _ = split_units(arr, 1, channel_axis)
        check_finite(flat)
        planes = plane_depths(flat, wanted, metadata_depth_um, side=side, microscope=microscope)
        below = for_network(planes, "below")  # as the bundled zoo, which learnt below focus
        pick = float(np.median([p.depth_um for p in below]))
        model = choose_model(pick, fusion, channel, among=models, strict=models is None)
        if model is None:
            raise UserInputError("no model is available: train one or add a checkpoint folder")
        notes += [n for n in (coverage_note(model, pick),) if n]
    entry = model if isinstance(model, ModelEntry) else None
    net, info, name = network_of(entry.path if entry is not None else model)
    units, _ = split_units(arr, net.config.in_channels, channel_axis)
    if net.config.in_channels != 1 or not planes:
        check_finite(units)
        conditioned = net.config.conditioned
        planes = plane_depths(units, wanted, metadata_depth_um, conditioned, side, microscope)
    units, _ = split_units(seen, net.config.in_channels, channel_axis)
    if net.config.conditioned:  # what the network is told (others only chose by it)
        planes = for_network(in_network_units(planes, info, microscope), trained_side(info))
    views, phases, pass_notes = choose_passes(views, phases, units.shape[-2:])  # counts now
    tiles, batch = tile_layout(net, pass_shape(units.shape, views, phases), runtime, tile, overlap)
    notes += depth_notes(planes) + pass_notes + grid_notes
    sampling = microscope.sampling_note() if microscope is not None else ""
    if sampling and ESTIMATED in {p.origin for p in planes}:
        notes.append(sampling)
        microscope.warn_sampling()  # where users look: the CLI's stderr, napari's notices
    decided = (wanted, planes, entry, name, runtime, tiles, batch, tuple(notes), net, info)
    return RunPlan(*decided, channel_axis, int(phases), regrid, int(views))


def run_models(
    model: str | None,
    depth: float | str,
    fusion: str | None,
    side: str = "below",
    microscope: Microscope | None = None,
) -> list[Path]:
    """The checkpoint folders a run over many images may use, before any is read:
    ``model`` when given; else the catalogue's choice at a told ``depth`` (on ``side`` of
    focus, under ``microscope``: the distance a below-focus network is told); with ``"auto"``
    every bundled model of ``fusion`` (None: the default family), as each image gets
    :func:`plan_run`'s choice at its own distance."""
    if model:
        return [resolve_model_path(model)]
    if depth != "auto":
        side = check_side(side)
        bbbc006 = microscope.bbbc006_um(float(depth), side) if microscope else float(depth)
        below = distance_for_network(bbbc006, side)
        return [choose_model(below, fusion, strict=True).path]
    method = fusion or names.DEFAULT_METHOD
    found = [
        e.path for e in available_models() if e.bundled and e.depths_um and e.method == method
    ]
    if not found:  # the catalogue's one message for "no model of this fusion"
        choose_model(DEFAULT_DEPTH_UM, fusion, strict=True)
    return found
