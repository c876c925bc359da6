"""Files of a model package besides the description: test tensors, cover, documentation.

Pure numpy/torch/matplotlib (Agg canvas, no pyplot state); nothing here needs
bioimageio.spec.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.constants import CHANNELS, DEFAULT_DEPTH_UM, PIXEL_SIZE_UM
from napari_defocus_deblur.model.network import MIN_SIZE
from napari_defocus_deblur.normalization import PercentileNormalization, normalize
from napari_defocus_deblur.zoo.names import trained_depths

#: Distance used for the test image when a checkpoint does not record its own.
FALLBACK_DEPTH_UM = DEFAULT_DEPTH_UM
#: Smallest halo (pixels) declared on the output axes, for consumers that predict in tiles.
HALO = 32

PAPER = (
    "Defocus Deblur Microscopy via head-to-tail cross-scale fusion (arXiv:2201.02876)",
    "10.48550/arXiv.2201.02876",
)
BBBC006 = (
    "Ljosa V, Sokolnicki KL, Carpenter AE (2012). Annotated high-throughput microscopy "
    "image sets for validation. Nature Methods 9(7):637. BBBC006 (Broad Bioimage "
    "Benchmark Collection), human U2OS cells, out-of-focus z-stacks",
    "10.1038/nmeth.2083",
)


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


def architecture_phrase(config: Any) -> str:
    """The network in words, for the description and README."""
    if config.architecture == "nah":
        return (
            f"multi-scale residual CNN of Nah et al. 2017 (K={config.scales} scales; a "
            "baseline of arXiv:2201.02876)"
        )
    if config.scales == 1:
        return "plain U-Net (the single-scale baseline of arXiv:2201.02876)"
    return (
        f"multi-scale U-Net with head-to-tail cross-scale fusion (K={config.scales} scales, "
        f"{config.fusion} fusion; arXiv:2201.02876)"
    )


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


def _training_lines(training: dict[str, Any]) -> list[str]:
    if not training:
        return ["- no training record is stored with this checkpoint."]
    get = training.get
    kept = ""  # records written before kept_epoch existed say nothing on it
    if "kept_epoch" in training and training["kept_epoch"] is None:
        kept = " The weights are the last step's."
    elif "kept_epoch" in training:
        kept = f" The weights are epoch {training['kept_epoch']}'s (the best validated)."
    return [
        f"- training record: {get('steps', '?')} steps, {get('epochs', '?')} epochs on "
        f"{get('device', '?')} in {get('wall_time_s', '?')} s; best validation PSNR "
        f"{get('best_val_psnr', '?')} dB (epoch {get('best_epoch', '?')}) against "
        f"{get('input_val_psnr', '?')} dB for the blurred input.{kept}",
    ]


def documentation(
    model: nn.Module, info: dict[str, Any], tensors: TestTensors, parameters: int
) -> str:
    """The package's README.md (markdown)."""
    cfg = model.config  # type: ignore[attr-defined]
    norm = PercentileNormalization.from_dict(info.get("normalization"))
    lines = [
        f"# napari-defocus-deblur: {cfg.label}",
        "",
        "Restores sharpness in widefield fluorescence images recorded out of focus.",
        "Exported from napari-defocus-deblur, which implements *Defocus Deblur Microscopy",
        "via head-to-tail cross-scale fusion* (arXiv:2201.02876) and its baselines.",
        "",
        *_model_lines(model, info, tensors, parameters),
        "",
        *_input_output_lines(cfg, norm),
        "",
        "## Validation",
        "",
        "- `bioimageio test` reproduces `test_output.npy` from `test_input.npy` (a simulated",
        f"  field at {tensors.depth_um:g} µm from focus) within the default tolerance.",
        *_training_lines(info.get("training") or {}),
        "- PSNR/SSIM gains on held-out simulated test fields, with Richardson-Lucy and the",
        "  other baselines, are published in the napari-defocus-deblur documentation.",
        "",
        "## Limits",
        "",
        "- The models bundled with napari-defocus-deblur are trained on simulated defocus of",
        "  BBBC006-like fields (see its documentation); results on other microscopes,",
        "  magnifications, stains or distances from focus are not guaranteed. The output is",
        "  a prediction, not a measurement.",
        "",
        "## References",
        "",
        f"- {PAPER[0]}, doi:{PAPER[1]}",
        f"- {BBBC006[0]}, doi:{BBBC006[1]}",
        "",
    ]
    return "\n".join(lines)


def pixel_size_phrase(info: dict[str, Any]) -> str:
    """The pixel size the network runs on, and when to bin images for it (as ``deblur``)."""
    from napari_defocus_deblur.inference.units import network_pixel_size_um, trained_microscope

    pixel = network_pixel_size_um(info)
    trained = trained_microscope(info)
    if trained is not None:
        return (
            f"pixel size {pixel:g} µm (BBBC006's grid; trained on {trained.pixel_size_um:g} µm "
            "images binned onto it: bin images of that microscope alike)"
        )
    return (
        f"pixel size {pixel:g} µm ({'BBBC006, 20x' if pixel == PIXEL_SIZE_UM else 'as trained'})"
    )


def _model_lines(
    model: nn.Module, info: dict[str, Any], tensors: TestTensors, parameters: int
) -> list[str]:
    """README section "Model": architecture, distances, channel, phases, training data."""
    cfg = model.config  # type: ignore[attr-defined]
    trained = ", ".join(f"{d:g}" for d in trained_depths(info))
    stain = CHANNELS[tensors.channel][0]
    lines = [
        "## Model",
        "",
        f"- architecture: {architecture_phrase(cfg)}, {parameters:,} parameters; configuration: "
        f"`{json.dumps(cfg.to_dict())}`",
        "- trained for: "
        + (f"{trained} µm from focus" if trained else "unknown")
        + f", channel {tensors.channel} ({stain}), {pixel_size_phrase(info)}",
    ]
    from napari_defocus_deblur.model.phases import pixel_phases

    phases = pixel_phases(model)
    lines.append(
        f"- pixel phases: every weights format averages the network over {phases} one-pixel "
        "shifts of the image (no period-2 lattice from its max-pool grid; `pixel_phases` "
        "of `build_network`)"
        if phases > 1
        else "- pixel phases: one pass (exported with `--phases 1`; may show a faint "
        "period-2 lattice; `--phases 4` removes it)"
    )
    data = (info.get("provenance") or {}).get("data")
    if data:
        lines.append(f"- training data: {data}")
    return lines


def _input_output_lines(cfg: Any, norm: PercentileNormalization) -> list[str]:
    """README section "Input and output": normalisation, units, sizes and halo."""
    return [
        "## Input and output",
        "",
        "- input `input`: axes batch, channel, y, x; float32 intensities (camera units). "
        f"Pre-processing `scale_range` maps percentile {norm.low:g} of each image to 0 and "
        f"percentile {norm.high:g} to 1, the normalisation used in training.",
        "- output `output`: same shape, **in those normalised units**. The bioimage.io "
        "spec has no inverse of `scale_range`; to get camera units back compute "
        f"`output * (p{norm.high:g} - p{norm.low:g}) + p{norm.low:g}` with the input's "
        "percentiles (napari-defocus-deblur's `deblur` does this for you).",
        f"- y and x: any size of at least {smallest_side(cfg.size_multiple)} pixels; the "
        f"network pads to a multiple of {cfg.size_multiple} itself, so multiples of "
        f"{cfg.size_multiple} run fastest. The output declares a halo of "
        f"{halo(cfg.size_multiple)} pixels: consumers that predict in tiles grow each tile "
        "by it and crop it again, which hides the tile seams.",
    ]
