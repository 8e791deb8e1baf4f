"""A routine coached live, without the pose model: the runner on exact synthetic landmarks (what
it says, shows and prints), and ``posecheck routine NAME --camera N | --source FILE --live``
end to end with a stand-in model that returns the clip's exact landmarks."""

from __future__ import annotations

import json
import os
import signal
import time
from functools import cache
from pathlib import Path

import numpy as np
import pytest

import posecheck.io.video
import posecheck.pose.estimator
from posecheck.coach import SETUP
from posecheck.live import INTERRUPTED, Ending, LiveOptions
from posecheck.live_routine import ROUTINE_KEY_HINT, RoutineRunner
from posecheck.pose.landmarks import PoseFrame
from posecheck.render.hud import HudInfo, hud_content, rest_content
from posecheck.report import SourceInfo
from posecheck.routines import load_routine_file
from posecheck.specs.loader import load_spec
from posecheck.specs.schema import Dosage
from posecheck.synth.clip import plan_clip, truth_pose_frames
from posecheck.synth.routine import RoutineRequest
from posecheck.voice import Speaker
from tests.helpers import RecordingEngine
from tests.cli.helpers import FakeModel, one_line_error, run
from tests.conftest import write_video
from tests.live.fakes import FakeClock, state

FPS = 15.0
CLIP = "glute_bridge:reps=3,forearm_plank:hold=6"
MINI = """name = "mini"
title = "Mini routine"

[[items]]
exercise = "glute_bridge"
reps = 2
rest_s = 2

[[items]]
exercise = "forearm_plank"
hold_s = 3
rest_s = 0
"""


@cache
def poses(text: str = CLIP) -> tuple[PoseFrame, ...]:
    return tuple(truth_pose_frames(plan_clip(RoutineRequest(text, fps=FPS, seed=3))))


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    path = tmp_path / "mini.toml"
    path.write_text(MINI)
    return path


# -- the runner, frame by frame -----------------------------------------------------------------


@pytest.fixture(scope="module")
def coached(tmp_path_factory):
    """The mini routine coached over the clip's exact landmarks: spoken texts, HUDs, printed lines."""
    path = tmp_path_factory.mktemp("routine") / "mini.toml"
    path.write_text(MINI)
    lines: list[str] = []
    runner = RoutineRunner(load_routine_file(path), LiveOptions(), lines.append)
    engine = RecordingEngine()
    clock = FakeClock()
    speaker = Speaker(engine, clock, gap_s=0.0)
    runner.start(speaker)
    huds = []
    image = np.zeros((480, 640, 3), np.uint8)
    for pose in poses():
        clock.t = pose.t
        runner.step(pose)
        speaker.update()
        runner.print_update()
        huds.append((runner.view, runner.hud(ROUTINE_KEY_HINT)))
        if pose.t in (1.0, 11.0):  # a set and a rest, drawn
            assert runner.overlay(image, mirror=True, key_hint=ROUTINE_KEY_HINT).shape == image.shape
        if runner.finished:
            break
    return runner, engine.texts, huds, lines


def test_the_runner_speaks_the_routine_in_order(coached):
    runner, said, _, _ = coached
    assert said[0].startswith("Mini routine: 2 sets.") and said[1] == "Glute bridge. Set 1 of 1. 2 reps."
    assert "Rest 2 seconds. Next: Forearm plank." in said
    assert "Forearm plank. Set 1 of 1. Hold 3 seconds." in said
    assert said.index("Rest 2 seconds. Next: Forearm plank.") < said.index("Forearm plank. Set 1 of 1. Hold 3 seconds.")
    assert said[-1] == "Routine complete: 2 of 2 sets done to target. Well done."
    # the bridge counted aloud; its last count ends the set, so it comes with "set complete"
    assert "one" in said and "Two. Set complete." in said
    assert sum("Set complete." in text for text in said) == 1  # the plank's is left to the closing words


def test_the_hud_follows_the_set_the_rest_and_the_end(coached):
    _, _, huds, _ = coached
    bridge = [c for v, c in huds if v.state is not None and v.planned.exercise == "glute_bridge"]
    assert {c.set_text for c in bridge} == {"Set 1 of 1"} and {c.target for c in bridge} == {"/ 2"}
    assert [c.big for c in bridge][-1] == "1" and all(c.unit == "reps" for c in bridge)
    rest = [c for v, c in huds if v.rest_left_s is not None]
    assert rest[0].big == "2" and rest[-1].big == "1" and rest[0].unit == "s rest"
    assert rest[0].title == "Next: Forearm plank" and rest[0].target == "then 3 s hold" and rest[0].status == "REST"
    plank = [c for v, c in huds if v.state is not None and v.planned.exercise == "forearm_plank"]
    assert {c.unit for c in plank} == {"s held"} and {c.target for c in plank} == {"/ 3 s"}
    assert plank[0].banner == "Forearm plank. Set 1 of 1. Hold 3 seconds."
    end = huds[-1][1]
    assert (end.status, end.big, end.target, end.key_hint) == ("DONE", "2", "/ 2", ROUTINE_KEY_HINT)


