"""Batch on Ray gives the same reports as the local run (a local Ray with 2 CPUs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecheck.batch import load_labels, run_batch

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install 'posecheck[ray]'")
pytestmark = pytest.mark.real_model
SAMPLES = Path(__file__).resolve().parents[2] / "sample_videos"
CLIPS = ("squat_clean_side.mp4", "bridge_low_side.mp4", "plank_pike_side.mp4")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


def test_ray_engine_reports_are_identical_to_local_ones(local_ray):
    labels = [label for label in load_labels(SAMPLES / "labels.json") if label.file in CLIPS]
    local = run_batch(SAMPLES, labels, model="lite")
    on_ray = run_batch(SAMPLES, labels, model="lite", engine="ray")
    assert [s.label.file for s in on_ray] == [s.label.file for s in local]
    for a, b in zip(local, on_ray, strict=True):
        assert (a.status, a.reps, a.good_form_s, a.faults_flagged) == (b.status, b.reps, b.good_form_s, b.faults_flagged)
        assert a.report.to_dict() == b.report.to_dict()


def test_ray_engine_turns_a_bad_clip_into_an_error_row(local_ray, tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    labels_file = tmp_path / "labels.json"
    labels_file.write_text('{"clips": [{"file": "broken.mp4", "exercise": "squat", "mode": "reps", "reps": 1}]}')
    rows = run_batch(tmp_path, load_labels(labels_file), model="lite", engine="ray")
    assert [r.status for r in rows] == ["error"] and rows[0].reason
