"""The background producer that lets a case load prepare one chunk while it writes the previous one."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from etl.pipeline import Background, in_background


def test_items_arrive_in_order_from_another_thread() -> None:
    threads: list[str] = []

    def produce() -> Iterator[int]:
        for i in range(5):
            threads.append(threading.current_thread().name)
            yield i

    assert list(in_background(produce(), name="producer-test")) == [0, 1, 2, 3, 4]
    assert set(threads) == {"producer-test"}


def test_the_producer_runs_at_most_depth_items_ahead() -> None:
    made: list[int] = []

    def produce() -> Iterator[int]:
        for i in range(10):
            made.append(i)
            yield i

    items = in_background(produce(), depth=2)
    assert next(items) == 0
    # item 0 handed over, items 1 and 2 queued, item 3 made and waiting for room: no further
    for _ in range(50):
        if len(made) >= 4:
            break
        threading.Event().wait(0.01)
    assert made == [0, 1, 2, 3]
    items.close()


def test_an_error_in_the_producer_is_raised_in_the_consumer_after_the_items_before_it() -> None:
    def produce() -> Iterator[int]:
        yield 1
        raise ValueError("row 7: bad file")

    items = in_background(produce())
    assert next(items) == 1
    with pytest.raises(ValueError, match="row 7: bad file"):
        next(items)


def endless(closed: threading.Event) -> Iterator[int]:
    """0, 1, 2, … until closed, which then sets ``closed``."""
    try:
        i = 0
        while True:
            yield i
            i += 1
    finally:
        closed.set()


def test_a_consumer_that_stops_early_stops_the_producer_and_closes_it() -> None:
    closed = threading.Event()

    items = in_background(endless(closed))
    assert next(items) == 0
    items.close()  # joins the worker
    assert closed.is_set()
    assert not any(t.name == "onemap-producer" for t in threading.enumerate())


def test_depth_must_be_positive() -> None:
    with pytest.raises(ValueError, match="depth must be at least 1, got 0"):
        next(in_background(iter([1]), depth=0))


def test_a_background_producer_starts_before_the_first_item_is_asked_for() -> None:
    started = threading.Event()

    def produce() -> Iterator[int]:
        started.set()
        yield 1

    with Background(produce(), name="eager-test") as items:
        assert started.wait(5)  # nothing asked yet
        assert list(items) == [1]
        assert next(items, None) is None  # stays exhausted


def test_closing_a_background_never_asked_stops_its_worker_and_closes_the_producer() -> None:
    closed = threading.Event()

    items = Background(endless(closed), name="never-asked")
    items.close()
    assert closed.wait(5)
    assert not any(t.name == "never-asked" for t in threading.enumerate())


def test_a_background_error_is_raised_once_then_the_items_end() -> None:
    def produce() -> Iterator[int]:
        raise OSError("disk gone")
        yield 1  # pragma: no cover

    with Background(produce()) as items:
        with pytest.raises(OSError, match="disk gone"):
            next(items)
        assert next(items, None) is None
