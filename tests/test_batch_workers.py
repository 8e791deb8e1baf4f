"""Batch worker processes: started fresh, ended at once when the batch is interrupted, and a
clip that kills its worker costs only that clip."""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from posecheck.batch import ClipScore, _run_pooled, _stop_workers, _worker_context


def test_interrupting_a_batch_ends_its_workers_mid_clip():
    """Ctrl-C during a batch must not leave workers running on their clips (they did: the
    executor forgets its processes on shutdown, before they were ended)."""
    pool = ProcessPoolExecutor(max_workers=2, mp_context=_worker_context())
    for _ in range(4):
        pool.submit(time.sleep, 60)
    deadline = time.monotonic() + 30
    while len(pool._processes or {}) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = list(pool._processes.values())
    assert len(workers) == 2
    started = time.monotonic()
    _stop_workers(pool)
    assert not any(w.is_alive() for w in workers)
    assert time.monotonic() - started < 10


def test_workers_start_from_a_fresh_interpreter():
    assert _worker_context().get_start_method() in ("forkserver", "spawn")


@dataclass(frozen=True)
class _Job:
    label: str
    kills_its_worker: bool = False


def _work(job: _Job) -> str:
    """Stands in for analysing one clip; a clip that kills its worker exits the process."""
    if job.kills_its_worker:
        os._exit(9)
    time.sleep(0.2)
    return job.label


def test_a_clip_that_kills_its_worker_is_an_error_row_and_every_other_clip_is_scored():
    jobs = [_Job("a.mp4"), _Job("b.mp4"), _Job("killer.mp4", kills_its_worker=True), _Job("c.mp4"), _Job("d.mp4")]
    rows = []
    _run_pooled(jobs, 2, rows.append, work=_work)
    scored = [r for r in rows if isinstance(r, str)]
    errors = [r for r in rows if isinstance(r, ClipScore)]
    assert sorted(scored) == ["a.mp4", "b.mp4", "c.mp4", "d.mp4"]
    assert [(e.label, e.status) for e in errors] == [("killer.mp4", "error")]
    assert "killed twice" in errors[0].reason
