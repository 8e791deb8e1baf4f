"""Batch worker processes: started fresh, and ended at once when the batch is interrupted."""

from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor

from posecheck.batch import _stop_workers, _worker_context


def test_interrupting_a_batch_ends_its_workers_mid_clip():
    """Ctrl-C during a batch must not leave workers running on their clips (they did: the
    executor forgets its processes on shutdown, before they were ended)."""
    pool = ProcessPoolExecutor(max_workers=2, mp_context=_worker_context())
    futures = [pool.submit(time.sleep, 60) for _ in range(4)]
    deadline = time.monotonic() + 30
    while len(pool._processes or {}) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = list(pool._processes.values())
    assert len(workers) == 2
    started = time.monotonic()
    _stop_workers(pool)
    assert not any(w.is_alive() for w in workers)
    assert time.monotonic() - started < 10
    assert all(f.cancelled() or f.done() for f in futures[2:])


def test_workers_start_from_a_fresh_interpreter():
    assert _worker_context().get_start_method() in ("forkserver", "spawn")
