"""Model and device choices for the widgets: bundled zoo + session models, detected devices.

torch and the inference package are imported inside the functions, never at import time.
"""

from __future__ import annotations

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


def nearest_model(choices: list[ModelChoice], depth_um: float, fusion: str) -> ModelChoice | None:
    """The bundled model closest in depth to ``depth_um``, preferring ``fusion``.

    Falls back to session models when nothing is bundled; None when there is no model.
    """
    pool = [c for c in choices if c.bundled] or list(choices)
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


def detect_devices() -> list[tuple[str, str]]:
    """``(label, device name)`` pairs for the device picker, 'auto' first.

    The auto label says what auto resolves to on this machine, e.g. ``auto (CPU)``.
    """
    import torch

    gpus: list[tuple[str, str]] = []
    if torch.cuda.is_available():
        gpus.append((f"GPU ({torch.cuda.get_device_name(0)})", "cuda"))
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        gpus.append(("GPU (Apple MPS)", "mps"))
    auto = gpus[0][0] if gpus else "CPU"
    devices = [(f"auto ({auto})", "auto"), *gpus, ("CPU", "cpu")]
    if not gpus:
        devices.insert(1, ("GPU (none detected)", "cuda"))
    return devices
