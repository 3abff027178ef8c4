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


class Background(Iterator[T]):
    """The items of ``items``, which a worker thread started here produces up to ``depth`` items ahead.

    The worker starts at once, so it can work while its consumer does something else first (a case load
    reads its file while it builds its lookup context). An exception raised by ``items`` is raised in the
    consumer, at the point its item would have come. `close` (or leaving the ``with`` block) stops the
    worker before its next item and waits for it; the generator ``items`` is closed in the worker.
    """

    def __init__(self, items: Iterator[T], *, depth: int = 1, name: str = "onemap-producer") -> None:
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth!r}")
        self._handoff: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._done = False
        self._worker = threading.Thread(target=self._produce, args=(items,), name=name, daemon=True)
        self._worker.start()

    def _put(self, item: object) -> bool:
        while not self._stop.is_set():
            try:
                self._handoff.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def _produce(self, items: Iterator[T]) -> None:
        try:
            for item in items:
                if not self._put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 -- handed to the consumer, which raises it
            self._put(_Failed(exc))
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None:  # a generator's open files are closed in the thread that ran it
                close()
        self._put(_DONE)

    def __next__(self) -> T:
        if self._done:
            raise StopIteration
        item = self._handoff.get()
        if item is _DONE:
            self._done = True
            raise StopIteration
        if isinstance(item, _Failed):
            self._done = True
            raise item.error
        return item  # type: ignore[return-value]

    def close(self) -> None:
        self._done = True
        self._stop.set()
        self._worker.join()

    def __enter__(self) -> Background[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def in_background(items: Iterator[T], *, depth: int = 1, name: str = "onemap-producer") -> Iterator[T]:
    """Like `Background`, but the worker starts at the first item asked for, and a consumer that stops
    early (``close``, an exception, garbage collection) stops it."""
    with Background(items, depth=depth, name=name) as produced:
        yield from produced
