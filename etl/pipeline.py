"""Running a producer ahead of its consumer in a worker thread, so the two use both cores.

A case load reads and prepares chunks (pandas, numpy, Arrow: mostly single-threaded) while the loading thread
inserts the previous batch into DuckDB (which holds no GIL while it writes). The queue between them is
bounded, so memory stays bounded by ``depth`` items however large the file.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()
_POLL_SECONDS = 0.1


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def in_background(items: Iterator[T], *, depth: int = 1, name: str = "onemap-producer") -> Iterator[T]:
    """Yield the items of ``items``, which a worker thread produces up to ``depth`` items ahead.

    An exception raised by ``items`` is raised here, in the consumer, at the point its item would have
    come. A consumer that stops early (``close``, an exception, garbage collection) stops the worker
    before its next item and waits for it.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth!r}")
    handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 -- handed to the consumer, which raises it
            put(_Failed(exc))
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None:  # a generator's open files are closed in the thread that ran it
                close()
        put(_DONE)

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()
