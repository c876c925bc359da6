"""Model and device choices for the widgets: bundled zoo + session models, detected devices.

torch and the inference package are imported inside the functions, never at import time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from napari_defocus_deblur.widgets._registry import registry, user_models_dir

#: Keys of ``layer.metadata`` that may carry the stage offset from focus (micrometres).
DEPTH_KEYS = ("depth_um", "defocus_um", "stage_offset_um", "offset_um")


@dataclass(frozen=True)
class ModelChoice:
    """One entry of a model picker (a light copy of ``inference.ModelEntry``)."""

    name: str
    path: Path
    depth_um: float | None
    fusion: str | None
    bundled: bool
    depths_um: tuple[float, ...] = ()
    channel: int | None = None

    @property
    def label(self) -> str:
        """Text shown in a combo box."""
        from napari_defocus_deblur.zoo.names import depths_text

        parts = []
        if len(self.depths_um) > 1:
            parts.append(f"{depths_text(self.depths_um)} µm")
        elif self.depth_um is not None:
            parts.append(f"{self.depth_um:g} µm")
        if self.fusion:
            parts.append(self.fusion)
        parts.append("bundled" if self.bundled else "yours")
        return f"{self.name} ({', '.join(parts)})"


def list_models() -> list[ModelChoice]:
    """Bundled models, the checkpoints registered in this session and saved earlier.

    Session models come first (most recent first), then models found in
    :func:`~napari_defocus_deblur.widgets._registry.user_models_dir`, then bundled ones.
    """
    from napari_defocus_deblur.channels import model_channel
    from napari_defocus_deblur.inference import available_models

    extra = registry.directories()
    home = user_models_dir()
    entries = available_models(extra_dirs=(*extra, home) if home.is_dir() else extra)
    choices = [
        ModelChoice(
            name=str(e.name),
            path=Path(e.path),
            depth_um=None if e.depth_um is None else float(e.depth_um),
            fusion=e.fusion,
            bundled=bool(e.bundled),
            depths_um=tuple(e.depths_um),
            channel=model_channel(e.path),
        )
        for e in entries
    ]
    rank = {p: i for i, p in enumerate(extra)}

    def key(c: ModelChoice) -> tuple[int, int, str]:
        return (int(c.bundled), rank.get(_resolved(c.path), len(rank)), c.name)

    return sorted(choices, key=key)


def _resolved(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except OSError:
        return path


def nearest_model(
    choices: list[ModelChoice], depth_um: float, fusion: str, channel: int | None = None
) -> ModelChoice | None:
    """The model for ``channel`` closest in depth to ``depth_um``, preferring ``fusion``.

    Bundled models of the channel first, then any model of the channel (yours); when no
    model records that channel, the bundled (else any) model closest in depth, and the
    widget warns. None when there is no model at all.
    """
    fits = [c for c in choices if channel is None or c.channel == channel]
    bundled = [c for c in choices if c.bundled]
    pool = [c for c in fits if c.bundled] or fits or bundled or list(choices)
    if not pool:
        return None

    from napari_defocus_deblur.zoo.names import depth_gap

    def key(c: ModelChoice) -> tuple[float, int, int]:
        depths = c.depths_um or (() if c.depth_um is None else (c.depth_um,))
        return (depth_gap(depths, depth_um), int(c.fusion != fusion), int(c.bundled))

    return min(pool, key=key)


def layer_depth_um(layer: Any, index: tuple[int, ...] | None = None) -> float | None:
    """Distance from focus recorded by our reader or sample data, or None.

    Looks at ``layer.metadata`` (top level and under ``"napari_defocus_deblur"``) for one
    of :data:`DEPTH_KEYS`; for z-stacks read from BBBC006 (per-plane
    ``stage_offsets_um``) the plane is the last entry of ``index``, the leading-axes
    position. The absolute value is returned (above or below focus).
    """
    metadata = getattr(layer, "metadata", None) or {}
    scopes = [metadata]
    nested = metadata.get("napari_defocus_deblur")
    if isinstance(nested, dict):
        scopes.append(nested)
    for scope in scopes:
        for key in DEPTH_KEYS:
            value = scope.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return abs(float(value))
    per_plane = plane_depths_um(layer)
    if per_plane is not None and index:
        return per_plane[index[-1]] if 0 <= index[-1] < len(per_plane) else None
    return None


def plane_depths_um(layer: Any) -> list[float] | None:
    """Per-plane distances from focus of a z-stack (axis -3), or None when unknown."""
    metadata = getattr(layer, "metadata", None) or {}
    offsets = metadata.get("stage_offsets_um")
    data = getattr(layer, "data", None)
    shape = getattr(data, "shape", ())
    if not isinstance(offsets, (list, tuple)) or len(shape) < 3 or len(offsets) != shape[-3]:
        return None
    if not all(isinstance(v, (int, float)) for v in offsets):
        return None
    return [abs(float(v)) for v in offsets]


_DEVICE_NAMES = {"cpu": "CPU", "cuda": "GPU", "mps": "Apple GPU"}


@functools.cache
def device_choices() -> tuple[tuple[str, str], ...]:
    """``(label, device)`` pairs for the device box: auto (saying what it resolves to),
    every GPU kind PyTorch can use here, then the CPU.

    Asks the core's resolver (:func:`~napari_defocus_deblur.inference.device.resolve_device`)
    so the widget offers exactly what inference accepts.
    """
    from napari_defocus_deblur.errors import UserInputError
    from napari_defocus_deblur.inference.device import DEVICE_CHOICES, resolve_device

    def label(kind: str) -> str:
        if kind == "cuda":
            import torch

            return f"GPU ({torch.cuda.get_device_name(0)})"
        return _DEVICE_NAMES.get(kind, kind)

    usable = []
    for name in DEVICE_CHOICES:
        if name == "auto":
            continue
        try:
            resolve_device(name)
        except UserInputError:
            continue
        usable.append(name)
    usable.sort(key=lambda n: n == "cpu")  # GPUs first
    auto = resolve_device("auto").type
    return ((f"auto ({label(auto)})", "auto"), *((label(n), n) for n in usable))


@functools.cache
def backend_choices() -> tuple[tuple[str, str], ...]:
    """``(label, backend)`` pairs: auto (saying what it runs here), PyTorch, and OpenVINO
    where it is installed; the rule is the core's
    (:func:`~napari_defocus_deblur.inference.device.resolve_backend`)."""
    import warnings

    from napari_defocus_deblur.inference import hardware
    from napari_defocus_deblur.inference.device import BACKEND_CHOICES, resolve_backend

    with warnings.catch_warnings():  # "OpenVINO is missing" is said once, by inference
        warnings.simplefilter("ignore")
        auto = resolve_backend("auto")
    names = {"torch": "PyTorch", "openvino": "OpenVINO (CPU)"}
    usable = [n for n in BACKEND_CHOICES if n != "auto"]
    if not hardware.openvino_available():
        usable.remove("openvino")
    auto_label = f"auto ({names[auto.name].split()[0]} {auto.precision})"
    return ((auto_label, "auto"), *((names[n], n) for n in usable))
