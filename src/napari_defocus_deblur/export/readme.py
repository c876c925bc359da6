"""The README.md of a model package, and the phrases its description shares with it.

Pure text from the network's configuration, the checkpoint's record and the package's
test tensors; nothing here needs bioimageio.spec.
"""

from __future__ import annotations

import json
from typing import Any

from torch import nn

from napari_defocus_deblur.constants import CHANNELS, PIXEL_SIZE_UM
from napari_defocus_deblur.export.content import TestTensors, halo, smallest_side
from napari_defocus_deblur.normalization import PercentileNormalization
from napari_defocus_deblur.zoo.names import trained_depths

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


def _model_lines(
    model: nn.Module, info: dict[str, Any], tensors: TestTensors, parameters: int
) -> list[str]:
    """README section "Model": architecture, distances, channel, passes, training data."""
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
        f"- averaged passes: {passes_phrase(model)}",
    ]
    data = (info.get("provenance") or {}).get("data")
    if data:
        lines.append(f"- training data: {data}")
    return lines


def passes_phrase(model: nn.Module) -> str:
    """What every weights format averages: mirror views, pixel phases or one pass."""
    from napari_defocus_deblur.model.phases import mirror_views, pixel_phases

    views, phases = mirror_views(model), pixel_phases(model)
    if views * phases == 1:
        return "one pass (exported with `--views 1 --phases 1`; may show a faint period-2 lattice)"
    counts = [f"{views} mirror views"] * (views > 1) + [f"{phases} one-pixel shifts"] * (
        phases > 1
    )
    return f"{' of '.join(counts)} (no period-2 lattice; `mirror_views`, `pixel_phases` kwargs)"


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
