"""The model catalogue: the one place that finds, names, chooses and loads models.

Bundled models live in :data:`ZOO_DIR` (``napari_defocus_deblur/zoo/<name>/``); user
checkpoints are folders holding a ``config.json``. A model is named by a path, a bundled
folder name or, for bundled models trained on pooled distances, a per-distance alias such
as ``bbbc006-34um-sum`` (:mod:`napari_defocus_deblur.zoo.names`). The API, the CLI,
training (``--init``), evaluation and the widgets all go through this module.

**The choosing rule** (:func:`rank`): keep the models of the requested method (``"sum"``,
``"concat"``, ``"unet"``, ``"nah"``) and channel (models that record no channel fit any
channel); order them by how far the distance lies outside the distances each was trained
on (0 inside a pooled model's range), then more scales first, then models trained on
pooled distances, then the larger trained distance, then the name.

Loading (:func:`load_model`) reads each checkpoint once (cached on its path, file
stamps and device) and hands every caller its own copy, so changing one copy (dtype,
``train()``, weights) never reaches another caller.
"""

from __future__ import annotations

import copy
import functools
import math
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import torch
from torch import nn

from napari_defocus_deblur.errors import CheckpointError, UserInputError
from napari_defocus_deblur.inference.choosing import choose, rank
from napari_defocus_deblur.inference.entry import ModelEntry
from napari_defocus_deblur.model.checkpoint import CONFIG_FILE, WEIGHTS_FILE, read_checkpoint_info
from napari_defocus_deblur.model.config import ModelConfig
from napari_defocus_deblur.zoo import names

#: Folder of the bundled models (one sub-folder per model). Tests replace it.
ZOO_DIR = Path(__file__).resolve().parents[1] / "zoo"


__all__ = [
    "ZOO_DIR",
    "ModelEntry",
    "available_models",
    "choose_model",
    "coverage_note",
    "load_model",
    "rank",
    "resolve_model_path",
    "scan_models",
    "shared_model",
]


def is_checkpoint(path: Path) -> bool:
    """Whether ``path`` is a checkpoint directory (holds a ``config.json``)."""
    return (path / CONFIG_FILE).is_file()


def read_entry(directory: Path, bundled: bool) -> ModelEntry:
    """The catalogue entry of one checkpoint directory (raises :class:`CheckpointError`)."""
    from napari_defocus_deblur.channels import model_channel

    info = read_checkpoint_info(directory)
    depth = info.get("depth_um")
    name = directory.name if bundled else str(info.get("name") or directory.name)
    try:
        config = ModelConfig.from_dict(info.get("model") or {})
    except UserInputError as exc:
        raise CheckpointError(f"{directory}/{CONFIG_FILE}: {exc}") from exc
    method = names.method_of(info)
    return ModelEntry(
        name=name,
        path=directory,
        depth_um=None if depth is None else float(depth),
        fusion=(info.get("fusion") or config.fusion) if method in names.FUSED_METHODS else None,
        bundled=bundled,
        label=config.label,
        parameters=_count_weights(directory / WEIGHTS_FILE),
        depths_um=names.trained_depths(info),
        method=method,
        channel=model_channel(info),
        config=config,
        info=info,
    )


def _count_weights(path: Path) -> int | None:
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            keys = f.keys()
            return sum(math.prod(f.get_slice(k).get_shape()) for k in keys)
    except Exception:  # missing or damaged weights: shown as unknown, load_model explains
        return None


def _folders(
    extra_dirs: Iterable[str | os.PathLike], bundled: bool
) -> tuple[list[tuple[Path, bool]], list[str]]:
    folders: list[tuple[Path, bool]] = []
    problems: list[str] = []
    if bundled and ZOO_DIR.is_dir():
        folders += [(p, True) for p in sorted(ZOO_DIR.iterdir()) if is_checkpoint(p)]
    for extra in extra_dirs:
        root = Path(extra).expanduser()
        if is_checkpoint(root):
            folders.append((root, False))
        elif root.is_dir():
            folders += [(p, False) for p in sorted(root.iterdir()) if is_checkpoint(p)]
        else:
            problems.append(f"{root}: no such folder")
    return folders, problems


def scan_models(
    extra_dirs: Iterable[str | os.PathLike] = (), *, bundled: bool = True
) -> tuple[list[ModelEntry], list[str]]:
    """Bundled models (unless ``bundled=False``), then the checkpoints in ``extra_dirs``
    (checkpoint directories, or folders of them), plus one message per unreadable folder."""
    folders, problems = _folders(extra_dirs, bundled)
    entries: list[ModelEntry] = []
    seen: set[Path] = set()
    for folder, is_bundled in folders:
        key = folder.resolve()
        if key in seen:
            continue
        seen.add(key)
        try:
            entries.append(read_entry(folder, is_bundled))
        except CheckpointError as exc:
            problems.append(str(exc))
    return entries, problems


def available_models(extra_dirs: Iterable[str | os.PathLike] = ()) -> list[ModelEntry]:
    """Bundled models, then the checkpoints found in ``extra_dirs`` (unreadable left out)."""
    return scan_models(extra_dirs)[0]