def test_headless_prints_the_coachs_words_and_the_counts(coached):
    _, _, _, lines = coached
    assert any(line.endswith(" s | Rest 2 seconds. Next: Forearm plank.") for line in lines)
    assert any(" s | reps 1" in line for line in lines)
    assert any(line.endswith(" s | Two. Set complete.") for line in lines)
    held = [line.split(" | ")[1] for line in lines if "held with good form" in line]
    assert held == [f"held with good form: {n} of 3 s" for n in (1, 2)]  # the third second ends the set
    assert lines[-1].endswith("| Routine complete: 2 of 2 sets done to target. Well done.")


def test_n_moves_on_and_the_report_keeps_the_skipped_set(mini):
    runner = RoutineRunner(load_routine_file(mini), LiveOptions(), lambda s: None)
    runner.start(Speaker(None))
    runner.step(PoseFrame.empty(0.0, (640, 480)))
    runner.key(ord("n"))
    runner.step(PoseFrame.empty(0.1, (640, 480)))
    assert [e.kind for e in runner.view.events] == ["skipped", "rest"]
    assert runner.hud().unit == "s rest"


def test_a_hold_target_on_a_counted_exercise_shows_the_timer_per_side():
    spec = load_spec("lower_back_rotation")  # counted, with a hold: a routine may ask for holds
    dosage = Dosage(sets=3, hold_s=(5, 5), per_side=True)
    c = hud_content(spec, state(hold_s=3.0, in_position=True, hold_per_side={"left": 3.0, "right": 0.0}),
                    info=HudInfo(set_index=2, sets=3, dosage=dosage))
    assert (c.big, c.unit, c.target) == ("3", "s held", "/ 5 s each side")
    assert (c.sides, c.set_text) == ("L 3 s   R 0 s", "Set 2 of 3")
    assert c.progress == pytest.approx(0.6)
    r = rest_content(spec, 7.4, 10.0, HudInfo(set_index=1, sets=3, dosage=dosage))
    assert (r.big, r.unit, r.target, r.progress) == ("8", "s rest", "then 5 s hold each side", pytest.approx(0.26))


# -- the command line ---------------------------------------------------------------------------


class TruthEstimator:
    """Stands in for the pose model: the clip's exact landmarks at each frame's time; can press
    Ctrl-C once the replay reaches ``interrupt_s``."""

    interrupt_s: float | None = None

    def __init__(self, options=None):
        self.model = FakeModel()
        self._pressed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def process(self, bgr, t: float) -> PoseFrame:
        if self.interrupt_s is not None and t >= self.interrupt_s and not self._pressed:
            self._pressed = True
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)
        frames = poses()
        return frames[min(round(t * FPS), len(frames) - 1)]


#: The replay runs this many times faster than real time (frame times stay the file's).
SPEED = 5.0


class FastReplay(posecheck.io.video.RealTimeSource):
    def __init__(self, source):
        super().__init__(source, clock=lambda: SPEED * time.monotonic(), sleep=lambda s: time.sleep(s / SPEED))


@pytest.fixture
def truth_model(monkeypatch):
    TruthEstimator.interrupt_s = None
    monkeypatch.setattr(posecheck.pose.estimator, "PoseEstimator", TruthEstimator)
    monkeypatch.setattr(posecheck.io.video, "RealTimeSource", FastReplay)
    return TruthEstimator


def _replay(tmp_path: Path, mini: Path, *extra: str):
    video = write_video(tmp_path / "routine.avi", len(poses()), fps=FPS)
    report = tmp_path / "r.json"
    result = run("routine", mini, "--source", video, "--live", "--headless", "--no-voice", "--model", "lite",
                 "--report", report, *extra)
    return result, report


