"""``deblur`` and ``iter_deblur``: whole images of any size, 2-D or N-D, any device.

Channels and models: a single-channel model (the usual case, one fluorescence stain)
is applied to every 2-D plane independently, whatever the leading axes mean (T, Z, C,
...). A model with ``in_channels = C > 1`` takes the C planes along ``channel_axis``
(default: the axis just before Y, X) together.

Intensities: every plane is normalised with the percentiles stored in the checkpoint
(``normalization`` in ``config.json``; default 1st/99.8th) of *that plane*, and the
prediction is mapped back with the same ``lo``/``hi``, so the output is in the input's
units. The result is float32 unless ``output_dtype="input"`` asks for the input's
dtype (rounded and clipped to its range). Nothing is ever rescaled to 8 bit.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from napari_defocus_deblur.constants import DEFAULT_DEPTH_UM
from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.inference.assembly import PlaneAssembler, batched
from napari_defocus_deblur.inference.backends import build_backend
from napari_defocus_deblur.inference.checks import (
    check_image,
    convert_dtype,
    resolve_output_dtype,
    split_units,
)
from napari_defocus_deblur.inference.device import Backend, release_memory
from napari_defocus_deblur.inference.focus_gate import hold_in_focus
from napari_defocus_deblur.inference.network_arg import ModelArg
from napari_defocus_deblur.inference.phases import moved_back, pass_images, pass_shape
from napari_defocus_deblur.inference.plan import RunPlan, plan_run
from napari_defocus_deblur.inference.runner import run_batches
from napari_defocus_deblur.normalization import PercentileNormalization
from napari_defocus_deblur.progress import drive, with_signature_of

if TYPE_CHECKING:
    from napari_defocus_deblur.simulate.microscope import Microscope

#: Pixels after which GPU memory is handed back to the driver at the end of a call.
_RELEASE_AFTER_PIXELS = 64 * 1024**2


@dataclass(frozen=True)
class TileProgress:
    """Progress of :func:`iter_deblur`: ``done`` of ``total`` tiles over all planes.

    ``plane`` is the index of the plane (or channel group) being processed and
    ``planes`` their number (1 for a 2-D image).
    """

    done: int
    total: int
    plane: int = 0
    planes: int = 1

    @property
    def fraction(self) -> float:
        """``done / total`` (1.0 for an empty job)."""
        return self.done / self.total if self.total else 1.0


def iter_deblur(
    image: Any,
    depth_um: float | str = DEFAULT_DEPTH_UM,
    fusion: str | None = None,
    model: ModelArg = None,
    device: str | torch.device = "auto",
    tile: int | None = None,
    overlap: int | None = None,
    precision: str = "auto",
    output_dtype: Any = None,
    *,
    channel_axis: int | None = None,
    backend: str | Backend = "auto",
    phases: int | str = "auto",
    views: int | str = "auto",
    side: str | Sequence[str] = "below",
    microscope: Microscope | None = None,
    plan: RunPlan | None = None,
) -> Generator[TileProgress, None, np.ndarray]:
    """Generator version of :func:`deblur`: yields :class:`TileProgress`, returns the array.

    A first event with ``done == 0`` announces the total. Stopping early (closing the
    generator) leaves no state behind. ``plan``: a :class:`~.plan.RunPlan` made for this
    image already (then only ``output_dtype`` of the other arguments is used).
    """
    arr = check_image(image)
    out_dtype = resolve_output_dtype(output_dtype, arr.dtype)
    if plan is None:
        plan = plan_run(
            arr,
            depth_um,
            model,
            device,
            backend,
            precision,
            fusion=fusion,
            channel_axis=channel_axis,
            tile=tile,
            overlap=overlap,
            phases=phases,
            views=views,
            side=side,
            microscope=microscope,
        )
    return (yield from run_plan(arr, plan, out_dtype))


@with_signature_of(iter_deblur)
def deblur(
    image: Any, *args: Any, progress: Callable[[TileProgress], Any] | None = None, **kwargs: Any
) -> np.ndarray:
    """Deblur an out-of-focus image; returns an array of the input's shape.

    Takes :func:`iter_deblur`'s arguments (the same signature) plus ``progress``.

    Parameters
    ----------
    image
        2-D (Y, X) array, or N-D with the last two axes Y, X (leading axes are processed
        plane by plane). Integer or float pixels; not RGB.
    depth_um
        Distance from focus (micrometres of stage offset) of the image, or ``"auto"`` to
        estimate it from every plane (:func:`~napari_defocus_deblur.estimate.
        estimate_defocus`). Depth-conditioned models (the bundled zoo) are told this
        distance, so it changes the result; it also picks the bundled model for the
        nearest distance when ``model`` is not given (:func:`~.plan.plan_run`).
    fusion
        Which bundled network family to pick: None for the default (``"unet"``,
        :data:`~napari_defocus_deblur.zoo.names.DEFAULT_METHOD`), ``"unet"``, ``"sum"`` or
        ``"concat"`` (the paper's head-to-tail fusion, Eqs. 7 and 8) or ``"nah"``.
    model
        A network (:func:`~napari_defocus_deblur.model.build_model`,
        :func:`~napari_defocus_deblur.inference.load_model`), a checkpoint directory, a
        bundled model name or a :class:`ModelEntry`; overrides ``fusion``.
    device
        ``"auto"`` (CUDA, MPS, CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"`` or ``"mps"``.
    tile
        Largest tile side in pixels; ``None`` chooses from free memory (images smaller
        than the tile are processed whole).
    overlap
        Smallest overlap of neighbouring tiles; default: derived from the model's
        measured reach (measured once per weights and cached), at most half the tile.
    precision
        ``"auto"``, ``"fp32"``, ``"bf16"``, ``"fp16"``; see ``backend``. ``"fp32"`` keeps
        PyTorch's fused fp32 path on the CPU.
    output_dtype
        ``None``/``"float32"`` (default), ``"input"`` for the input's dtype (rounded and
        clipped), or a numpy dtype.
    channel_axis
        For models with several input channels: the channel axis (default -3).
    backend
        ``"auto"``: OpenVINO on the CPU (bf16 where the CPU has bf16 matrix units,
        :func:`~.hardware.cpu_bf16_units`; fp32 elsewhere), PyTorch autocast bf16/fp16 on
        CUDA, PyTorch fp32 on MPS; ``"torch"`` or ``"openvino"`` force a runtime
        (:func:`~napari_defocus_deblur.inference.device.resolve_backend`).
    views
        Mirror views averaged: 4 runs the network on the image as it is, flipped
        up-down, left-right and both, and averages the results flipped back, which
        removes the faint period-2 lattice a downsampling network leaves and what the
        views invent differently (:mod:`.phases`); 1 runs it once (fastest).
        ``"auto"``: 4 up to 16 Mpx per plane unless ``phases`` is given, else 1.
    phases
        Pixel phases averaged, each pass on the image moved by one pixel: 4 removes the
        lattice too, but keeps more of what one view invents; ``"auto"``: 1 when the
        views average, else 4 up to 16 Mpx per plane. Given alone (``phases=4`` or
        ``1``), it runs one view: the results of releases before mirror views.
    side
        Side of focus the image lies on: ``"below"`` (default, the paper's side) or
        ``"above"``, or one per 2-D plane (:mod:`~.side`). A plane above focus told
        ``depth_um`` is deblurred for a shorter distance, allowing for the focal shift
        of BBBC006's optics (10 µm above: 8.4 µm), as the bundled networks learnt below
        focus; estimated distances need no side (they read the blur).
    microscope
        The optics the image was taken with, when they are not BBBC006's
        (:class:`~napari_defocus_deblur.simulate.microscope.Microscope`: aperture, pixel
        size, emission, immersion and sample indices): a told ``depth_um`` is then the
        stage offset under them, and the bundled networks are told the distance at which
        BBBC006's optics blur as much (:mod:`~.units`).
    plan
        A :class:`~.plan.RunPlan` from :func:`~.plan.plan_run` for this image.
    progress
        Called with every :class:`TileProgress`.

    Raises
    ------
    UserInputError
        Empty, too small (sides < 16), RGB, NaN/inf or otherwise unusable images; bad
        options; no model available.
    """
    return drive(iter_deblur(image, *args, **kwargs), progress)


def run_plan(
    arr: np.ndarray, plan: RunPlan, out_dtype: np.dtype
) -> Generator[TileProgress, None, np.ndarray]:
    """Run ``plan`` on the checked image ``arr``: tiles through the network, blended,
    averaged over the plan's passes (mirror views, pixel phases); on BBBC006's grid and
    back when the plan says so (:attr:`~.plan.RunPlan.regrid`; planes in focus then come
    back as they were)."""
    net = plan.network
    units, restore = split_units(arr, net.config.in_channels, plan.channel_axis)
    seen = _on_planned_grid(units, plan, arr.shape)
    norm = PercentileNormalization.from_dict(plan.info.get("normalization"))
    module = build_backend(net, plan.runtime)
    n = seen.shape[0]
    progress = TileProgress(0, n * plan.tiles.n_tiles * plan.passes, 0, n)
    yield progress
    out = None
    for one_pass, moved in pass_images(seen, plan.views, plan.phases):
        planes = PlaneAssembler(moved, plan.tiles, norm)
        progress = yield from _run_tiles(planes, module, plan, progress)
        part = moved_back(planes.out, one_pass, seen.shape)
        out = part if out is None else np.add(out, part, out=out)
    out = out / plan.passes if plan.passes > 1 else out
    if plan.device.type != "cpu" and out.size > _RELEASE_AFTER_PIXELS:
        release_memory(plan.device)
    out = out if plan.regrid is None else plan.regrid.restore(out)
    depths = plan.depths_um
    out = out if depths is None else hold_in_focus(units, out, depths)
    return convert_dtype(restore(out), out_dtype)


def _on_planned_grid(units: np.ndarray, plan: RunPlan, shape: tuple[int, ...]) -> np.ndarray:
    """``units`` as the network sees them (on BBBC006's grid when the plan regrids),
    checked against the shape the plan was made for."""
    grow = pass_shape((0, 0), plan.views, plan.phases)  # an averaged plan tiles a larger image
    planned = (plan.tiles.rows.length - grow[0], plan.tiles.cols.length - grow[1])
    regrid = plan.regrid
    fits = regrid is None or units.shape[-2:] == regrid.shape
    seen = regrid.apply(units) if regrid is not None and fits else units
    planned = (len(plan.planes) or seen.shape[0], *planned)
    if not fits or (seen.shape[0], *seen.shape[-2:]) != planned:
        rows, cols = regrid.shape if regrid is not None else planned[1:]
        raise UserInputError(
            f"the run plan was made for {planned[0]} plane(s) of {rows}x{cols} "
            f"pixels, not for this image of shape {shape}; plan it with plan_run(image)"
        )
    return seen


def _run_tiles(
    planes: PlaneAssembler, module: Any, plan: RunPlan, progress: TileProgress
) -> Generator[TileProgress, None, TileProgress]:
    """Run the network over every tile of ``planes`` in batches, yielding progress
    counted on from ``progress``; returns the last event."""
    n, done = planes.units.shape[0], progress.done
    depths = plan.depths_um
    depth_of = None if depths is None else (lambda tags: depths[[t[0] for t in tags]])
    batches = batched(planes.tiles(), plan.batch)
    dev = plan.device
    for tags, pred in run_batches(module, batches, dev, plan.runtime.autocast_dtype, depth_of):
        for tag, p in zip(tags, pred):
            planes.add(tag, p)
        done += len(tags)
        progress = TileProgress(done, progress.total, tags[-1][0], n)
        yield progress
    return progress
