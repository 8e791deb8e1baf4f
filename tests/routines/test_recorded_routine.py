"""A recorded routine: segmented by recognition and scored against the routine, set by set.

The clip is rendered by synth from a routine request, so every segment's exercise, times
and counts are exact. Without the model (the exact landmarks): every boundary falls inside
the transition between two exercises (±1 s), every segment counts exactly, and the crunch
in the middle is flagged as advised against. With the model: the same clip, rendered, goes
through ``posecheck routine NAME --source``.
"""

from __future__ import annotations

import json
from functools import cache

import pytest
from typer.testing import CliRunner

from posecheck.analyze import RecognisingAnalysis
from posecheck.cli import app
from posecheck.report import SourceInfo
from posecheck.synth.clip import plan_clip, truth_pose_frames, write_clip
from posecheck.synth.routine import RoutineRequest, routine_labels

ROUTINE = "glute_bridge:reps=3,bird_dog:reps=4,forearm_plank:hold=8,crunch:reps=3,squat:reps=3"
BOUNDARY_SLACK_S = 1.0


class _Truth:
    name = "truth"
    sha256 = "0" * 64


@cache
def truth():
    plan = plan_clip(RoutineRequest(ROUTINE, fps=15.0, seed=3))
    frames = truth_pose_frames(plan)
    analysis = RecognisingAnalysis()
    for frame in frames:
        analysis.update(frame)
    report = analysis.report(SourceInfo("routine.mp4", 15.0, len(frames), len(frames), 640, 480), _Truth())
    return routine_labels(plan), report


def test_every_boundary_falls_in_a_transition_and_every_segment_is_its_exercise():
    labels, report = truth()
    expected = labels["segments"]
    got = [s for s in report.recognition.segments if s.exercise is not None]
    assert [s.exercise for s in got] == [s["exercise"] for s in expected]
    for before, after, seg_a, seg_b in zip(expected, expected[1:], got, got[1:]):
        assert seg_a.end_s == seg_b.start_s
        assert before["to_s"] - BOUNDARY_SLACK_S <= seg_a.end_s <= after["from_s"] + BOUNDARY_SLACK_S


def test_every_segment_is_scored_exactly():
    labels, report = truth()
    got = [s for s in report.recognition.segments if s.exercise is not None]
    for seg, want in zip(got, labels["segments"], strict=True):
        if want["reps"] is not None:
            assert seg.reps == want["reps"], seg.exercise
        if want["hold_s"] is not None:
            assert seg.good_form_seconds == pytest.approx(want["hold_s"], abs=0.5), seg.exercise


def test_the_crunch_in_the_routine_is_flagged():
    _, report = truth()
    crunch = [s for s in report.recognition.segments if s.exercise == "crunch"]
    assert crunch and crunch[0].advised_against
    assert any(w.startswith("Crunch recognised at") and "Safer instead" in w for w in report.warnings)


def test_the_report_source_is_the_whole_video_not_the_recognised_segment():
    """The report's body is the main segment's, but its length and the frames with a person
    are the video's (a batch without labelled windows judges the whole length)."""
    _, report = truth()
    frames = truth_pose_frames(plan_clip(RoutineRequest(ROUTINE, fps=15.0, seed=3)))
    main = max((s for s in report.recognition.segments if s.exercise), key=lambda s: s.end_s - s.start_s)
    assert report.source.duration_s == pytest.approx(len(frames) / 15.0, abs=0.01)
    assert report.source.duration_s > main.end_s - main.start_s + 10
    assert report.frames_with_pose == sum(f.detected for f in frames)


@pytest.mark.real_model
def test_a_recorded_seed_routine_gets_a_session_report(tmp_path):
    clip = tmp_path / "routine.mp4"
    write_clip(RoutineRequest("bird_dog:reps=5,superman:reps=5,childs_pose:hold=12,forearm_plank:hold=12", fps=15.0, seed=4), clip)
    report = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["routine", "prone_strength", "--source", str(clip), "--headless",
                                      "--report", str(report), "--model", "lite", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert data["routine"] == "prone_strength" and data["sets_planned"] == 12  # 4 exercises x 3 rounds
    first_round = [row for row in data["sets"] if row["round"] == 1]
    assert [row["exercise"] for row in first_round] == ["bird_dog", "superman", "childs_pose", "forearm_plank"]
    assert sum(row["done"] is not None for row in first_round) >= 3
    assert "sets done to target" in result.output
