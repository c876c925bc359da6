"""Background jobs of the Deblur widget: one napari thread worker at a time, debounced
live previews that a newer change cancels, and a progress bar for real runs."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from qtpy.QtCore import QTimer

from napari_defocus_deblur.widgets._common import report_exception

#: Quiet time after the last change before a live preview starts (milliseconds).
PREVIEW_DELAY_MS = 400
#: Least time between two descriptions of the progress bar (each one repaints it).
DESCRIBE_EVERY_S = 0.25


class JobRunner:
    """Run generator jobs in napari thread workers, one at a time.

    A *preview* job is cancelled by any newer job; a real job is never replaced (a second
    one is refused). Callbacks run on the GUI thread and only for the current worker, so
    a cancelled preview that still returns is ignored.

    Parameters
    ----------
    on_finished
        Called after every job (done, failed or cancelled), with the job's ``preview`` flag.
    """

    def __init__(self, on_finished: Callable[[bool], None]) -> None:
        self.worker: Any = None
        self.preview = False
        self.started = 0  # jobs started (the tests count debounced previews)
        self.progress: Any = None
        self.shown: tuple[str, int, int] | None = None  # the bar's last text, n, total
        self._described = 0.0
        self._on_finished = on_finished
        self.timer = QTimer()
        self.timer.setSingleShot(True)
        self.timer.setInterval(PREVIEW_DELAY_MS)

    @property
    def busy(self) -> bool:
        """True while a job (preview or real) runs."""
        return self.worker is not None

    def start(
        self,
        function: Callable[..., Any],
        arg: Any,
        *,
        preview: bool,
        on_returned: Callable[[Any], None],
        action: str,
        description: str = "",
        on_aborted: Callable[[], None] | None = None,
    ) -> bool:
        """Start ``function(arg)`` (a generator) in a worker; False when refused."""
        from napari.qt.threading import create_worker

        if self.worker is not None:
            if not self.preview:
                return False
            self.cancel()  # a newer change: the old preview is out of date
        worker = create_worker(function, arg, _start_thread=False, _ignore_errors=True)
        worker.yielded.connect(lambda event, w=worker: self._on_yielded(w, event))
        worker.returned.connect(lambda value, w=worker: self._if_current(w, on_returned, value))
        worker.errored.connect(lambda exc, w=worker: self._if_current(w, _report, exc, action))
        worker.finished.connect(lambda w=worker: self._finished(w))
        if on_aborted is not None:
            worker.aborted.connect(lambda w=worker: self._if_current(w, on_aborted))
        self.worker, self.preview = worker, preview
        self.started += 1
        if not preview and description:
            from napari.utils import progress

            self.progress = progress(total=0, desc=f"{description}: planning…")
            self.shown = None
        worker.start()
        return True

    def cancel(self) -> None:
        """Stop the current job after its current tile (a preview is forgotten at once)."""
        worker = self.worker
        if worker is None:
            return
        worker.quit()
        if self.preview:
            self._finished(worker)

    def _if_current(self, worker: Any, callback: Callable[..., None], *args: Any) -> None:
        if worker is self.worker:
            callback(*args)

    def _on_yielded(self, worker: Any, event: Any) -> None:
        bar = self.progress
        if worker is not self.worker or bar is None:
            return
        text, done, total = progress_text(event)
        self.shown = (text, done or int(bar.n), total or int(bar.total))
        now = time.monotonic()
        if now - self._described >= DESCRIBE_EVERY_S or not done or done == total:
            self._described = now  # napari's bar runs processEvents in set_description
            bar.set_description(text)
        if total and total != bar.total:  # 0: planning, the tile count is not known yet
            bar.total = total
        if done > bar.n:
            bar.update(done - bar.n)

    def _finished(self, worker: Any) -> None:
        if worker is not self.worker:
            return
        if self.progress is not None:
            self.progress.close()
            self.progress = None
        preview, self.worker, self.preview = self.preview, None, False
        self._on_finished(preview)


def _report(exc: BaseException, action: str) -> None:
    report_exception(exc, action)


def progress_text(event: Any) -> tuple[str, int, int]:
    """``(description, done, total)`` of the progress bar for a ``PlaneProgress``.

    Counted in tiles over all planes (planes of one image have the same tiling), so
    napari's bar shows how many are done and the time left; an event with no total yet
    (the plan is being made: model, distance, runtime) says so.
    """
    planes = max(int(getattr(event, "planes", 1)), 1)
    where = f"plane {event.plane + 1} of {planes}" if planes > 1 else ""
    if not event.total:
        return " · ".join(filter(None, ["Deblurring", where, "planning…"])), 0, 0
    tiles = f"tile {event.done} of {event.total}"
    done = event.plane * event.total + event.done
    return " · ".join(filter(None, ["Deblurring", where, tiles])), done, planes * event.total
