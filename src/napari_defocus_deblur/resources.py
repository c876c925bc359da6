"""What this machine can hold, and refusing work that would not fit, before it starts.

Pure Python (no torch, no numpy), so every package may ask: :func:`available_ram` is the
one reading of free memory, :func:`check_fits` the one message for a job too large.
"""

from __future__ import annotations

import os
from pathlib import Path

from napari_defocus_deblur.errors import UserInputError

#: Share of the available memory a job may plan to use.
RAM_SHARE = 0.8


def available_ram() -> int:
    """Available RAM in bytes (``MemAvailable`` or ``sysconf``), capped by a cgroup limit."""
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


def gib(nbytes: float) -> str:
    """``nbytes`` as ``"1.5 GiB"`` (or MiB below one GiB)."""
    if nbytes >= 1024**3:
        return f"{nbytes / 1024**3:.1f} GiB"
    return f"{nbytes / 1024**2:.0f} MiB"


def check_fits(nbytes: float, what: str, advice: str, available: int | None = None) -> None:
    """Refuse, before any work, a job estimated to need more memory than is available.

    Parameters
    ----------
    nbytes
        The job's estimated peak memory.
    what
        The job, e.g. ``"simulate --shape 100000 100000"``.
    advice
        How to make it fit, e.g. ``"use a smaller --shape"``.
    available
        Memory to compare with (default: :data:`RAM_SHARE` of :func:`available_ram`).

    Raises
    ------
    UserInputError
        One line with both figures and the advice.
    """
    room = int(RAM_SHARE * available_ram()) if available is None else available
    if nbytes > room:
        raise UserInputError(
            f"{what} would need about {gib(nbytes)} of memory, but {gib(room)} is "
            f"available; {advice}"
        )
