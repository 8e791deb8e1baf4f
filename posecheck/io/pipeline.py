"""Overlapping stages: decode ahead on one thread, draw and encode behind on another.

The pose model runs on the calling thread. A :class:`ReadAhead` decodes the next frames
while the model works on this one; a :class:`WriteBehind` draws and encodes finished
frames while the model works on the next. Both talk to the caller through small bounded
queues, so memory stays flat however long the video is (back-pressure: a full queue makes
the faster side wait), and frames stay in order.

Errors cross the queues: an exception in the reader (a truncated file) is raised in the
caller at the frame where it happened, after every frame decoded before it; an exception
in the writer is raised at the caller's next ``submit`` or at the end. Leaving the
``with`` block — normally, on an error or on Ctrl-C — stops both threads within a frame.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")

#: Frames decoded ahead of the model, or waiting to be encoded: enough to absorb jitter,
#: small enough that memory does not grow with the video (each 1080p frame is 6 MB).
DEFAULT_DEPTH = 4
_END = object()


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


def _put(q: queue.Queue, item: object, stop: threading.Event) -> bool:
    """Put with back-pressure, giving up when asked to stop; False when it gave up."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.05)
            return True
        except queue.Full:
            continue
    return False


class ReadAhead(Generic[T]):
    """Iterate ``source`` on a background thread, ``depth`` items ahead of the consumer.

    ``with ReadAhead(frames) as ahead: for frame in ahead: ...``
    """

    def __init__(self, source: Iterable[T], depth: int = DEFAULT_DEPTH):
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self._source = source
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="posecheck-read", daemon=True)

    def _run(self) -> None:
        try:
            for item in self._source:
                if not _put(self._queue, item, self._stop):
                    return
        except BaseException as exc:  # handed to the consumer, raised there
            _put(self._queue, _Failure(exc), self._stop)
            return
        _put(self._queue, _END, self._stop)

    def __enter__(self) -> ReadAhead[T]:
        self._thread.start()
        return self

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)


class WriteBehind(Generic[T]):
    """Call ``consume(item)`` on a background thread for every submitted item, in order.

    ``with WriteBehind(lambda job: sink.write(draw(job))) as behind: behind.submit(job)``.
    The ``with`` block waits for the queued items on a normal exit and drops them on an error.
    """

    def __init__(self, consume: Callable[[T], None], depth: int = DEFAULT_DEPTH):
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self._consume = consume
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="posecheck-write", daemon=True)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _END:
                return
            if self._failure is not None or self._stop.is_set():
                continue  # drain without working, so a waiting submit is released
            try:
                self._consume(item)
            except BaseException as exc:
                self._failure = exc

    def _raise_failure(self) -> None:
        if self._failure is not None:
            exc, self._failure = self._failure, None
            self._stop.set()
            raise exc

    def submit(self, item: T) -> None:
        self._raise_failure()
        if not _put(self._queue, item, self._stop):
            self._raise_failure()

    def __enter__(self) -> WriteBehind[T]:
        self._thread.start()
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is not None:
            self._stop.set()
        _put(self._queue, _END, threading.Event())
        self._thread.join(timeout=None if exc_type is None else 5.0)
        if exc_type is None:
            self._raise_failure()


def at_rate(frames: Iterable[T], fps: float | None) -> Iterator[T]:
    """Keep about ``fps`` frames a second (by their time ``t``); every frame when ``fps`` is None.

    A frame is kept once its time reaches the next sample time, so a 30 fps clip at 10 fps
    keeps every third frame and a variable-rate clip keeps evenly spaced ones.
    """
    if fps is None:
        yield from frames
        return
    if not 0 < fps <= 240:
        raise ValueError(f"analysis fps must be between 0 and 240, got {fps}")
    step = 1.0 / fps
    next_t = None
    for frame in frames:
        t = frame.t  # type: ignore[attr-defined]
        if next_t is None or t >= next_t - 1e-6:
            next_t = (t if next_t is None else next_t) + step
            while next_t <= t:
                next_t += step
            yield frame
