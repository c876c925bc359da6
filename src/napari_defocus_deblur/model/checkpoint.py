"""Checkpoint directories: ``model.safetensors`` weights + ``config.json``.

Loading never unpickles anything: safetensors holds raw tensors only and the JSON is
validated against :class:`ModelConfig`, so a checkpoint a user hands us cannot run code.

Layout of a checkpoint directory::

    model.safetensors   weights (fp32, or fp16 for bundled models)
    config.json         {"format": ..., "model": ModelConfig, "normalization": ...,
                         "depth_um": ..., "fusion": ..., "provenance": {...}, ...}
    optimizer.safetensors, training_state.json   (optional, written by training)
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import torch
from torch import nn

from napari_defocus_deblur.errors import CheckpointError, UserInputError, os_error_reason
from napari_defocus_deblur.model.config import ModelConfig, with_legacy_defaults
from napari_defocus_deblur.model.schema import CHECKPOINT_FORMAT

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
FORMAT = CHECKPOINT_FORMAT
MAX_CONFIG_BYTES = 64 * 1024**2
_FORBIDDEN_SUFFIXES = (".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin")


def save_checkpoint(
    model: nn.Module,
    directory: str | Path,
    *,
    info: dict[str, Any] | None = None,
    half: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write ``model`` (which must carry ``.config``) and ``info`` to ``directory``.

    The weights and ``config.json`` are replaced together (see
    :mod:`napari_defocus_deblur.io.fileset`): a save interrupted at any point leaves
    the previous checkpoint or the new one, never a mix.

    Parameters
    ----------
    model
        A network from :func:`build_model`.
    directory
        Created if missing; existing weights/config in it are replaced.
    info
        Extra JSON-serialisable fields (depth_um, normalization, provenance, ...).
    half
        Store weights as float16 (bundled models) instead of float32.
    overwrite
        Also replace a ``config.json`` that is not a checkpoint's (else UserInputError).
    """
    from napari_defocus_deblur.io.fileset import file_set

    directory = Path(directory)
    if not overwrite and not _holds_checkpoint_or_nothing(directory):
        from napari_defocus_deblur.io.atomic import existing_message

        raise UserInputError(existing_message([directory / CONFIG_FILE], "non-checkpoint file"))
    try:
        with file_set(directory) as staging:
            write_checkpoint_files(model, staging, info=info, half=half)
    except OSError as exc:
        raise CheckpointError(
            f"cannot write checkpoint to {directory}: {os_error_reason(exc)}"
        ) from exc
    return directory


def write_checkpoint_files(
    model: nn.Module, directory: Path, *, info: dict[str, Any] | None = None, half: bool = False
) -> None:
    """Write ``model.safetensors`` and ``config.json`` into an existing ``directory``.

    The building block of :func:`save_checkpoint` and of training's checkpoint sets,
    which call it on a staging folder.
    """

    config = getattr(model, "config", None)
    if not isinstance(config, ModelConfig):
        raise CheckpointError("only models built by build_model() can be saved")
    dtype = torch.float16 if half else torch.float32
    tensors = {k: v.detach().to("cpu", dtype).contiguous() for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, **(info or {}), "model": config.to_dict()}
    text = _checked_json(meta)  # what load_checkpoint refuses is never written
    save_tensors(tensors, directory / WEIGHTS_FILE, {"format": FORMAT})
    (directory / CONFIG_FILE).write_text(text)


