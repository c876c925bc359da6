"""What this machine offers inference: bf16 matrix units on the CPU, the OpenVINO runtime.

Facts, read at run time, and the one bf16 rule of the CPU (:func:`cpu_bf16_units`);
what runs is decided in :func:`napari_defocus_deblur.inference.device.resolve_backend`
(inference) and :func:`~napari_defocus_deblur.inference.device.training_uses_bf16`.
"""

from __future__ import annotations

import contextlib
import functools
import os

import torch

#: "1" forces the bf16 rule on the CPU (training and inference), "0" the float32 rule.
CPU_BF16_ENV = "DEFOCUS_DEBLUR_CPU_BF16"


def forced_cpu_bf16() -> bool | None:
    """The one reader of :data:`CPU_BF16_ENV`: True for "1", False for "0", else None."""
    value = os.environ.get(CPU_BF16_ENV, "").strip()
    return {"1": True, "0": False}.get(value)


def cpu_bf16_units() -> str | None:
    """THE bf16 rule on the CPU, for training and inference alike.

    ``"AMX"`` or ``"AVX512-BF16"`` when the CPU has bf16 matrix instructions (read from
    the CPU flags once, cached), else None; :data:`CPU_BF16_ENV` overrides the detection
    (``"forced"``/None). Training autocasts to bf16 and inference runs OpenVINO in bf16
    exactly when this is not None.
    """
    forced = forced_cpu_bf16()
    if forced is not None:
        return "forced" if forced else None
    return _detect_bf16_units()


@functools.lru_cache(maxsize=1)
def _detect_bf16_units() -> str | None:
    cpu = getattr(torch, "cpu", None)

    def probe(name: str) -> bool:
        try:
            return bool(getattr(cpu, name)())
        except (AttributeError, RuntimeError):
            return False

    flags: set[str] = set()
    with contextlib.suppress(OSError, UnicodeDecodeError), open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    if probe("_is_amx_tile_supported") or "amx_bf16" in flags:
        return "AMX"
    if probe("_is_avx512_bf16_supported") or "avx512_bf16" in flags:
        return "AVX512-BF16"
    return None


def openvino_available() -> bool:
    """Whether the ``openvino`` package can be imported (checked at every call)."""
    try:
        from napari_defocus_deblur.openvino_runtime import import_openvino

        import_openvino()
    except ImportError:
        return False
    return True
