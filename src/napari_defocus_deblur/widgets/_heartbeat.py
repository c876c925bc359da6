"""No silent stretch: a job generator run in a helper thread, with a :class:`StillWorking`
event after every second without news (Qt-free; the widgets' workers yield them)."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

_DONE = object()
#: How much nicer than the GUI a job's thread runs (Linux: per-thread nice value).
JOB_NICE = 10


@dataclass(frozen=True)
class StillWorking:
    """No event for ``seconds``; the job is still running (the GUI says so)."""

    seconds: float


def with_heartbeat(
    job: Generator[Any, None, Any], every: float = 1.0
) -> Generator[Any, None, Any]:
    """Re-yield ``job``'s events and return its value; yield :class:`StillWorking` after
    each ``every`` seconds of silence. Exceptions of ``job`` are raised here.

    ``job`` runs in a daemon thread; closing this generator stops forwarding (the job
    itself stops through its own means, e.g. the training stop event).
    """
    events: queue.Queue = queue.Queue()

    def pump() -> None:
        lower_priority()
        try:
            while True:
                try:
                    events.put(("event", next(job)))
                except StopIteration as done:
                    events.put((_DONE, done.value))
                    return
        except BaseException as exc:
            events.put(("error", exc))

    threading.Thread(target=pump, daemon=True, name="heartbeat-job").start()
    last = time.monotonic()
    while True:
        try:
            kind, value = events.get(timeout=every)
        except queue.Empty:
            yield StillWorking(time.monotonic() - last)
            continue
        if kind is _DONE:
            return value
        if kind == "error":
            raise value
        last = time.monotonic()
        yield value


def lower_priority(nice: int = JOB_NICE) -> bool:
    """Run the calling (job) thread ``nice`` steps below its priority, so that the GUI
    thread wins the CPU cores it shares with the job (the job gets every cycle the GUI
    leaves). Linux only (a thread's own nice value); False where it cannot be done."""
    tid = threading.get_native_id()
    if tid == os.getpid() or not hasattr(os, "setpriority"):  # never the whole process
        return False
    try:
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)
    except OSError:
        return False
    return True
