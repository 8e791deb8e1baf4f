"""The overlapping stages: order kept, memory bounded, errors and stops cross the threads."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from posecheck.io.pipeline import Lanes, WriteBehind, at_rate


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


class _Worker:
    """A stateful worker that records what it saw and on which thread."""

    def __init__(self, delay_s: float = 0.0, fail_on: int | None = None):
        self.seen: list[int] = []
        self.threads: set[str] = set()
        self.delay_s = delay_s
        self.fail_on = fail_on

    def __call__(self, item: int) -> int:
        if item == self.fail_on:
            raise RuntimeError(f"model failed on {item}")
        self.seen.append(item)
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay_s)
        return item * 10


@pytest.mark.parametrize("lanes", [1, 2, 3])
def test_lanes_give_results_in_source_order_each_worker_every_nth_item(lanes):
    workers = [_Worker(delay_s=0.001 * (k + 1)) for k in range(lanes)]  # uneven speeds
    with Lanes(range(20), workers) as running:
        got = list(running)
    assert got == [(i, i * 10) for i in range(20)]
    for k, worker in enumerate(workers):
        assert worker.seen == list(range(k, 20, lanes))
        assert worker.threads == {f"posecheck-lane-{k}"}


def test_lanes_run_side_by_side():
    workers = [_Worker(delay_s=0.05), _Worker(delay_s=0.05)]
    start = time.perf_counter()
    with Lanes(range(12), workers) as running:
        assert len(list(running)) == 12
    assert time.perf_counter() - start < 12 * 0.05 * 0.8  # one lane alone needs 0.6 s, two 0.3 s


def test_lanes_raise_a_source_error_after_every_earlier_result():
    def source():
        yield from range(5)
        raise ValueError("truncated at frame 5")

    got = []
    with pytest.raises(ValueError, match="truncated at frame 5"), Lanes(source(), [_Worker(), _Worker()]) as running:
        for item, _ in running:
            got.append(item)
    assert got == [0, 1, 2, 3, 4]


def test_lanes_raise_a_worker_error_at_its_item():
    got = []
    with pytest.raises(RuntimeError, match="model failed on 7"), Lanes(range(20), [_Worker(), _Worker(fail_on=7)]) as running:
        for item, _ in running:
            got.append(item)
    assert got == list(range(7))


def test_lanes_stop_every_thread_when_the_consumer_leaves_early():
    def endless():
        i = 0
        while True:
            yield i
            i += 1

    before = threading.active_count()
    with Lanes(endless(), [_Worker(), _Worker()]) as running:
        for item, _ in running:
            if item == 5:
                break
    time.sleep(0.2)
    assert threading.active_count() == before


def test_lanes_of_an_empty_source_end_at_once():
    with Lanes(iter(()), [_Worker(), _Worker()]) as running:
        assert list(running) == []
