"""Free memory on a device, and handing cached GPU memory back to the driver."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import torch


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
