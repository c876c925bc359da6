"""Free memory on a device, and handing cached GPU memory back to the driver."""

from __future__ import annotations

import gc

import torch

from napari_defocus_deblur.resources import available_ram


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
    return available_ram()


def release_memory(device: torch.device) -> None:
    """Give cached GPU memory back to the driver (after large jobs)."""
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    elif device.type == "mps" and hasattr(torch, "mps"):
        torch.mps.empty_cache()
