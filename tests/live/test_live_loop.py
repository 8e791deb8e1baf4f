"""The live loop without the pose model: newest frame only (no backlog), latency bookkeeping,
the overlay, the voice wiring and the --voice options."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

import posecheck.pose.estimator
from posecheck.io.video import Frame
from posecheck.live import KEY_HINT, LatestFrames, LiveOptions, LiveStats, run_live
from posecheck.specs.loader import load_spec
from posecheck.voice import Speaker
from tests.helpers import RecordingEngine
from tests.cli.helpers import FakeEstimator, run
from tests.conftest import write_video


def frames_at(fps: float, n: int):
    """A camera: ``n`` frames, each handed over at its own time."""
    start = time.perf_counter()
    for i in range(n):
        delay = start + i / fps - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        yield Frame(np.zeros((4, 4, 3), np.uint8), i / fps, i)


def test_a_slow_consumer_always_gets_the_newest_frame():
    taken, handed_at = [], []
    with LatestFrames(frames_at(100, 60)) as latest:
        for frame, available in latest:
            taken.append(frame.index)
            handed_at.append(time.perf_counter())
            time.sleep(0.035)  # 3.5 frame periods of work
    assert taken == sorted(taken)
    assert latest.dropped > 20 and latest.dropped + len(taken) == 60
    assert latest.stale == 0  # each frame handed out was the newest one read
    # never more than the frames that arrived during one job, however long the job really
    # took (a loaded machine oversleeps)
    arrived = np.ceil(np.diff(handed_at) * 100) + 1
    assert all(np.diff(taken) <= arrived)


def test_a_fast_consumer_gets_every_frame_at_once():
    got = []
    with LatestFrames(frames_at(200, 20)) as latest:
        for frame, available in latest:
            got.append((frame.index, time.perf_counter() - available))
    assert [i for i, _ in got] == list(range(20)) and latest.dropped == 0
    assert np.median([w for _, w in got]) < 0.01


def test_a_source_error_arrives_after_the_frames_read_before_it():
    def broken():
        yield Frame(np.zeros((2, 2, 3), np.uint8), 0.0, 0)
        raise OSError("disk went away")

    seen = []
    with pytest.raises(OSError, match="disk went away"), LatestFrames(broken()) as latest:
        for frame, _ in latest:
            seen.append(frame.index)
            time.sleep(0.05)
    assert seen == [0]


def test_leaving_early_stops_the_reader():
    with LatestFrames(frames_at(50, 1000)) as latest:
        for frame, _ in latest:
            if frame.index >= 2:
                break
    assert not latest._thread.is_alive()


def test_stats_summary():
    st = LiveStats(latency_ms=[10.0, 20.0, 30.0, 40.0], wait_ms=[0.1] * 4, wall_s=2.0, source_dropped=1, reader_dropped=2)
    assert st.frames == 4 and st.fps == 2.0 and st.dropped == 3
    assert st.percentile(50) == 25.0 and st.percentile(100) == 40.0
    assert st.percentile(95) == pytest.approx(np.percentile(st.latency_ms, 95))
    assert "p95 38.5 ms" in st.summary()


# -- run_live with a fake model -----------------------------------------------------------------


@pytest.fixture
def fake_model(monkeypatch):
    FakeEstimator.reset()
    monkeypatch.setattr(posecheck.pose.estimator, "PoseEstimator", FakeEstimator)
    return FakeEstimator


def test_run_live_draws_each_overlay_measures_it_and_speaks(tmp_path: Path, fake_model):
    video = write_video(tmp_path / "v.avi", 12, size=(160, 120))
    shown: list[np.ndarray] = []
    engine = RecordingEngine()
    outcome = run_live(
        load_spec("squat"), LiveOptions(source=video, model="lite"), printer=lambda s: None,
        display=lambda image: shown.append(image) or False,
        speaker_factory=lambda: Speaker(engine, gap_s=0.0),
    )
    assert outcome.frames == len(shown) == outcome.stats.frames > 0
    assert outcome.stats.frames + outcome.stats.dropped == 12
    assert outcome.stats.stale == 0 and len(outcome.stats.behind) == outcome.frames
    assert all(0 < ms < 1000 for ms in outcome.stats.latency_ms)
    assert shown[0].shape == (120, 160, 3)
    # the announcement went out first (the speaker ran without its thread: it drains on exit)
    assert engine.texts and engine.texts[0].startswith("Bodyweight squat.")


def test_quitting_from_the_display_ends_the_session(tmp_path: Path, fake_model):
    video = write_video(tmp_path / "v.avi", 40)
    calls = []
    outcome = run_live(load_spec("squat"), LiveOptions(source=video, model="lite", voice=False),
                       printer=lambda s: None, display=lambda image: calls.append(1) or len(calls) >= 3)
    assert outcome.frames == 3 and not outcome.interrupted


def test_headless_prints_set_up_help(tmp_path: Path, fake_model):
    video = write_video(tmp_path / "v.avi", 20)
    lines: list[str] = []
    run_live(load_spec("squat"), LiveOptions(source=video, model="lite", headless=True, voice=False), printer=lines.append)
    assert any("set-up: Step into the picture" in line for line in lines), lines
    assert not any(line.startswith("voice off") for line in lines)  # --no-voice: not a word


def test_the_window_key_hint():
    assert "q" in KEY_HINT and "Esc" in KEY_HINT


# -- the command line ---------------------------------------------------------------------------


def test_live_without_audio_says_so_in_one_line_and_runs(tmp_path: Path, fake_model, monkeypatch):
    from posecheck import voice

    monkeypatch.setattr(voice, "audio_output_available", lambda *a, **k: False)
    monkeypatch.setattr(voice, "find_espeak", lambda: "/usr/bin/espeak-ng")
    video = write_video(tmp_path / "v.avi", 10)
    result = run("live", "-e", "squat", "--source", video, "--headless", "--model", "lite")
    assert result.exit_code == 0, result.output
    assert [line for line in result.output.splitlines() if "voice" in line] == ["voice off: no audio output device found"]


def test_live_no_voice_is_quiet_about_it(tmp_path: Path, fake_model):
    video = write_video(tmp_path / "v.avi", 10)
    result = run("live", "-e", "squat", "--source", video, "--headless", "--model", "lite", "--no-voice")
    assert result.exit_code == 0, result.output
    assert "voice" not in result.output


def test_live_voice_with_a_working_engine_is_used(tmp_path: Path, fake_model, monkeypatch):
    from posecheck import voice

    engine = RecordingEngine()
    monkeypatch.setattr(voice, "voice_unavailable_reason", lambda: None)
    monkeypatch.setattr(voice, "EspeakEngine", lambda *a, **k: engine)
    video = write_video(tmp_path / "v.avi", 10)
    result = run("live", "-e", "forearm_plank", "--source", video, "--headless", "--model", "lite", "--voice")
    assert result.exit_code == 0, result.output
    assert engine.texts and engine.texts[0].startswith("Forearm plank.")
    assert threading.active_count() < 10  # the voice thread was stopped
