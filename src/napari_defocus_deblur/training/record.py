"""The training record stored in a checkpoint's ``config.json``."""

from __future__ import annotations

import datetime as _dt
import platform
from pathlib import Path
from typing import Any

import torch
from torch import nn

from napari_defocus_deblur import __version__
from napari_defocus_deblur.inference.device import training_uses_bf16
from napari_defocus_deblur.metrics import NORMALIZATION
from napari_defocus_deblur.model import count_parameters
from napari_defocus_deblur.training.config import TrainConfig
from napari_defocus_deblur.training.data import TrainingData
from napari_defocus_deblur.training.state import RunState


def _depths(config: TrainConfig, data: TrainingData) -> list[float] | None:
    depths = config.depths_um or data.depths_um
    return None if depths is None else [float(d) for d in depths]


def _device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"


def checkpoint_info(
    config: TrainConfig,
    data: TrainingData,
    model: nn.Module,
    run: RunState,
    device: torch.device,
    baseline: dict[str, float],
    n_total: int | None,
) -> dict[str, Any]:
    """The ``info`` dict passed to ``save_checkpoint`` (merged into ``config.json``).

    Top-level keys (``depth_um``, ``fusion``, ``channel``, ``normalization``) are what
    inference needs; ``training`` is the record of how the weights were obtained.
    """
    mc = model.config  # type: ignore[attr-defined]
    depth = config.depth_um if config.depth_um is not None else data.depth_um
    return {
        "name": Path(config.output_dir).name,
        "depth_um": depth,
        "depths_um": _depths(config, data),
        "fusion": None if mc.architecture == "nah" else mc.fusion,
        "channel": data.channel,
        "normalization": data.normalization.to_dict(),
        "provenance": {
            "package": "napari-defocus-deblur",
            "version": __version__,
            "torch": torch.__version__,
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            "init": config.init,
            "data": data.source,
        },
        "training": {
            "state": run.state,
            "steps": run.step,
            "total_steps": n_total,
            "epochs": run.epoch,
            "wall_time_s": round(run.elapsed_s, 2),
            "device": _device_name(device),
            "amp_bf16": training_uses_bf16(device, config.amp),
            "precision": "bf16 autocast" if training_uses_bf16(device, config.amp) else "fp32",
            "parameters": count_parameters(model),
            "data": data.describe(),
            "config": config.to_dict(),
            "metrics_convention": NORMALIZATION,
            "input_val_psnr": baseline["psnr"],
            "input_val_ssim": baseline["ssim"],
            "best_val_psnr": run.best_val_psnr,
            "best_epoch": run.best_epoch,
            "kept_epoch": run.kept_epoch,
            "history": run.history,
        },
    }