def save_tensors(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    """``safetensors`` ``save_file``, whose I/O errors (disk full) become :class:`OSError`."""
    from safetensors import SafetensorError
    from safetensors.torch import save_file

    try:
        save_file(tensors, str(path), metadata=metadata)
    except SafetensorError as exc:
        code = re.search(r"os error (\d+)", str(exc))
        if code is None:
            raise
        number = int(code[1])
        raise OSError(number, os.strerror(number), str(path)) from None


def _checked_json(meta: dict[str, Any]) -> str:
    """``config.json``'s text, after the checks :func:`read_checkpoint_info` makes.

    Non-finite numbers in free-form fields (metrics, history) become ``null``: the file
    stays standard JSON, never holding a ``NaN`` literal.
    """
    from napari_defocus_deblur.model.schema import validate_info

    try:
        validate_info(meta, "checkpoint to save")
    except UserInputError as exc:
        raise CheckpointError(str(exc)) from None
    plain = json.loads(json.dumps(meta, default=str))
    return json.dumps(_finite(plain), indent=2, allow_nan=False) + "\n"


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _holds_checkpoint_or_nothing(directory: Path) -> bool:
    """Whether ``directory`` has no ``config.json`` or one written as a checkpoint."""
    path = directory / CONFIG_FILE
    if not path.exists():
        return True
    try:
        return json.loads(path.read_text()).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def read_checkpoint_info(directory: str | Path) -> dict[str, Any]:
    """The parsed and validated ``config.json`` of a checkpoint directory.

    The weights are not touched. A save that was interrupted after its commit point is
    completed first (when the folder is writable).

    Raises
    ------
    CheckpointError
        Missing folder or config, pickle files present, invalid JSON, or values that
        fail the schema of :mod:`napari_defocus_deblur.model.schema`.
    """
    from napari_defocus_deblur.model.schema import validate_info

    directory = Path(directory)
    if not directory.is_dir():
        raise CheckpointError(f"checkpoint directory not found: {directory}")
    _finish_interrupted_save(directory)
    pickles = [p.name for p in directory.iterdir() if p.suffix.lower() in _FORBIDDEN_SUFFIXES]
    if pickles:
        raise CheckpointError(
            f"{directory} contains pickle-format files ({', '.join(sorted(pickles))}); "
            "only safetensors checkpoints are loaded, for safety"
        )
    path = directory / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"{directory} is not a checkpoint: {CONFIG_FILE} is missing")
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise CheckpointError(f"{path} is too large for a checkpoint config (over 64 MiB)")
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError) as exc:  # JSON and Unicode errors
        raise CheckpointError(f"{path} is not valid JSON: {exc}") from exc
    try:
        return validate_info(info, str(path))
    except UserInputError as exc:
        raise CheckpointError(str(exc)) from None


def _finish_interrupted_save(directory: Path) -> None:
    from napari_defocus_deblur.io.fileset import recover

    with contextlib.suppress(OSError):  # read-only folder: read what is there
        recover(directory)


def load_checkpoint(
    directory: str | Path, device: str | torch.device = "cpu"
) -> tuple[nn.Module, dict[str, Any]]:
    """Rebuild the network of a checkpoint directory; returns ``(model, info)``.

    The model is in eval mode, float32, on ``device``.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from napari_defocus_deblur.model import build_model
    from napari_defocus_deblur.model.schema import validate_model_config

    directory = Path(directory)
    info = read_checkpoint_info(directory)
    config = validate_model_config(
        with_legacy_defaults(info["model"]), f"{directory / CONFIG_FILE}: model"
    )
    weights = directory / WEIGHTS_FILE
    if not weights.is_file():
        raise CheckpointError(f"{directory} has no {WEIGHTS_FILE}")
    try:
        tensors = load_file(str(weights))
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{weights} is corrupt or not a safetensors file: {exc}") from exc
    model = build_model(config)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    wrong = sorted(
        k for k in expected.keys() & tensors.keys() if expected[k].shape != tensors[k].shape
    )
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing (e.g. {missing[0]})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]})")
        if wrong:
            k = wrong[0]
            parts.append(
                f"{len(wrong)} with wrong shapes (e.g. {k}: file {tuple(tensors[k].shape)} "
                f"vs config {tuple(expected[k].shape)})"
            )
        raise CheckpointError(
            f"weights in {directory} do not match its config ({config.label}): " + "; ".join(parts)
        )
    _check_values(tensors, weights)
    model.load_state_dict({k: v.float() for k, v in tensors.items()})
    return model.to(device).eval(), info


#: Largest weight magnitude a checkpoint may hold (trained networks stay below ~10).
MAX_WEIGHT = 1e4
_WEIGHT_DTYPES = ("float16", "bfloat16", "float32")


def _check_values(tensors: dict[str, torch.Tensor], weights: Path) -> None:
    """Refuse weights that are not floating point, not finite or absurdly large."""
    for key, value in tensors.items():
        kind = str(value.dtype).removeprefix("torch.")
        if kind not in _WEIGHT_DTYPES:
            raise CheckpointError(
                f"{weights}: {key} holds {kind} values; a checkpoint stores float16 or "
                "float32 weights"
            )
        peak = float(value.float().abs().max()) if value.numel() else 0.0
        if not math.isfinite(peak) or peak > MAX_WEIGHT:
            raise CheckpointError(
                f"{weights}: {key} holds values up to {peak:.3g} (trained weights stay "
                f"within +-{MAX_WEIGHT:.0e}); the file is damaged or not a trained model"
            )
