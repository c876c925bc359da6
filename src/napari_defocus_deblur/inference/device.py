"""Devices, precision and free memory for inference.

``"auto"`` picks CUDA, then Apple MPS, then the CPU. Asking for a device PyTorch cannot
use is a :class:`~napari_defocus_deblur.errors.UserInputError`, never a silent fallback.
Precision ``"auto"`` runs bf16 autocast on CUDA GPUs that support it (fp16 on older
ones) and float32 elsewhere.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator
from pathlib import Path

import torch

from napari_defocus_deblur.errors import UserInputError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")
PRECISION_CHOICES = ("auto", "fp32", "bf16", "fp16")
_PRECISION_ALIASES = {
    "float32": "fp32",
    "fp32": "fp32",
    "bfloat16": "bf16",
    "bf16": "bf16",
    "float16": "fp16",
    "half": "fp16",
    "fp16": "fp16",
    "auto": "auto",
}
_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """The :class:`torch.device` for ``name``.

    Parameters
    ----------
    name
        ``"auto"`` (CUDA, then MPS, then CPU), ``"cpu"``, ``"cuda"``, ``"cuda:N"``,
        ``"mps"`` or a :class:`torch.device`.

    Raises
    ------
    UserInputError
        Unknown names, or a GPU that this PyTorch installation cannot use.
    """
    if isinstance(name, torch.device):
        name = str(name)
    if not isinstance(name, str):
        raise UserInputError(f"device must be a string such as 'auto' or 'cpu', got {name!r}")
    text = name.strip().lower()
    if text == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    kind, _, index = text.partition(":")
    if kind not in DEVICE_CHOICES or (index and not index.isdigit()):
        raise UserInputError(
            f"unknown device {name!r}; choose one of {', '.join(DEVICE_CHOICES)} (or cuda:N)"
        )
    if kind == "cuda":
        if not torch.cuda.is_available():
            cuda = torch.version.cuda
            build = "without CUDA" if cuda is None else f"with CUDA {cuda}"
            raise UserInputError(
                f"device {name!r} was requested but no CUDA GPU is usable (PyTorch "
                f"{torch.__version__} built {build}); use device 'cpu' or 'auto'"
            )
        if index and int(index) >= torch.cuda.device_count():
            raise UserInputError(
                f"device {name!r} does not exist: {torch.cuda.device_count()} CUDA GPU(s) found"
            )
    if kind == "mps" and not _mps_available():
        raise UserInputError(
            f"device {name!r} was requested but Apple MPS is not available on this machine; "
            "use device 'cpu' or 'auto'"
        )
    return torch.device(text)


def resolve_precision(precision: str, device: torch.device) -> torch.dtype:
    """The compute dtype for ``precision`` on ``device``.

    ``"auto"``: bfloat16 on CUDA GPUs that support it, float16 on older CUDA GPUs,
    float32 on CPU and MPS. ``"fp32"``, ``"bf16"`` and ``"fp16"`` are taken as given
    (fp16 is refused on the CPU, where PyTorch has no fast fp16 convolutions).
    """
    key = _PRECISION_ALIASES.get(str(precision).strip().lower())
    if key is None:
        raise UserInputError(
            f"unknown precision {precision!r}; choose one of {', '.join(PRECISION_CHOICES)}"
        )
    if key == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32
    if key == "fp16" and device.type == "cpu":
        raise UserInputError("precision 'fp16' is not supported on the CPU; use 'fp32' or 'bf16'")
    return _DTYPES[key]


@contextlib.contextmanager
def compute_context(device: torch.device, dtype: torch.dtype) -> Iterator[None]:
    """``torch.inference_mode`` plus autocast to ``dtype`` when it is not float32."""
    with torch.inference_mode():
        if dtype == torch.float32:
            yield
        else:
            with torch.autocast(device_type=device.type, dtype=dtype):
                yield


def free_memory_bytes(device: torch.device) -> int:
    """Memory inference may use now on ``device``, in bytes.

    CUDA: free memory reported by the driver (``torch.cuda.mem_get_info``) plus what
    PyTorch's caching allocator holds but does not use. CPU and MPS: available RAM
    (``MemAvailable`` of ``/proc/meminfo`` or ``sysconf``), capped by a cgroup limit
    when the process runs in a container.
    """
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        cached = torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
        return int(free + max(cached, 0))
    return _available_ram()


def _available_ram() -> int:
    available = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                available = int(line.split()[1]) * 1024
                break
    except (OSError, ValueError, IndexError):
        available = None
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            available = 4 * 1024**3  # unknown platform (Windows): assume 4 GiB
    return min(available, _cgroup_room())


def _cgroup_room() -> int:
    """Room left under a cgroup v2 memory limit; a huge number when there is none."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit == "max":
            return 1 << 62
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        return max(int(limit) - used, 0)
    except (OSError, ValueError):
        return 1 << 62


def release_memory(device: torch.device) -> None:
    """Give cached GPU memory back to the driver (after large jobs)."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps" and hasattr(torch, "mps"):
        torch.mps.empty_cache()
