"""Setting up a run: device, output folder, initial network."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import torch
from torch import nn

from napari_defocus_deblur.errors import CheckpointError, UserInputError
from napari_defocus_deblur.training.config import TrainConfig
from napari_defocus_deblur.training.state import STATE_FILE


def resolve_device(name: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; other names are checked."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise UserInputError(f"unknown device {name!r}; use auto, cpu or cuda") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise UserInputError(f"device {name!r} requested but CUDA is not available here")
    if device.type == "mps" and not torch.backends.mps.is_available():
        raise UserInputError(f"device {name!r} requested but MPS is not available here")
    return device


def prepare_output(config: TrainConfig) -> Path:
    """Create/check the output directory; refuse to clobber a run unless asked."""
    out = Path(config.output_dir)
    if out.exists() and not out.is_dir():
        raise UserInputError(f"output {out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UserInputError(f"cannot write to output directory {out}: {reason}") from exc
    has_run = (out / STATE_FILE).is_file()
    if config.resume and not has_run:
        raise UserInputError(
            f"cannot resume: {out} holds no training run ({STATE_FILE} is missing); "
            "drop --resume to start a new run"
        )
    if has_run and not config.resume and not config.overwrite:
        raise UserInputError(
            f"{out} already holds a training run; pass --resume to continue it, or choose "
            "another output directory"
        )
    return out


def find_init_checkpoint(init: str) -> Path:
    """Checkpoint directory of a bundled model name or a path."""
    path = Path(init).expanduser()
    if path.is_dir():
        return path
    zoo = Path(str(importlib.resources.files("napari_defocus_deblur") / "zoo"))
    if (zoo / init).is_dir():
        return zoo / init
    names = sorted(p.name for p in zoo.iterdir() if (p / "config.json").is_file())
    hint = f"bundled models: {', '.join(names)}" if names else "no bundled models installed"
    raise UserInputError(
        f"--init {init!r} is neither 'scratch', a checkpoint directory nor a bundled model "
        f"({hint})"
    )


def init_info(config: TrainConfig) -> dict[str, Any] | None:
    """``config.json`` of the checkpoint a run starts from (None from scratch)."""
    from napari_defocus_deblur.model.checkpoint import read_checkpoint_info

    if config.from_scratch:
        return None
    return read_checkpoint_info(find_init_checkpoint(config.init))


def _load(path: Path) -> nn.Module:
    """A fresh, trainable copy of a checkpoint's network.

    (``inference.load_model`` returns a cached, frozen module shared with inference, so
    fine-tuning loads its own copy from the same directory.)
    """
    from napari_defocus_deblur.model.checkpoint import load_checkpoint

    model = load_checkpoint(path)[0]
    for p in model.parameters():
        p.requires_grad_(True)
    return model


def initial_model(config: TrainConfig) -> nn.Module:
    """The network a run starts from (float32, CPU, train mode), seeded from scratch."""
    from napari_defocus_deblur.model import build_model

    if config.from_scratch:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            return build_model(**config.model_options()).train()
    from napari_defocus_deblur.model import condition_on_depth

    model = _load(find_init_checkpoint(config.init)).float().cpu().train()
    check_compatible(config, model, f"--init {config.init}")
    if config.condition == "depth":
        model = condition_on_depth(model)
    return model


def check_compatible(config: TrainConfig, model: nn.Module, what: str) -> None:
    """Explicit ``scales``/``fusion`` in the config must match the loaded network."""
    mc = getattr(model, "config", None)
    if mc is None:
        raise CheckpointError(f"{what} did not give a network built by build_model()")
    if config.scales is not None and config.scales != mc.scales:
        raise UserInputError(
            f"{what} is a {mc.label} network ({mc.scales} scales) but {config.scales} scales "
            "were requested; drop --scales or pick a matching model"
        )
    if (
        config.fusion is not None
        and mc.architecture == "head_to_tail"
        and mc.scales > 1
        and (config.fusion != mc.fusion)
    ):
        raise UserInputError(
            f"{what} uses {mc.fusion} fusion but --fusion {config.fusion} was requested"
        )