def choose_model(
    depth_um: float,
    method: str | None = None,
    channel: int | None = None,
    *,
    among: Sequence[ModelEntry] | None = None,
    strict: bool = False,
    exact: bool = False,
) -> ModelEntry | None:
    """THE model choice: the one entry point every front end and job calls.

    Parameters
    ----------
    depth_um
        Distance from focus (µm, already checked).
    method, channel
        ``"sum"``, ``"concat"``, ``"unet"`` or ``"nah"`` (None: the default family,
        :data:`~napari_defocus_deblur.zoo.names.DEFAULT_METHOD`, read at call time);
        the image channel (None: any).
    among
        Candidates (e.g. a widget's list, bundled and yours); None: the bundled models.
    strict
        Only models of ``method``: raise :class:`UserInputError` when there is none,
        and warn (``UserWarning``, :func:`coverage_note`) when none was trained for
        ``depth_um``. Otherwise :func:`~.choosing.choose`'s fallbacks apply (bundled
        first, then other methods and channels) and None means "no model at all".
    exact
        Only models of ``method`` and ``channel`` trained at exactly ``depth_um`` (among
        others, for pooled models), else None: the rows of ``evaluate``'s tables.
    """
    method = method or names.DEFAULT_METHOD
    pool = [e for e in available_models() if e.bundled] if among is None else list(among)
    if exact:
        return next(iter(rank(pool, depth_um, method, channel, exact=True)), None)
    if not strict:
        return choose(pool, depth_um, method, channel)
    fit = [e for e in pool if e.depths_um]
    if not fit:
        raise UserInputError(
            "no pretrained model is installed (the bundled model zoo is empty); pass "
            "model=<checkpoint folder> (--model DIR on the command line), e.g. one trained "
            "with 'defocus-deblur train' or the 'Train deblur model' widget"
        )
    ranked = rank(fit, depth_um, method, channel) or rank(fit, depth_um, method)
    if not ranked:
        have = ", ".join(sorted({e.method for e in fit}))
        raise UserInputError(f"no bundled model uses fusion {method!r} (bundled: {have})")
    note = coverage_note(ranked[0], depth_um)
    if note is not None:
        warnings.warn(note, UserWarning, stacklevel=3)
    return ranked[0]


def coverage_note(entry: ModelEntry, depth_um: float) -> str | None:
    """One line when ``entry`` was trained neither at nor around ``depth_um``, else None
    (the distances it serves: :func:`~napari_defocus_deblur.zoo.names.served_depths`)."""
    served = entry.served_depths
    if names.depth_gap(served, depth_um) == 0:
        return None
    return (
        f"no bundled model was trained for {round(depth_um, 1):g} µm from focus; using "
        f"{entry.name} (trained for {names.depths_text(served)} µm)"
    )


def resolve_model_path(name_or_dir: str | os.PathLike) -> Path:
    """The checkpoint directory of a path, a bundled model name or a per-distance alias.

    Raises
    ------
    CheckpointError
        When it is none of these (the message lists the bundled models).
    """
    if not str(name_or_dir).strip():  # Path("") would be the current folder
        raise CheckpointError("the model name is empty; give a checkpoint folder or a model name")
    path = Path(name_or_dir).expanduser()
    if path.is_dir():
        return path
    candidate = ZOO_DIR / str(name_or_dir)
    if isinstance(name_or_dir, str) and os.sep not in name_or_dir and is_checkpoint(candidate):
        return candidate
    entries = [e for e in available_models() if e.bundled]
    wanted = names.parse_alias(name_or_dir) if isinstance(name_or_dir, str) else None
    if wanted is not None:
        for entry in entries:
            if names.alias(wanted[0], wanted[1]) in entry.aliases:
                return entry.path
    bundled = [e.name for e in entries]
    listed = ", ".join(bundled) if bundled else "none are installed"
    raise CheckpointError(
        f"model {str(name_or_dir)!r} is neither a checkpoint folder nor a bundled model "
        f"(bundled models: {listed})"
    )


def shared_model(name_or_dir: str | os.PathLike, device: str | torch.device = "cpu") -> nn.Module:
    """The cached network itself, for code that only reads it (inference copies it before
    running). Everyone else calls :func:`load_model`, which returns a private copy."""
    from napari_defocus_deblur.inference.device import resolve_device

    if not isinstance(name_or_dir, str | os.PathLike):
        raise UserInputError(
            "load_model needs a bundled model name or a checkpoint folder, got "
            f"{type(name_or_dir).__name__} {name_or_dir!r:.60}"
        )
    path = resolve_model_path(name_or_dir).resolve()
    stamps = tuple(_stamp(path / f) for f in (CONFIG_FILE, WEIGHTS_FILE))
    return _load_cached(str(path), stamps, str(resolve_device(device)))


def load_model(name_or_dir: str | os.PathLike, device: str | torch.device = "cpu") -> nn.Module:
    """Load a bundled model by name or alias, or a checkpoint directory, in eval mode.

    The files are read once (cached on the resolved path, the files' modification times
    and the device); every call returns a new copy, free to change. The checkpoint's
    ``config.json`` is available as ``model.checkpoint_info``, its name as
    ``model.checkpoint_name`` and its folder as ``model.checkpoint_path``.

    Raises
    ------
    UserInputError
        ``name_or_dir`` is not a string or path.
    CheckpointError
        Missing, pickle-based, corrupt or mismatched checkpoints.
    """
    return copy.deepcopy(shared_model(name_or_dir, device))


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return 0, 0


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, stamps: tuple, device: str) -> nn.Module:
    from napari_defocus_deblur.model.checkpoint import load_checkpoint

    model, info = load_checkpoint(path, device=device)
    bundled = Path(path).parent == ZOO_DIR.resolve()
    model.checkpoint_info = info
    name = Path(path).name if bundled else info.get("name")
    model.checkpoint_name = str(name or Path(path).name)
    model.checkpoint_path = Path(path)
    return model
