"""No silent stretch over 2 s: a slow job's silence becomes StillWorking events."""

from __future__ import annotations

import sys
import time

import pytest

from napari_defocus_deblur.progress import drive
from napari_defocus_deblur.widgets._heartbeat import StillWorking, with_heartbeat


def _slow():
    yield "loaded"
    time.sleep(0.35)
    yield "trained"
    return 42


def test_silence_is_told_and_events_and_value_pass_through():
    seen: list = []
    assert drive(with_heartbeat(_slow(), every=0.1), seen.append) == 42
    assert seen[0] == "loaded" and seen[-1] == "trained"
    beats = [e for e in seen if isinstance(e, StillWorking)]
    assert len(beats) >= 2 and all(0.05 < b.seconds < 1.0 for b in beats)


def test_errors_reach_the_caller():
    def broken():
        yield 1
        raise ValueError("bad data")

    with pytest.raises(ValueError, match="bad data"):
        drive(with_heartbeat(broken(), every=0.1))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_the_job_thread_runs_nicer_than_the_gui_thread():
    """The training job shares the CPU with the GUI thread: it yields it (GUI stalls)."""
    import os
    import threading

    from napari_defocus_deblur.widgets._heartbeat import JOB_NICE, lower_priority

    gui = os.getpriority(os.PRIO_PROCESS, os.getpid())
    seen = {}

    def job():
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        yield 1

    assert list(with_heartbeat(job())) == [1]
    assert seen["nice"] == min(gui + JOB_NICE, 19)
    assert lower_priority() is False  # never the main (GUI) thread, i.e. the process
    assert os.getpriority(os.PRIO_PROCESS, os.getpid()) == gui
