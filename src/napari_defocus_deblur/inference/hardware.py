"""What this machine offers inference: bf16 matrix units on the CPU, the OpenVINO runtime.

Only facts, read at run time; the decision what to run lives in
:func:`napari_defocus_deblur.inference.device.resolve_backend`.
"""

from __future__ import annotations

import contextlib
import functools
import os

import torch


def cpu_bf16_units() -> str | None:
    """``"AMX"`` or ``"AVX512-BF16"`` when the CPU has bf16 matrix instructions, else None.

    Read from the CPU flags at run time (cached). ``DEFOCUS_DEBLUR_CPU_BF16=1``/``0``
    overrides the detection (``"forced"``/None), as for training.
    """
    forced = os.environ.get("DEFOCUS_DEBLUR_CPU_BF16")
    if forced in ("0", "1"):
        return "forced" if forced == "1" else None
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
