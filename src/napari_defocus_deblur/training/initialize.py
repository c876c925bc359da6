"""Setting up a run: output folder and initial network.

The device is resolved by :func:`napari_defocus_deblur.inference.device.resolve_device`
and starting models are found and loaded by the model catalogue
(:mod:`napari_defocus_deblur.inference.catalogue`), like everywhere else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from napari_defocus_deblur.errors import CheckpointError, UserInputError
from napari_defocus_deblur.model.checkpoint import CONFIG_FILE, WEIGHTS_FILE
from napari_defocus_deblur.training.config import TrainConfig
from napari_defocus_deblur.training.state import BEST_FILE, OPTIMIZER_FILE, STATE_FILE


def prepare_output(config: TrainConfig) -> Path:
    """Create/check the output directory; refuse to clobber a run unless asked.

    A folder holding a model or files a run writes, but no run of its own (a user's
    checkpoint, the ``--init`` model itself), is replaced only with ``overwrite``.
    """
    from napari_defocus_deblur.io.atomic import refuse_existing

    check_memory(config)
    out = Path(config.output_dir)
    if out.exists() and not out.is_dir():
        raise UserInputError(f"output {out} exists and is not a directory")
    if not (out / STATE_FILE).is_file() and not config.resume:
        names = (CONFIG_FILE, WEIGHTS_FILE, OPTIMIZER_FILE, BEST_FILE)
        refuse_existing([out / n for n in names], overwrite=config.overwrite, what="model file")
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


#: Training memory per crop pixel and first-level feature channel: ~107 bytes measured
#: (32 channels, crop 128, batch 2 -> 16, CPU float32), with some room.
TRAIN_BYTES_PER_PIXEL_CHANNEL = 120


def check_memory(config: TrainConfig) -> None:
    """Refuse, before any work, a batch and crop whose step would not fit in memory."""
    from napari_defocus_deblur.inference.device import free_memory_bytes, resolve_device
    from napari_defocus_deblur.resources import RAM_SHARE, check_fits

    need = TRAIN_BYTES_PER_PIXEL_CHANNEL * config.base_channels * config.batch * config.crop**2
    room = int(RAM_SHARE * free_memory_bytes(resolve_device(config.device)))
    check_fits(
        need,
        f"a training step with --batch {config.batch} and --crop {config.crop}",
        "use a smaller --batch or --crop",
        available=room,
    )


def find_init_checkpoint(init: str) -> Path:
    """Checkpoint directory of a path, a bundled model name or a per-distance alias
    (``bbbc006-34um-sum``): the catalogue's :func:`resolve_model_path`, worded for ``--init``.
    """
    from napari_defocus_deblur.inference.catalogue import available_models, resolve_model_path

    try:
        return resolve_model_path(init)
    except CheckpointError:
        names = [e.name for e in available_models() if e.bundled]
        hint = f"bundled models: {', '.join(names)}" if names else "no bundled models installed"
        raise UserInputError(
            f"--init {init!r} is neither 'scratch', a checkpoint directory nor a bundled "
            f"model ({hint})"
        ) from None


def init_info(config: TrainConfig) -> dict[str, Any] | None:
    """``config.json`` of the checkpoint a run starts from (None from scratch)."""
    from napari_defocus_deblur.model.checkpoint import read_checkpoint_info

    if config.from_scratch:
        return None
    return read_checkpoint_info(find_init_checkpoint(config.init))


def _load(path: Path) -> nn.Module:
    """A trainable copy of a checkpoint's network (the catalogue hands out copies)."""
    from napari_defocus_deblur.inference.catalogue import load_model

    model = load_model(path)
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
    from napari_defocus_deblur.model import condition_on_depth, resize_upsampling

    model = _load(find_init_checkpoint(config.init)).float().cpu().train()
    check_compatible(config, model, f"--init {config.init}")
    if config.condition == "depth":
        model = condition_on_depth(model)
    if config.upsample == "resize":
        model = resize_upsampling(model)
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
    if config.upsample == "transpose" and getattr(mc, "upsample", "transpose") != "transpose":
        raise UserInputError(
            f"{what} upsamples by resizing; it cannot be turned back into transposed "
            "convolutions: drop upsample or pick a v1/v2 model"
        )
