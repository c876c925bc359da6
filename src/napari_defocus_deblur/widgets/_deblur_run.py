"""The Deblur widget's run controller: Run / Apply to stack / Cancel, the job in a worker
(:class:`._jobs.JobRunner`, with napari's progress bar), the status line and the result
layer. The widget hands it a function that validates the form into a job."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from magicgui.widgets import Label, PushButton

from napari_defocus_deblur.widgets._common import (
    is_alive,
    report_exception,
    show_info,
    show_warning,
)
from napari_defocus_deblur.widgets._deblur_job import run_job
from napari_defocus_deblur.widgets._jobs import JobRunner
from napari_defocus_deblur.widgets._layout import word_wrap
from napari_defocus_deblur.widgets._results import UPDATED, plane_text, show_result

#: ``build(whole_stack, preview) -> (layer, DeblurJob, current plane or None, what runs)``.
BuildJob = Callable[[bool, bool], tuple[Any, Any, Any, str]]


def short_warning(message: str, where: str = "the Deblur panel") -> str:
    """A notification's text: the first clause of ``message``, then a details line
    saying where the whole message is (the panel shows it in full)."""
    head = message.split(". ")[0].split("; ")[0]
    head = head if len(head) <= 120 else head[:119] + "…"
    return head if head == message else f"{head}\ndetails: {where}"


class DeblurRun:
    """Start, cancel and finish deblurring jobs.

    Parameters
    ----------
    viewer
        The napari viewer (the result goes next to its input).
    build
        Validates the form into a job (raises ``UserInputError``).
    after_result
        Called with the ``DeblurResult`` once its layer is shown.

    Attributes
    ----------
    warning
        Returns the channel warning to tell when a real run starts (None: none).
    live
        Returns True when a live preview may run (preview on, an image chosen).
    """

    def __init__(self, viewer: Any, build: BuildJob, after_result: Callable[[Any], None]) -> None:
        self.viewer, self.build, self.after_result = viewer, build, after_result
        self.warning: Callable[[], str | None] = lambda: None
        self.live: Callable[[], bool] = lambda: False
        self.jobs = JobRunner(self._on_job_finished)
        self.run_button = PushButton(text="Run")
        self.apply_button = PushButton(text="Apply to stack")
        self.cancel_button = PushButton(text="Cancel", enabled=False)
        self.status = word_wrap(Label(value=""))
        self.committed = False  # a real run was started (stop preselecting the image)
        self.cancel_button.changed.connect(lambda *_: self.cancel())
        self.jobs.timer.timeout.connect(self._preview_now)

    def request_preview(self) -> None:
        """(Re)start the live preview's debounce timer (not while a real run goes on)."""
        if self.live() and not (self.jobs.busy and not self.jobs.preview):
            self.jobs.timer.start()

    def _preview_now(self) -> None:
        if self.live():
            self.launch(whole_stack=False, preview=True)

    def launch(self, whole_stack: bool, preview: bool) -> None:
        """Deblur the current slice, the whole stack, or preview, in a worker thread."""
        if self.jobs.busy and not self.jobs.preview:
            if not preview:
                show_warning("deblurring is already running; wait or Cancel")
            return
        self.jobs.timer.stop()
        try:
            layer, job, current, what_runs = self.build(whole_stack, preview)
        except Exception as exc:
            if preview:
                self.status.value = f"no preview: {exc}"
            else:
                report_exception(exc, "Deblur")
            return
        if not preview:
            self.committed = True
            message = self.warning()
            if message:
                show_warning(short_warning(message))
        started = self.jobs.start(
            run_job,
            job,
            preview=preview,
            on_returned=lambda result: self._on_returned(layer, job, current, result),
            action="Deblur",
            description=f"Deblurring {layer.name}",
            on_aborted=None if preview else lambda: show_info("deblurring cancelled"),
        )
        if started:
            self.cancel_button.enabled = True
            self.run_button.enabled = self.apply_button.enabled = preview
            what = "previewing" if preview else "deblurring"
            self.status.value = f"{what} {layer.name} with {what_runs}…"

    def cancel(self) -> None:
        """Stop the running job after the current tile."""
        self.jobs.timer.stop()
        if self.jobs.busy:
            self.status.value = "cancelling…"
            self.jobs.cancel()

    def _on_returned(self, layer: Any, job: Any, current: Any, result: Any) -> None:
        if not is_alive(self.status.native):  # the dock was closed meanwhile
            return
        if layer not in self.viewer.layers:
            show_warning(f"'{layer.name}' was removed while it was being deblurred")
            return
        out, action = show_result(self.viewer, layer, result, job, current)
        text = f"{action} '{out.name}'"
        if action == UPDATED:
            labels = tuple(getattr(layer, "axis_labels", ()))[: len(current)]
            text = f"updated {plane_text(current, labels)} of '{out.name}'"
        text += f"; {result.grid}" if result.grid else ""
        self.status.value = ("preview: " if job.preview else "") + text
        self.after_result(result)

    def _on_job_finished(self, preview: bool) -> None:
        if not is_alive(self.status.native):
            return
        self.run_button.enabled = self.apply_button.enabled = True
        self.cancel_button.enabled = False
        if str(self.status.value).endswith("…"):
            self.status.value = ""
