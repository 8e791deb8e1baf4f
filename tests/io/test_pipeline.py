"""The overlapping stages: order kept, memory bounded, errors and stops cross the threads."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from posecheck.io.pipeline import ReadAhead, WriteBehind, at_rate


def test_read_ahead_keeps_order_and_stays_a_few_items_ahead():
    produced: list[int] = []

    def source():
        for i in range(50):
            produced.append(i)
            yield i

    with ReadAhead(source(), depth=3) as ahead:
        got = []
        for item in ahead:
            time.sleep(0.002)
            got.append(item)
            assert len(produced) - len(got) <= 3 + 1  # queue depth plus the item in the reader's hand
    assert got == list(range(50))


def test_read_ahead_raises_the_source_error_after_the_frames_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("truncated")

    got = []
    with pytest.raises(ValueError, match="truncated"), ReadAhead(source()) as ahead:
        for item in ahead:
            got.append(item)
    assert got == [1, 2]


def test_read_ahead_stops_its_thread_when_the_consumer_leaves_early():
    def endless():
        i = 0
        while True:
            yield i
            i += 1

    before = threading.active_count()
    with ReadAhead(endless(), depth=2) as ahead:
        for item in ahead:
            if item == 5:
                break
    time.sleep(0.2)
    assert threading.active_count() == before


def test_write_behind_consumes_everything_in_order_on_a_normal_exit():
    done: list[int] = []
    with WriteBehind(lambda i: (time.sleep(0.001), done.append(i)), depth=2) as behind:
        for i in range(40):
            behind.submit(i)
    assert done == list(range(40))


def test_write_behind_error_reaches_the_caller():
    def consume(i):
        if i == 3:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):  # noqa: PT012
        with WriteBehind(consume, depth=1) as behind:
            for i in range(100):
                behind.submit(i)
                time.sleep(0.002)


def test_write_behind_drops_queued_work_when_the_caller_fails():
    done: list[int] = []
    with pytest.raises(KeyboardInterrupt):  # noqa: PT012
        with WriteBehind(lambda i: (time.sleep(0.05), done.append(i)), depth=4) as behind:
            for i in range(4):
                behind.submit(i)
            raise KeyboardInterrupt
    assert len(done) <= 1


@pytest.mark.parametrize(("fps", "rate", "expected"), [(30.0, 10.0, 100), (30.0, 15.0, 150), (30.0, None, 300), (25.0, 10.0, 100)])
def test_at_rate_keeps_evenly_spaced_frames(fps, rate, expected):
    frames = [SimpleNamespace(t=i / fps) for i in range(int(10 * fps))]
    kept = list(at_rate(frames, rate))
    assert len(kept) == pytest.approx(expected, abs=1)
    if rate:
        gaps = [b.t - a.t for a, b in zip(kept, kept[1:])]
        assert max(gaps) < 1.0 / rate + 1.0 / fps


def test_at_rate_refuses_a_rate_out_of_range():
    with pytest.raises(ValueError, match="between 0 and 240"):
        list(at_rate([SimpleNamespace(t=0.0)], 0.0))
