"""Model and device choices for the widgets: bundled zoo + session models, detected devices.

torch and the inference package are imported inside the functions, never at import time.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from napari_defocus_deblur.widgets._registry import registry, user_models_dir

if TYPE_CHECKING:
    from napari_defocus_deblur.inference.catalogue import ModelEntry

#: Keys of ``layer.metadata`` that may carry the stage offset from focus (micrometres).
DEPTH_KEYS = ("depth_um", "defocus_um", "stage_offset_um", "offset_um")


def choice_label(entry: ModelEntry) -> str:
    """Text of a model in a combo box: name, distances, fusion, bundled or yours."""
    from napari_defocus_deblur.zoo.names import depths_text

    parts = []
    served = entry.served_depths
    if len(served) > 1:
        parts.append(f"{depths_text(served)} µm")
    elif entry.depth_um is not None:
        parts.append(f"{entry.depth_um:g} µm")
    if entry.fusion:
        parts.append(entry.fusion)
    parts.append("bundled" if entry.bundled else "yours")
    return f"{entry.name} ({', '.join(parts)})"


def list_models() -> list[ModelEntry]:
    """Bundled models, the checkpoints registered in this session and saved earlier.

    The catalogue's entries (:class:`~napari_defocus_deblur.inference.ModelEntry`):
    session models first (most recent first), then models found in
    :func:`~napari_defocus_deblur.widgets._registry.user_models_dir`, then bundled ones.
    """
    from napari_defocus_deblur.inference import available_models

    extra = registry.directories()
    home = user_models_dir()
    entries = available_models(extra_dirs=(*extra, home) if home.is_dir() else extra)
    order = {p: i for i, p in enumerate(extra)}

    def key(e: ModelEntry) -> tuple[int, int, str]:
        return (int(e.bundled), order.get(_resolved(e.path), len(order)), e.name)

    return sorted(entries, key=key)


def _resolved(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except OSError:
        return path


def nearest_model(
    choices: list[ModelEntry], depth_um: float, fusion: str, channel: int | None = None
) -> ModelEntry | None:
    """The model the widgets use for ``depth_um``, ``fusion`` and ``channel``.

    The catalogue's one entry point (:func:`~napari_defocus_deblur.inference.catalogue.
    choose_model`), so the widgets and ``deblur``/``predict`` pick the same model.
    """
    from napari_defocus_deblur.inference.catalogue import choose_model

    return choose_model(depth_um, fusion, channel, among=choices)


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


def plane_sides(layer: Any) -> list[str] | None:
    """Per-plane side of focus of a z-stack from its signed stage offsets (positive:
    above focus, as the BBBC006 reader records them), or None when unknown."""
    if plane_depths_um(layer) is None:
        return None
    offsets = layer.metadata["stage_offsets_um"]
    return ["above" if float(v) > 0 else "below" for v in offsets]


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
