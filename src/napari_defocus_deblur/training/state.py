"""Resumable training state beside a checkpoint, without pickle.

Files added to a checkpoint directory by training:

``optimizer.safetensors``
    Every tensor of the Adam state (``"<param index>.<key>"``, e.g. ``"3.exp_avg"``).
``best_model.safetensors``
    Weights of the epoch with the best validation PSNR (for early stopping).
``training_state.json``
    Step, epoch, RNG states, best validation PSNR, history, optimizer scalars and
    parameter groups, and the SHA-256 of every other file of the checkpoint.

:func:`save_training_checkpoint` writes all of them and the weights and
``config.json`` as one set (:mod:`napari_defocus_deblur.io.fileset`): a run killed at
any moment leaves the previous checkpoint or the new one. Resuming checks the hashes,
so it continues exactly from the saved step or refuses with a message.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from napari_defocus_deblur.errors import CheckpointError, os_error_reason

OPTIMIZER_FILE = "optimizer.safetensors"
BEST_FILE = "best_model.safetensors"
STATE_FILE = "training_state.json"
STATE_FORMAT = "napari-defocus-deblur/training-state-v1"
_HASH_CHUNK = 1 << 20


@dataclass
class RunState:
    """Mutable progress of a run (what ``training_state.json`` stores)."""

    step: int = 0
    epoch: int = 0
    elapsed_s: float = 0.0
    best_val_psnr: float | None = None
    best_epoch: int | None = None
    epochs_without_improvement: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    state: str = "running"
    kept_epoch: int | None = None  # the best epoch whose weights were kept (None: last)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "epoch": self.epoch,
            "elapsed_s": self.elapsed_s,
            "best_val_psnr": self.best_val_psnr,
            "best_epoch": self.best_epoch,
            "epochs_without_improvement": self.epochs_without_improvement,
            "history": self.history,
            "state": self.state,
            "kept_epoch": self.kept_epoch,
        }


def optimizer_to_files(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Split an optimizer state into safetensors tensors and a JSON-able dict."""
    sd = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, float] = {}
    for idx, per_param in sd["state"].items():
        for key, value in per_param.items():
            name = f"{idx}.{key}"
            if torch.is_tensor(value) and value.ndim > 0:
                tensors[name] = value.detach().to("cpu").contiguous()
            else:
                scalars[name] = float(value)
    groups = [
        {k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()}
        for g in sd["param_groups"]
    ]
    return tensors, {"param_groups": groups, "scalars": scalars}


def optimizer_from_files(
    optimizer: torch.optim.Optimizer, tensors: dict[str, torch.Tensor], meta: dict
) -> None:
    """Load what :func:`optimizer_to_files` produced into ``optimizer``."""
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = value
    for name, value in meta["scalars"].items():
        idx, key = name.split(".", 1)
        state.setdefault(int(idx), {})[key] = torch.tensor(value, dtype=torch.float32)
    groups = [
        {k: (tuple(v) if k == "betas" else v) for k, v in g.items()} for g in meta["param_groups"]
    ]
    try:
        optimizer.load_state_dict({"state": state, "param_groups": groups})
    except (ValueError, KeyError, RuntimeError) as exc:
        raise CheckpointError(f"optimizer state does not match the model: {exc}") from exc


