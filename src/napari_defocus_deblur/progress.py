"""Running long jobs: every long job is a generator of small events that returns a result."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from typing import Any, TypeVar

Result = TypeVar("Result")


def drive(
    job: Generator[Any, None, Result], on_event: Callable[[Any], Any] | None = None
) -> Result:
    """Run a job generator to the end and return its value.

    Parameters
    ----------
    job
        A generator that yields progress events and ``return``\\ s its result.
    on_event
        Called with every event (default: events are discarded).

    Returns
    -------
    The generator's return value.

    Raises
    ------
    UserInputError
        ``on_event`` is neither None nor callable (checked before the job starts).
    """
    if on_event is not None and not callable(on_event):
        from napari_defocus_deblur.errors import UserInputError

        job.close()
        raise UserInputError(
            f"progress must be a function called with each event, or None; got {on_event!r}"
        )
    while True:
        try:
            event = next(job)
        except StopIteration as done:
            return done.value
        if on_event is not None:
            on_event(event)


def relay(
    job: Generator[Any, None, Result], convert: Callable[[Any], Any]
) -> Generator[Any, None, Result]:
    """Re-yield a job's events through ``convert`` and return its result.

    For a long job built from other long jobs: ``result = yield from relay(inner, f)``
    passes ``inner``'s events on in the outer job's own event type.
    """
    while True:
        try:
            event = next(job)
        except StopIteration as done:
            return done.value
        yield convert(event)


def with_signature_of(job: Callable[..., Any]) -> Callable[[Callable], Callable]:
    """Decorator: give the blocking twin of the job function ``job`` its signature.

    ``def run(*args, progress=None, **kwargs): return drive(job(*args, **kwargs), progress)``
    then shows (``help``, IDEs, :func:`inspect.signature`) ``job``'s parameters, written
    once, plus the keyword ``progress``. ``deblur`` is ``iter_deblur`` run this way.
    """

    def decorate(twin: Callable) -> Callable:
        sig = inspect.signature(job)
        extra = inspect.Parameter("progress", inspect.Parameter.KEYWORD_ONLY, default=None)
        twin.__signature__ = sig.replace(  # type: ignore[attr-defined]
            parameters=[*sig.parameters.values(), extra],
            return_annotation=inspect.signature(twin).return_annotation,
        )
        return twin

    return decorate
