"""Running long jobs: ``drive`` returns a job's result, ``relay`` re-types its events."""

from __future__ import annotations

from napari_defocus_deblur.progress import drive, relay


def _count(n: int):
    yield from range(n)
    return f"counted {n}"


def test_drive_returns_the_result_and_shows_every_event():
    seen: list[int] = []
    assert drive(_count(3), seen.append) == "counted 3"
    assert seen == [0, 1, 2]
    assert drive(_count(2)) == "counted 2"


def test_relay_converts_events_and_passes_the_result_on():
    def outer():
        first = yield from relay(_count(2), lambda i: ("a", i))
        second = yield from relay(_count(1), lambda i: ("b", i))
        return first, second

    seen: list[tuple] = []
    assert drive(outer(), seen.append) == ("counted 2", "counted 1")
    assert seen == [("a", 0), ("a", 1), ("b", 0)]
