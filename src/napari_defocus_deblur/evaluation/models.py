"""Finding and running the learned models of an evaluation.

Method names map to checkpoint configurations: ``nah`` -> the Nah et al. baseline,
``unet`` -> head-to-tail with one scale (the plain U-Net), ``sum`` / ``concat`` ->
head-to-tail with K > 1 and that fusion. A model qualifies for a distance when its
``config.json`` records that ``depth_um``, or lists it in ``depths_um`` (a model trained
on pooled distances), and, when recorded, the channel.
"""

from __future__ import annotations

import importlib.resources
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from napari_defocus_deblur.errors import UserInputError
from napari_defocus_deblur.model.config import ModelConfig
from napari_defocus_deblur.zoo.names import method_of, trained_depths

#: Every method ``evaluate`` knows, in the paper's row order.
METHODS = ("input", "richardson-lucy", "nah", "unet", "sum", "concat")
LEARNED = ("nah", "unet", "sum", "concat")
#: Row labels of the table.
LABELS = {
    "input": "input (no processing)",
    "richardson-lucy": "Richardson-Lucy (simulator PSF)",
    "nah": "Nah et al. 2017",
    "unet": "U-Net (K = 1)",
    "sum": "head-to-tail, summation",
    "concat": "head-to-tail, concatenation",
}


@dataclass(frozen=True)
class ModelCandidate:
    """A checkpoint directory and what its ``config.json`` says."""

    path: Path
    config: ModelConfig
    depth_um: float | None
    channel: int | None
    info: dict[str, Any]
    depths_um: tuple[float, ...] = ()


def parse_methods(text: str | list[str]) -> list[str]:
    """``"input,unet"`` -> ``["input", "unet"]``, checked against :data:`METHODS`."""
    items = text.split(",") if isinstance(text, str) else [m for t in text for m in t.split(",")]
    methods = [m.strip().lower() for m in items if m.strip()]
    unknown = [m for m in methods if m not in METHODS]
    if unknown or not methods:
        raise UserInputError(
            f"unknown method(s) {', '.join(unknown) or '(none given)'}; choose from "
            f"{', '.join(METHODS)}"
        )
    return list(dict.fromkeys(methods))


def bundled_dir() -> Path:
    """Folder of the bundled model zoo."""
    return Path(str(importlib.resources.files("napari_defocus_deblur") / "zoo"))


def scan_models(folder: str | Path | None) -> list[ModelCandidate]:
    """Checkpoints in ``folder`` (itself or its sub-folders); bundled ones when None."""
    from napari_defocus_deblur.model.checkpoint import CONFIG_FILE, read_checkpoint_info

    root = bundled_dir() if folder is None else Path(folder).expanduser()
    if folder is not None and not root.is_dir():
        raise UserInputError(f"models folder not found: {root}")
    dirs = [root] if (root / CONFIG_FILE).is_file() else []
    dirs += sorted(p for p in root.iterdir() if p.is_dir() and (p / CONFIG_FILE).is_file())
    found = []
    for d in dirs:
        info = read_checkpoint_info(d)
        depth = info.get("depth_um")
        channel = info.get("channel")
        found.append(
            ModelCandidate(
                d,
                ModelConfig.from_dict(info["model"]),
                None if depth is None else float(depth),
                None if channel is None else int(channel),
                info,
                trained_depths(info),
            )
        )
    return found


def pick_model(
    candidates: list[ModelCandidate], method: str, depth_um: float, channel: int
) -> ModelCandidate | None:
    """The checkpoint for ``method`` trained at ``depth_um`` (among others, for a model
    trained on pooled distances), most scales first, then name; None when there is none."""
    ok = [
        c
        for c in candidates
        if method_of(c.info) == method
        and any(abs(d - depth_um) < 1e-6 for d in c.depths_um)
        and (c.channel is None or c.channel == channel)
    ]
    ok.sort(key=lambda c: (-c.config.scales, c.path.name))
    return ok[0] if ok else None


class LoadedModel:
    """A checkpoint loaded for evaluation, run through the user-facing inference path.

    Calls :func:`napari_defocus_deblur.inference.deblur` (the checkpoint's percentile
    normalisation, tiling, CPU fast path, precision "auto"), so the scores and seconds
    per image are what a user gets.
    """

    def __init__(self, candidate: ModelCandidate, device: Any) -> None:
        from napari_defocus_deblur.inference import load_model

        self.model = load_model(candidate.path, device=device)
        self.device = device
        # every weight (load_model freezes them, so "trainable" would count none)
        self.parameters = sum(p.numel() for p in self.model.parameters())
        self.path = candidate.path

    def __call__(self, image: np.ndarray) -> np.ndarray:
        """Deblur a whole 2-D field (float32 out, input intensity units)."""
        from napari_defocus_deblur.inference import deblur

        return deblur(image, model=self.model, device=self.device)
