"""Overlapping stages: decode ahead, pose models side by side, draw and encode behind.

:class:`Lanes` decodes on a feeder thread and runs one or more pose models on their own
threads, each on every n-th frame (MediaPipe runs one model on one core), handing the
results back in frame order; a :class:`WriteBehind` draws and encodes finished frames
while the models work on the next. Both talk to the caller through small bounded
queues, so memory stays flat however long the video is (back-pressure: a full queue makes
the faster side wait), and frames stay in order.

Errors cross the queues: an exception in the reader (a truncated file) is raised in the
caller at the frame where it happened, after every frame decoded before it; an exception
in the writer is raised at the caller's next ``submit`` or at the end. Leaving the
``with`` block — normally, on an error or on Ctrl-C — stops every thread within a frame.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

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


class Lanes(Generic[T, R]):
    """Run ``source`` through several workers on their own threads: item ``i`` goes to
    worker ``i % n``, and the results come back in the order of ``source``.

    ``with Lanes(frames, [model_a.process, model_b.process]) as lanes: for frame, pose in lanes: ...``

    Each worker keeps its own state and only ever sees its own items, so a worker that
    cannot be shared between threads (a pose model) is safe. A feeder thread iterates
    ``source`` (decoding happens there, ahead of the workers); each worker holds at most
    ``depth`` items in and ``depth`` out, so memory stays flat. An exception in ``source``
    or in a worker is raised in the consumer at the item where it happened, after every
    earlier result; leaving the ``with`` block stops every thread within an item.
    """

    def __init__(self, source: Iterable[T], workers: Sequence[Callable[[T], R]], depth: int = 2):
        if not workers:
            raise ValueError("Lanes needs at least one worker")
        if depth < 1:
            raise ValueError(f"depth must be at least 1, got {depth}")
        self._source = source
        self._workers = list(workers)
        self._inboxes: list[queue.Queue] = [queue.Queue(maxsize=depth) for _ in self._workers]
        self._outboxes: list[queue.Queue] = [queue.Queue(maxsize=depth) for _ in self._workers]
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._feed, name="posecheck-feed", daemon=True)] + [
            threading.Thread(target=self._work, args=(k,), name=f"posecheck-lane-{k}", daemon=True)
            for k in range(len(self._workers))
        ]

    def _feed(self) -> None:
        n = len(self._workers)
        count = 0
        try:
            for item in self._source:
                if not _put(self._inboxes[count % n], item, self._stop):
                    return
                count += 1
        except BaseException as exc:  # handed to the consumer at its place in the order
            _put(self._inboxes[count % n], _Failure(exc), self._stop)
        for inbox in self._inboxes:
            _put(inbox, _END, self._stop)

    def _work(self, k: int) -> None:
        inbox, outbox, work = self._inboxes[k], self._outboxes[k], self._workers[k]
        while not self._stop.is_set():
            try:
                item = inbox.get(timeout=0.05)
            except queue.Empty:
                continue
            if item is _END or isinstance(item, _Failure):
                _put(outbox, item, self._stop)
                return
            try:
                result = work(item)
            except BaseException as exc:
                _put(outbox, _Failure(exc), self._stop)
                return
            if not _put(outbox, (item, result), self._stop):
                return

    def __enter__(self) -> Lanes[T, R]:
        for thread in self._threads:
            thread.start()
        return self

    def __iter__(self) -> Iterator[tuple[T, R]]:
        n = len(self._workers)
        i = 0
        while True:
            item = self._outboxes[i % n].get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
            i += 1

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5.0)


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
