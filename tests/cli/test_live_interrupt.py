"""``live`` stopped early writes what it saw, marked incomplete, and exits at once (issue 10 §3, item 3).

The pose model is replaced by a fake that detects nobody and presses Ctrl-C (a real
SIGINT to this process) at a chosen moment; the source is a small generated video
replayed in real time.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import posecheck.pose.estimator
from tests.cli.helpers import FakeEstimator, one_line_error, run
from tests.conftest import write_video


@pytest.fixture
def fake_model(monkeypatch):
    FakeEstimator.reset()
    monkeypatch.setattr(posecheck.pose.estimator, "PoseEstimator", FakeEstimator)
    return FakeEstimator


def _live(video: Path, report: Path):
    return run("live", "-e", "forearm_plank", "--source", video, "--headless", "--model", "lite", "--report", report)


@pytest.mark.parametrize("moment", [5, "start"], ids=["mid-session", "while-the-model-loads"])
def test_ctrl_c_writes_an_incomplete_report_and_exits_130_at_once(tmp_path: Path, fake_model, moment):
    video = write_video(tmp_path / "v.avi", 50)  # 2 s in real time
    report = tmp_path / "live.json"
    fake_model.reset(interrupt_at=moment)
    result = _live(video, report)
    returned = time.monotonic()
    assert result.exit_code == 130, result.output
    assert fake_model.sigint_at is not None and returned - fake_model.sigint_at < 1.0
    saved = json.loads(report.read_text())
    assert saved["complete"] is False
    assert "interrupted" in saved["error"]
    assert saved["source"]["frames_decoded"] == (5 if moment == 5 else 0)
    assert "Traceback" not in result.output
    if moment == "start":
        assert fake_model.closed  # the model was closed, not left half-built


def test_a_truncated_source_writes_the_partial_report(tmp_path: Path, fake_model):
    whole = write_video(tmp_path / "whole.avi", 40)
    data = whole.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    report = tmp_path / "live.json"
    result = _live(cut, report)
    assert result.exit_code == 12, result.output
    assert "truncated" in one_line_error(result)
    saved = json.loads(report.read_text())
    assert saved["complete"] is False
    assert "truncated" in saved["error"]
    assert 0 < saved["source"]["frames_decoded"] < 40
    assert fake_model.closed


def test_a_session_that_ends_by_itself_is_complete(tmp_path: Path, fake_model):
    video = write_video(tmp_path / "v.avi", 10)
    report = tmp_path / "live.json"
    result = _live(video, report)
    assert result.exit_code == 0, result.output
    saved = json.loads(report.read_text())
    assert saved["complete"] is True and saved.get("error") is None


def test_run_live_handles_ctrl_c_on_its_own_and_restores_the_handler(tmp_path: Path, fake_model):
    import signal

    from posecheck.live import LiveOptions, run_live
    from posecheck.specs.loader import load_spec

    video = write_video(tmp_path / "v.avi", 50)
    fake_model.reset(interrupt_at=3)
    before = signal.getsignal(signal.SIGINT)
    outcome = run_live(load_spec("squat"), LiveOptions(source=video, headless=True, model="lite"), printer=lambda s: None)
    assert outcome.interrupted and outcome.frames == 3
    outcome.report.write_json(tmp_path / "r.json")
    saved = json.loads((tmp_path / "r.json").read_text())
    assert saved["complete"] is False and "interrupted" in saved["error"]
    assert signal.getsignal(signal.SIGINT) is before