def test_a_replayed_routine_is_coached_live_and_reported(tmp_path, mini, truth_model):
    result, report = _replay(tmp_path, mini)
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert data["complete"] is True and data["error"] is None and data["source"].endswith("routine.avi")
    assert [(r["exercise"], r["target"], r["met"]) for r in data["sets"]] == [
        ("glute_bridge", "2 reps", True), ("forearm_plank", "3 s", True)]
    assert data["sets"][0]["done"] == "2 reps"
    assert "Mini routine — routine.avi: 2 of 2 sets done to target" in result.output
    assert "Rest 2 seconds. Next: Forearm plank." in result.output


def test_ctrl_c_keeps_the_sets_done_and_exits_130(tmp_path, mini, truth_model):
    truth_model.interrupt_s = 15.0  # in the plank set, after the bridges
    result, report = _replay(tmp_path, mini)
    assert result.exit_code == 130, result.output
    data = json.loads(report.read_text())
    assert (data["complete"], data["error"]) == (False, INTERRUPTED)
    assert data["sets"][0]["met"] and data["sets"][0]["done"] == "2 reps"
    assert "Stopped early: interrupted" in result.output


def test_a_truncated_video_writes_what_was_done_and_exits_12(tmp_path, mini, truth_model):
    whole = write_video(tmp_path / "whole.avi", len(poses()), fps=FPS)
    cut = tmp_path / "cut.avi"
    cut.write_bytes(whole.read_bytes()[: int(whole.stat().st_size * 0.6)])  # ends in the plank set
    report = tmp_path / "r.json"
    result = run("routine", mini, "--source", cut, "--live", "--headless", "--no-voice", "--model", "lite",
                 "--report", report)
    assert result.exit_code == 12, result.output
    assert "truncated" in one_line_error(result)
    data = json.loads(report.read_text())
    assert data["complete"] is False and "truncated" in data["error"]
    assert data["sets"][0]["done"] == "2 reps"


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--camera", "7", "--headless", "--model", "lite"], 17, "no camera at index 7"),
        (["--camera", "-1"], 2, "--camera must be 0 or more, got -1"),
        (["--camera", "0", "--source", "x.mp4"], 2, "give --camera N or --source VIDEO, not both"),
        (["--live"], 2, "give --source VIDEO"),
        (["--camera", "0", "--live"], 2, "--live replays a --source VIDEO"),
        (["--source", "x.mp4", "--mirror"], 2, "--mirror is for live coaching"),
        (["--camera", "0", "--trace-cache", "c"], 2, "--trace-cache is for scoring a recorded routine"),
        (["--source", "missing.mp4", "--live", "--model", "lite"], 10, "video not found: missing.mp4"),
    ],
)
def test_live_routine_errors_are_one_line_with_their_own_exit_code(args, code, words):
    result = run("routine", "supine_strength", *args)
    assert result.exit_code == code, result.output
    assert words in one_line_error(result)


def test_a_live_session_the_camera_cannot_start_writes_no_report(tmp_path):
    report = tmp_path / "r.json"
    result = run("routine", "supine_strength", "--camera", "7", "--headless", "--model", "lite", "--report", report)
    assert result.exit_code == 17 and not report.exists()


def test_the_coach_waits_in_setup_while_nobody_is_seen(mini):
    runner = RoutineRunner(load_routine_file(mini), LiveOptions(), lambda s: None)
    runner.start(Speaker(None))
    for k in range(40):
        runner.step(PoseFrame.empty(k / 10, (640, 480)))
    assert runner.view.phase == SETUP and runner.hud().setup == "Step into the picture: the camera cannot see anyone"
    source = SourceInfo("camera:0", 30.0, 0, 40, 640, 480)
    report = runner.report(source, FakeModel(), Ending("quit"))
    assert not report.complete and report.error.startswith("stopped from the window")


# -- with the real model ------------------------------------------------------------------------

BRIDGES = """name = "bridges"
title = "Two bridges"

[[items]]
exercise = "glute_bridge"
reps = 2
rest_s = 0
"""


@pytest.mark.real_model
def test_a_sample_clip_replayed_through_the_live_coach_with_the_model(tmp_path):
    """The rendered three-bridge sample, replayed in real time (about 10 s): the set ends at two."""
    routine = tmp_path / "bridges.toml"
    routine.write_text(BRIDGES)
    report = tmp_path / "r.json"
    result = run("routine", routine, "--source", "sample_videos/bridge_clean_oblique.mp4", "--live", "--headless",
                 "--no-voice", "--model", "lite", "--report", report)
    assert result.exit_code == 0, result.output
    data = json.loads(report.read_text())
    assert data["complete"] is True and data["sets_met"] == 1
    assert data["sets"][0]["done"] == "2 reps"
    assert "Two. Set complete." in result.output
