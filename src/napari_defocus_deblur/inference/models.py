"""Bundled and user models: listing, choosing by depth, loading (cached) and saving.

Bundled models live in ``napari_defocus_deblur/zoo/<name>/`` (``config.json`` +
``model.safetensors``); any other checkpoint directory written by :func:`save_model`
or by training can be loaded by path. Loading never executes code from the files
(see :mod:`napari_defocus_deblur.model.checkpoint`).
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from napari_defocus_deblur.errors import CheckpointError, UserInputError
from napari_defocus_deblur.model.checkpoint import (
    CONFIG_FILE,
    WEIGHTS_FILE,
    load_checkpoint,
    read_checkpoint_info,
    save_checkpoint,
)
from napari_defocus_deblur.model.config import ModelConfig
from napari_defocus_deblur.normalization import PercentileNormalization
from napari_defocus_deblur.zoo.names import (
    alias,
    depth_gap,
    method_of,
    parse_alias,
    trained_depths,
)

#: Folder of the bundled models (one sub-folder per model).
ZOO_DIR = Path(__file__).resolve().parents[1] / "zoo"


@dataclass(frozen=True)
class ModelEntry:
    """A model that can be passed to ``deblur(model=...)`` or :func:`load_model`.

    Attributes
    ----------
    name
        Bundled models: the folder name (e.g. ``bbbc006-34um-sum``); user checkpoints:
        the ``name`` saved in ``config.json``, else the folder name.
    path
        The checkpoint directory.
    depth_um
        Distance from focus (micrometres) the model was trained for, if recorded.
    fusion
        ``"sum"`` or ``"concat"`` (``None`` for architectures without fusion).
    bundled
        Shipped with the package (``True``) or a user checkpoint.
    label
        Architecture in words, e.g. ``"head-to-tail K=4 sum"``.
    parameters
        Number of weights in ``model.safetensors`` (read from its header).
    depths_um
        Every distance the model was trained on (several for a model trained on
        pooled distances, whose ``depth_um`` is then ``None``).
    method
        ``"sum"``, ``"concat"``, ``"unet"`` or ``"nah"`` (the evaluation's rows).
    """

    name: str
    path: Path
    depth_um: float | None
    fusion: str | None
    bundled: bool
    label: str = ""
    parameters: int | None = None
    depths_um: tuple[float, ...] = ()
    method: str = ""

    @property
    def aliases(self) -> tuple[str, ...]:
        """Per-distance names of a bundled model trained on pooled distances, e.g.
        ``bbbc006-34um-sum`` for ``bbbc006-sum``."""
        if not self.bundled or len(self.depths_um) < 2:
            return ()
        return tuple(alias(d, self.method) for d in self.depths_um)


def _entry(directory: Path, bundled: bool) -> ModelEntry:
    info = read_checkpoint_info(directory)
    config = info.get("model") or {}
    depth = info.get("depth_um")
    name = directory.name if bundled else str(info.get("name") or directory.name)
    architecture = config.get("architecture", "head_to_tail")
    fusion = info.get("fusion") or (config.get("fusion") if architecture != "nah" else None)
    try:
        label = ModelConfig.from_dict(config).label
    except UserInputError as exc:
        raise CheckpointError(f"{directory}/{CONFIG_FILE}: {exc}") from exc
    method = method_of(info)
    return ModelEntry(
        name=name,
        path=directory,
        depth_um=None if depth is None else float(depth),
        fusion=fusion if method in ("sum", "concat") else None,
        bundled=bundled,
        label=label,
        parameters=_count_weights(directory / WEIGHTS_FILE),
        depths_um=trained_depths(info),
        method=method,
    )


def _count_weights(path: Path) -> int | None:
    try:
        from safetensors import safe_open

        with safe_open(str(path), framework="pt") as f:
            total = 0
            for key in f.keys():  # noqa: SIM118 - safe_open is not a mapping
                n = 1
                for dim in f.get_slice(key).get_shape():
                    n *= dim
                total += n
            return total
    except Exception:  # missing or damaged weights: shown as unknown, load_model explains
        return None


def _is_checkpoint(path: Path) -> bool:
    return (path / CONFIG_FILE).is_file()


def scan_models(
    extra_dirs: Iterable[str | os.PathLike] = (),
) -> tuple[list[ModelEntry], list[str]]:
    """Like :func:`available_models`, plus one message per folder that could not be read."""
    entries: list[ModelEntry] = []
    problems: list[str] = []
    folders: list[tuple[Path, bool]] = []
    if ZOO_DIR.is_dir():
        folders += [(p, True) for p in sorted(ZOO_DIR.iterdir()) if _is_checkpoint(p)]
    for extra in extra_dirs:
        root = Path(extra).expanduser()
        if _is_checkpoint(root):
            folders.append((root, False))
        elif root.is_dir():
            folders += [(p, False) for p in sorted(root.iterdir()) if _is_checkpoint(p)]
        else:
            problems.append(f"{root}: no such folder")
    seen: set[Path] = set()
    for folder, bundled in folders:
        key = folder.resolve()
        if key in seen:
            continue
        seen.add(key)
        try:
            entries.append(_entry(folder, bundled))
        except CheckpointError as exc:
            problems.append(str(exc))
    return entries, problems


def available_models(extra_dirs: Iterable[str | os.PathLike] = ()) -> list[ModelEntry]:
    """Bundled models, then the checkpoints found in ``extra_dirs``.

    Parameters
    ----------
    extra_dirs
        Checkpoint directories, or folders whose sub-folders are checkpoints.
        Folders that cannot be read are left out.
    """
    return scan_models(extra_dirs)[0]


def select_model(depth_um: float, fusion: str = "sum") -> ModelEntry:
    """The bundled model trained for the distance closest to ``depth_um``.

    A model trained on several distances covers the range between them. Warns
    (``UserWarning``) when no model covers that distance; ties go to the larger
    distance. ``fusion`` may also be ``"unet"`` or ``"nah"`` to pick a baseline.

    Raises
    ------
    UserInputError
        When ``depth_um`` is not a distance, no model is bundled, or none uses
        ``fusion``.
    """
    from napari_defocus_deblur.inference.checks import check_depth

    depth_um = float(check_depth(depth_um, allow_auto=False))
    bundled = [e for e in available_models() if e.bundled and e.depths_um]
    if not bundled:
        raise UserInputError(
            "no pretrained model is installed (the bundled model zoo is empty); pass "
            "model=<checkpoint folder> (--model DIR on the command line), e.g. one trained "
            "with 'defocus-deblur train' or the 'Train deblur model' widget"
        )
    matching = [e for e in bundled if e.method == fusion]
    if not matching:
        have = ", ".join(sorted({e.method for e in bundled}))
        raise UserInputError(f"no bundled model uses fusion {fusion!r} (bundled: {have})")
    best = min(
        matching,
        key=lambda e: (depth_gap(e.depths_um, depth_um), len(e.depths_um) == 1, -max(e.depths_um)),
    )
    if depth_gap(best.depths_um, depth_um) > 0:
        trained = ", ".join(f"{d:g}" for d in best.depths_um)
        warnings.warn(
            f"no bundled model was trained for {depth_um:g} µm from focus; using "
            f"{best.name} (trained for {trained} µm)",
            UserWarning,
            stacklevel=3,
        )
    return best


def resolve_model_path(name_or_dir: str | os.PathLike) -> Path:
    """The checkpoint directory of a bundled model name or a path."""
    path = Path(name_or_dir).expanduser()
    if path.is_dir():
        return path
    candidate = ZOO_DIR / str(name_or_dir)
    if isinstance(name_or_dir, str) and os.sep not in name_or_dir and _is_checkpoint(candidate):
        return candidate
    entries = [e for e in available_models() if e.bundled]
    wanted = parse_alias(name_or_dir) if isinstance(name_or_dir, str) else None
    if wanted is not None:
        for entry in entries:
            if alias(wanted[0], wanted[1]) in entry.aliases:
                return entry.path
    bundled = [e.name for e in entries]
    names = ", ".join(bundled) if bundled else "none are installed"
    raise CheckpointError(
        f"model {str(name_or_dir)!r} is neither a checkpoint folder nor a bundled model "
        f"(bundled models: {names})"
    )


def load_model(name_or_dir: str | os.PathLike, device: str | torch.device = "cpu") -> nn.Module:
    """Load a bundled model by name or a checkpoint directory, in eval mode.

    Loaded models are cached (keyed on the resolved path, the files' modification
    times and the device), so repeated calls are free; the returned module is shared
    between calls, so ``copy.deepcopy`` it before changing its weights. The checkpoint's
    ``config.json`` is available as ``model.checkpoint_info`` and its name as
    ``model.checkpoint_name``.

    Raises
    ------
    UserInputError
        ``name_or_dir`` is not a string or path.
    CheckpointError
        Missing, pickle-based, corrupt or mismatched checkpoints.
    """
    from napari_defocus_deblur.inference.device import resolve_device

    if not isinstance(name_or_dir, str | os.PathLike):
        raise UserInputError(
            "load_model needs a bundled model name or a checkpoint folder, got "
            f"{type(name_or_dir).__name__} {name_or_dir!r:.60}"
        )
    path = resolve_model_path(name_or_dir).resolve()
    stamps = tuple(_stamp(path / f) for f in (CONFIG_FILE, WEIGHTS_FILE))
    return _load_cached(str(path), stamps, str(resolve_device(device)))


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except OSError:
        return 0, 0


@functools.lru_cache(maxsize=8)
def _load_cached(path: str, stamps: tuple, device: str) -> nn.Module:
    model, info = load_checkpoint(path, device=device)
    bundled = Path(path).parent == ZOO_DIR.resolve()
    model.checkpoint_info = info
    name = Path(path).name if bundled else info.get("name")
    model.checkpoint_name = str(name or Path(path).name)
    model.checkpoint_path = Path(path)
    return model


def _fusion_of(config: Any) -> str | None:
    if not isinstance(config, ModelConfig) or config.architecture == "nah":
        return None
    return config.fusion


def save_model(
    model: nn.Module,
    directory: str | os.PathLike,
    *,
    depth_um: float | None = None,
    fusion: str | None = None,
    normalization: PercentileNormalization | dict[str, Any] | None = None,
    name: str | None = None,
    half: bool = False,
    **info: Any,
) -> Path:
    """Write ``model`` as a checkpoint directory that :func:`load_model` reads.

    Parameters
    ----------
    model
        A network from :func:`~napari_defocus_deblur.model.build_model`.
    directory
        Created if needed; an existing checkpoint there is replaced.
    depth_um
        Distance from focus the model was trained for (micrometres).
    fusion
        Defaults to the model's fusion.
    normalization
        Input normalisation used in training (default: 1st/99.8th percentiles).
    name
        Display name (default: the folder name).
    half
        Store float16 weights (half the size; bundled models use it).
    **info
        More JSON-serialisable fields (e.g. ``provenance={"data": ...}``, training
        settings); ``provenance`` is merged with the package version and date.
    """
    from napari_defocus_deblur import __version__

    config = getattr(model, "config", None)
    if isinstance(normalization, PercentileNormalization):
        normalization = normalization.to_dict()
    provenance = {
        "package": "napari-defocus-deblur",
        "version": __version__,
        "torch": torch.__version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        **dict(info.pop("provenance", None) or {}),
    }
    meta: dict[str, Any] = {
        "name": name or Path(directory).name,
        "depth_um": None if depth_um is None else float(depth_um),
        "fusion": fusion or _fusion_of(config),
        "normalization": PercentileNormalization.from_dict(normalization).to_dict(),
        "provenance": provenance,
        **info,
    }
    return save_checkpoint(model, directory, info=meta, half=half)