def rng_states(rng: np.random.Generator) -> dict[str, Any]:
    """numpy and torch RNG states as JSON-able values."""
    out: dict[str, Any] = {
        "numpy": rng.bit_generator.state,
        "torch": torch.get_rng_state().tolist(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        out["cuda"] = [s.tolist() for s in torch.cuda.get_rng_state_all()]
    return out


def restore_rng(rng: np.random.Generator, states: dict[str, Any]) -> None:
    """Inverse of :func:`rng_states`."""
    rng.bit_generator.state = states["numpy"]
    torch.set_rng_state(torch.tensor(states["torch"], dtype=torch.uint8))
    if "cuda" in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all([torch.tensor(s, dtype=torch.uint8) for s in states["cuda"]])


def save_training_state(
    directory: Path,
    optimizer: torch.optim.Optimizer,
    run: RunState,
    rng: np.random.Generator,
    extra: dict[str, Any],
) -> None:
    """Write ``optimizer.safetensors`` and ``training_state.json`` into ``directory``.

    ``training_state.json`` records the SHA-256 of every other file in ``directory``
    (call it last, on a staging folder; see :func:`save_training_checkpoint`).
    """
    from napari_defocus_deblur.model.checkpoint import save_tensors

    tensors, meta = optimizer_to_files(optimizer)
    save_tensors(tensors, directory / OPTIMIZER_FILE, {"format": STATE_FORMAT})
    files = {p.name: file_hash(p) for p in sorted(directory.iterdir()) if p.name != STATE_FILE}
    payload = {
        "format": STATE_FORMAT,
        **run.to_dict(),
        "rng": rng_states(rng),
        "optimizer": meta,
        **extra,
        "files": files,
    }
    (directory / STATE_FILE).write_text(json.dumps(payload, indent=1) + "\n")


def save_training_checkpoint(
    directory: Path,
    model: nn.Module,
    info: dict[str, Any],
    optimizer: torch.optim.Optimizer,
    run: RunState,
    rng: np.random.Generator,
    extra: dict[str, Any],
    best: dict[str, torch.Tensor] | None = None,
) -> None:
    """Write a resumable checkpoint as one atomic set.

    Weights and ``config.json`` (``info``), the best-epoch weights ``best`` (when there
    are any), the optimizer and ``training_state.json`` replace the previous
    checkpoint together, whatever moment the process is killed at.
    """
    from napari_defocus_deblur.io.fileset import file_set
    from napari_defocus_deblur.model.checkpoint import save_tensors, write_checkpoint_files

    try:
        with file_set(directory, first=(STATE_FILE,)) as staging:
            write_checkpoint_files(model, staging, info=info)
            if best is not None:
                save_tensors(best, staging / BEST_FILE, {"format": STATE_FORMAT})
            save_training_state(staging, optimizer, run, rng, extra)
    except OSError as exc:
        raise CheckpointError(
            f"cannot write checkpoint to {directory}: {os_error_reason(exc)}"
        ) from exc


def save_best(directory: Path, model: nn.Module) -> dict[str, torch.Tensor]:
    """A CPU copy of the current weights as the best ones.

    The copy is written to ``best_model.safetensors`` in ``directory`` with the next
    checkpoint (:func:`save_training_checkpoint`), so that it always belongs to the
    same step as the rest of the checkpoint.
    """
    return {
        k: v.detach().to("cpu", torch.float32).clone(memory_format=torch.contiguous_format)
        for k, v in model.state_dict().items()
    }


def file_hash(path: Path) -> str:
    """SHA-256 of a file, as hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def load_training_state(directory: Path) -> dict[str, Any]:
    """The parsed ``training_state.json`` of ``directory``, checked against its files.

    An interrupted save is completed or discarded first, then every file recorded in
    the state must have the recorded SHA-256, so a resumed run starts from exactly the
    saved step.

    Raises
    ------
    CheckpointError
        No run, an unreadable state, or files that differ from the ones saved with it.
    """
    from napari_defocus_deblur.io.fileset import recover

    try:
        recover(directory, first=(STATE_FILE,), discard_stale=True)
    except OSError as exc:
        raise CheckpointError(f"cannot resume: {directory} cannot be repaired: {exc}") from exc
    path = directory / STATE_FILE
    if not path.is_file():
        raise CheckpointError(
            f"cannot resume: {directory} holds no training run ({STATE_FILE} is missing)"
        )
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError) as exc:
        raise CheckpointError(f"cannot resume: {path} is unreadable: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        raise CheckpointError(f"cannot resume: {path} has an unknown format")
    _check_files(directory, data.get("files"), data.get("step"))
    return data


def _check_files(directory: Path, files: Any, step: Any) -> None:
    if files is None:  # written before states recorded their files
        return
    if not isinstance(files, dict):
        raise CheckpointError(f"cannot resume: {directory / STATE_FILE} has an unknown format")
    for name, expected in files.items():
        path = directory / str(name)
        try:
            actual = file_hash(path) if path.is_file() else None
        except OSError:
            actual = None
        if actual != expected:
            what = "is missing" if actual is None else "differs from the file saved"
            raise CheckpointError(
                f"cannot resume: {path} {what} at step {step} ({STATE_FILE}); resuming "
                "would not continue the saved run exactly. Start a new run with "
                "--overwrite, or restore the file"
            )


def load_optimizer(directory: Path, optimizer: torch.optim.Optimizer, meta: dict) -> None:
    """Restore the optimizer saved in ``directory``."""
    from safetensors.torch import load_file

    path = directory / OPTIMIZER_FILE
    if not path.is_file():
        raise CheckpointError(f"cannot resume: {path} is missing")
    optimizer_from_files(optimizer, load_file(str(path)), meta)


def load_best(directory: Path) -> dict[str, torch.Tensor] | None:
    """Best-epoch weights saved with the checkpoint in ``directory``, or None."""
    from safetensors.torch import load_file

    path = directory / BEST_FILE
    try:
        files = json.loads((directory / STATE_FILE).read_text()).get("files")
    except (OSError, ValueError, AttributeError):
        files = None
    if isinstance(files, dict) and BEST_FILE not in files:
        return None  # left by an earlier run in this folder
    return load_file(str(path)) if path.is_file() else None


def run_from_dict(data: dict[str, Any]) -> RunState:
    """The :class:`RunState` part of a loaded ``training_state.json``."""
    keys = RunState().to_dict().keys()
    return RunState(**{k: data[k] for k in keys if k in data})
