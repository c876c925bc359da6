"""Warm-up: import, once per process and in a background thread, what the widgets' first
jobs would otherwise import while the GUI waits.

The first Run scores PSNR/SSIM (scikit-image's metrics import SciPy's stats and
optimisation modules) and registers the reference; the first training creates a torch
optimizer, and torch then imports its compiler stack (``torch._dynamo``: sympy, FX,
inductor; ~1 s). Parts of these imports (loading extension modules) hold Python's GIL
for up to ~0.5 s, so whichever thread runs them freezes the event loop for that long;
the first Run stalled the GUI for 0.3-0.7 s and the first training for 0.5 s. Done here
while the user is still looking at the freshly opened docks, the job threads find the
modules imported (Python's import lock makes a job that starts earlier wait, not import
twice). The cost moves, it does not vanish: right after the docks open the window
stalls for up to ~0.4 s (``benchmarks/widgets_gui.py``, first line).
"""

from __future__ import annotations

import logging
import sys
import threading

_log = logging.getLogger(__name__)

_started = threading.Event()
#: Set once the warm-up has finished (or failed).
ready = threading.Event()
#: Python's GIL switch interval while the warm-up runs (default 5 ms): the GUI thread
#: asks for the GIL before each of its callbacks, and waited up to that long each time.
SWITCH_INTERVAL_S = 0.001


def _warm() -> None:
    """Run, on tiny arrays, what the first jobs run (so the imports are exactly theirs)."""
    import numpy as np
    import torch

    from napari_defocus_deblur.evaluation.reference import score_against

    image = np.random.default_rng(0).random((48, 48))
    score_against(image, image, image, 10.0)  # scikit-image metrics + registration, SciPy
    torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # torch._dynamo and friends


def _quietly_warm() -> None:
    old = sys.getswitchinterval()
    short = min(old, SWITCH_INTERVAL_S)
    sys.setswitchinterval(short)  # the GUI thread waits less for the GIL meanwhile
    try:
        _warm()
    except Exception as exc:  # a failed warm-up only means that the job imports later
        _log.debug("warm-up failed: %s", exc)
    finally:
        if sys.getswitchinterval() == short:  # nobody else changed it since
            sys.setswitchinterval(old)
        ready.set()


def warm_up() -> threading.Thread | None:
    """Start the warm-up thread (first call only; later calls return None)."""
    if _started.is_set():
        return None
    _started.set()
    thread = threading.Thread(target=_quietly_warm, name="defocus-deblur-warm-up", daemon=True)
    thread.start()
    return thread
