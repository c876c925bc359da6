"""Files of a model package besides the description and README: test tensors and cover.

Pure numpy/torch/matplotlib (Agg canvas, no pyplot state); nothing here needs
bioimageio.spec.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.constants import CHANNELS, DEFAULT_DEPTH_UM
from napari_defocus_deblur.model.network import MIN_SIZE
from napari_defocus_deblur.normalization import PercentileNormalization, normalize

#: Distance used for the test image when a checkpoint does not record its own.
FALLBACK_DEPTH_UM = DEFAULT_DEPTH_UM
#: Smallest halo (pixels) declared on the output axes, for consumers that predict in tiles.
HALO = 32


@dataclass(frozen=True)
class TestTensors:
    """Test input (raw intensities) and the model's output on it (normalised units)."""

    input: np.ndarray  # (1, C, S, S) float32
    output: np.ndarray  # (1, C_out, S, S) float32
    depth_um: float
    channel: int
    depth: np.ndarray | None = None  # (1, 1) float32 µm, for depth-conditioned networks


def halo(size_multiple: int) -> int:
    """Pixels to discard at each edge of a tile: 32, or half the padding unit if larger."""
    return max(HALO, int(size_multiple) // 2)


def smallest_side(size_multiple: int) -> int:
    """Smallest input side declared: ``MIN_SIZE`` valid pixels once the halo is cropped.

    Any larger side is accepted (step 1): the network pads to a multiple of
    ``size_multiple`` itself, so images of any size, such as 520 x 696 BBBC006 fields,
    run in bioimage.io consumers without resizing.
    """
    return 2 * halo(size_multiple) + MIN_SIZE


def test_side(requested: int, size_multiple: int) -> int:
    """``requested`` (at least the smallest side) rounded up to a multiple of the padding unit."""
    step = max(1, int(size_multiple))
    return step * -(-max(int(requested), smallest_side(step)) // step)


def simulated_input(
    side: int, depth_um: float, channel: int, channels: int, seed: int = 0
) -> np.ndarray:
    """A simulated out-of-focus BBBC006-like field, ``(1, channels, side, side)`` float32."""
    from napari_defocus_deblur.simulate.field import simulate_field

    planes = []
    for c in range(channels):
        images = simulate_field([depth_um], seed=seed + c, channel=channel, shape=(side, side))
        planes.append(next(v for k, v in images.items() if k != 0.0))
    return np.stack(planes)[None].astype(np.float32)


def normalise_input(image: np.ndarray, norm: PercentileNormalization) -> np.ndarray:
    """Per-sample, per-channel percentile normalisation (what ``scale_range`` does)."""
    out = np.empty(image.shape, np.float32)
    for n in range(image.shape[0]):
        for c in range(image.shape[1]):
            lo, hi = norm.bounds(image[n, c])
            out[n, c] = normalize(image[n, c], lo, hi)
    return out


def run_network(
    model: nn.Module, normalised: np.ndarray, depth: np.ndarray | None = None
) -> np.ndarray:
    """``model`` on a normalised float32 array, on the CPU in float32.

    ``depth`` (micrometres, one per image) is passed to depth-conditioned networks.
    """
    net = model.to("cpu").float().eval()
    with torch.inference_mode():
        x = torch.from_numpy(normalised)
        pred = net(x) if depth is None else net(x, torch.from_numpy(depth).reshape(-1))
    return pred.numpy().astype(np.float32)


def make_test_tensors(
    model: nn.Module, info: dict[str, Any], side: int = 256, seed: int = 0
) -> TestTensors:
    """Simulate a test field at the model's distance and run the model on it.

    The distance the network is told comes from the run plan
    (:func:`~napari_defocus_deblur.inference.plan.plan_run`: the model's recorded
    distance, else :data:`FALLBACK_DEPTH_UM`, checked there); the network runs whole,
    in float32 on the CPU, as bioimage.io consumers run it.
    """
    from napari_defocus_deblur.inference.plan import plan_run

    config = model.config  # type: ignore[attr-defined]
    depth = info.get("depth_um")
    depth = FALLBACK_DEPTH_UM if depth is None else float(depth)
    channel = info.get("channel")
    channel = channel if channel in CHANNELS else 1
    side = test_side(side, config.size_multiple)
    raw = simulated_input(side, depth, channel, config.in_channels, seed)
    norm = PercentileNormalization.from_dict(info.get("normalization"))
    plan = plan_run(raw[0], depth, model, "cpu", "torch", "fp32", tile=side)
    x = normalise_input(raw, norm)
    if plan.depths_um is None:
        return TestTensors(raw, run_network(model, x), depth, channel)
    cond = plan.depths_um.reshape(1, 1)
    return TestTensors(raw, run_network(model, x, depth=cond), depth, channel, cond)


def write_cover(path: str | Path, tensors: TestTensors, norm: PercentileNormalization) -> Path:
    """A 2:1 PNG: the test input (left) and the model's output (right), same grey scale."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    left = normalise_input(tensors.input, norm)[0, 0]
    right = tensors.output[0, 0]
    vmin, vmax = np.percentile(np.concatenate([left.ravel(), right.ravel()]), [0.5, 99.8])
    fig = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(fig)
    for i, (img, title) in enumerate(
        ((left, f"input, {tensors.depth_um:g} µm from focus"), (right, "deblurred"))
    ):
        ax = fig.add_axes((i / 2, 0, 0.5, 1))
        ax.imshow(img, cmap="gray", vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_axis_off()
        box = {"facecolor": "black", "alpha": 0.5, "edgecolor": "none"}
        ax.text(0.03, 0.97, title, transform=ax.transAxes, va="top", color="w", bbox=box)
    path = Path(path)
    fig.savefig(path, format="png", dpi=100)
    return path
