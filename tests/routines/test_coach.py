"""The live routine coach, model-free: exact synthetic landmarks (and empty frames) through
:class:`~posecheck.coach.RoutineCoach`, with the frame times as its only clock.

The clips are rendered by synth from routine requests, so every rep and hold is where the
motion script put it; the routines are written here with targets *below* what the clip
does, so a set that ran past its target would show.
"""

from __future__ import annotations

import subprocess
import sys
from functools import cache

import pytest

from posecheck.coach import ACTIVE, ANNOUNCE, DONE, REST, SETUP, CoachTimings, RoutineCoach
from posecheck.core.session import ExerciseSession
from posecheck.live import INTERRUPTED
from posecheck.pose.landmarks import PoseFrame
from posecheck.routines import RoutineSpec
from posecheck.specs.loader import load_spec
from posecheck.synth.clip import plan_clip, truth_pose_frames
from posecheck.synth.routine import RoutineRequest

FPS = 15.0
#: Four bridges (the routine asks for three), then an 8 s plank (the routine asks for 5 s).
BRIDGE_PLANK = "glute_bridge:reps=4,forearm_plank:hold=8"


@cache
def frames(text: str) -> tuple[PoseFrame, ...]:
    return tuple(truth_pose_frames(plan_clip(RoutineRequest(text, fps=FPS, seed=3))))


def routine(*items: dict, rounds: int = 1, between_s: float = 60.0) -> RoutineSpec:
    return RoutineSpec.model_validate({"name": "mini", "title": "Mini routine", "rounds": rounds,
                                       "rest_between_rounds_s": between_s, "items": list(items)})


TWO = routine({"exercise": "glute_bridge", "reps": 3, "rest_s": 4},
              {"exercise": "forearm_plank", "hold_s": 5, "rest_s": 0})


def drive(coach: RoutineCoach, poses, until_s: float | None = None) -> list:
    views = []
    for pose in poses:
        if until_s is not None and pose.t > until_s:
            break
        views.append(coach.update(pose))
        if coach.finished:
            break
    return views


def events(views, kind: str | None = None) -> list:
    return [e for v in views for e in v.events if kind is None or e.kind == kind]


@cache
def two_exercises():
    coach = RoutineCoach(TWO)
    return coach, drive(coach, frames(BRIDGE_PLANK))


def test_the_bridge_set_ends_on_the_frame_its_third_rep_is_counted():
    coach, views = two_exercises()
    session = ExerciseSession(load_spec("glute_bridge"))
    third = next(p.t for p in frames(BRIDGE_PLANK) if session.update(p).reps == 3)
    done = events(views, "set_done")[0]
    assert done.t == third and done.text == "Three. Set complete."
    assert coach.done[0].reps == 3 and coach.done[0].exercise == "glute_bridge"  # the fourth rep is not counted
    assert [v.phase for v in views if v.t == third] == [REST]


def test_the_rest_lasts_its_seconds_and_counts_down():
    coach, views = two_exercises()
    rest = events(views, "rest")[0]
    assert rest.text == "Rest 4 seconds. Next: Forearm plank."
    plank = next(e for e in events(views, "announce") if e.text.startswith("Forearm plank"))
    assert 4.0 <= plank.t - rest.t < 4.0 + 1 / FPS
    resting = [v for v in views if v.phase == REST]
    assert [v.t for v in resting] == [v.t for v in views if rest.t <= v.t < plank.t]
    assert resting[0].rest_left_s == 4.0 and resting[0].rest_total_s == 4.0
    lefts = [v.rest_left_s for v in resting]
    assert lefts == sorted(lefts, reverse=True)
    assert [e.text for e in events(views, "countdown")] == ["three", "two", "one"]
    assert all(v.state is None for v in resting)  # no exercise is judged while resting


def test_the_plank_set_ends_when_five_seconds_are_held_with_good_form():
    coach, views = two_exercises()
    active = [v for v in views if v.phase in (ANNOUNCE, SETUP, ACTIVE) and v.planned.exercise == "forearm_plank"]
    last = active[-1]
    assert last.progress.done["all"] < 5.0  # the frame before: still short of the target
    assert last.state.hold_s == last.progress.done["all"]  # the HUD shows the seconds toward the target
    plank = coach.done[1]
    assert plank.exercise == "forearm_plank" and plank.good_form_s >= 5.0
    assert plank.end_s == pytest.approx(last.t + 1 / FPS)


def test_the_session_report_has_done_and_target_for_every_set():
    coach, views = two_exercises()
    report = coach.report("camera:0")
    rows = [(r.exercise, r.set, r.target, r.done, r.met) for r in report.sets]
    assert rows[0] == ("glute_bridge", 1, "3 reps", "3 reps", True)
    assert rows[1][:3] == ("forearm_plank", 1, "5 s") and rows[1][4]
    assert rows[1][3].endswith(" s with good form")
    assert (report.sets_met, report.sets_planned, report.complete, report.error) == (2, 2, True, None)
    assert "2 of 2 sets done to target" in report.summary()


def test_phases_run_in_order_and_the_routine_lingers_before_it_is_finished():
    coach, views = two_exercises()
    phases = [v.phase for v in views]
    order = [p for i, p in enumerate(phases) if i == 0 or p != phases[i - 1]]
    # already in position when each announcement ends, so the set-up phase passes within a frame
    # (the bridge even starts before: its first rep is under way)
    assert order == [ANNOUNCE, ACTIVE, REST, ANNOUNCE, ACTIVE, DONE]
    end = events(views, "routine_done")[0]
    assert end.text == "Routine complete: 2 of 2 sets done to target. Well done."
    assert coach.finished and views[-1].t - end.t >= CoachTimings().done_linger_s > views[-2].t - end.t
    kinds = [e.kind for e in events(views)]
    assert kinds[:2] == ["intro", "announce"] and "stop any exercise" in events(views, "intro")[0].text
    assert events(views, "announce")[0].text == "Glute bridge. Set 1 of 1. 3 reps."


def test_ctrl_c_midway_keeps_the_sets_done_and_the_set_under_way():
    coach = RoutineCoach(TWO)
    views = drive(coach, frames(BRIDGE_PLANK), until_s=22.0)
    assert views[-1].phase == ACTIVE and 0 < views[-1].progress.done["all"] < 5
    coach.stop(INTERRUPTED)
    report = coach.report("camera:0")
    assert (report.complete, report.error) == (False, INTERRUPTED)
    assert report.sets[0].met and report.sets[0].done == "3 reps"
    assert report.sets[1].done is not None and not report.sets[1].met  # a short hold, kept
    assert coach.finished and coach.update(frames(BRIDGE_PLANK)[-1]).phase == DONE


def test_stopped_while_resting_the_next_set_is_not_done():
    coach = RoutineCoach(TWO)
    views = drive(coach, frames(BRIDGE_PLANK), until_s=13.0)
    assert views[-1].phase == REST
    coach.stop("stopped from the window (q or Esc) before the routine was finished")
    report = coach.report("camera:0")
    assert [r.done for r in report.sets] == ["3 reps", None]
    assert report.sets_met == 1 and not report.complete and "Stopped early: stopped from the window" in report.summary()


def test_per_side_reps_say_when_only_the_other_side_counts_and_end_at_the_target_on_each_side():
    coach = RoutineCoach(routine({"exercise": "bird_dog", "reps": 2, "per_side": True, "rest_s": 0}))
    views = drive(coach, frames("bird_dog:reps=6"))  # alternating, three a side: no "switch" to ask for
    switch = events(views, "switch_sides")
    assert [e.text for e in switch] == ["Left side done. Only the right side counts now."]
    before = [v for v in views if v.t < switch[0].t and v.progress is not None][-1]
    assert before.progress.done == {"left": 1, "right": 1}
    assert events(views, "set_done")[0].text == "Right two. Set complete."
    record = coach.done[0]
    assert record.per_side == {"left": 2, "right": 2} and record.reps == 4  # not the clip's six
    row = coach.report("x").sets[0]
    assert row.met and row.target == "2 reps per side" and row.done == "4 reps (left 2, right 2)"


def test_a_per_side_hold_times_each_side_and_says_when_to_switch():
    coach = RoutineCoach(routine({"exercise": "knee_to_chest", "hold_s": 4, "per_side": True, "rest_s": 0}))
    views = drive(coach, frames("knee_to_chest:hold=6:side=left,knee_to_chest:hold=6:side=right"))
    (switch,) = events(views, "switch_sides")
    assert switch.text == "Left side done. Now the right side."
    at_switch = next(v for v in views if v.t == switch.t)
    assert at_switch.progress.done["left"] >= 4 > at_switch.progress.done["right"] == 0
    held = [v for v in views if v.state is not None and v.state.in_position]
    assert all(v.state.hold_per_side == dict(v.progress.done) for v in held)
    assert all(v.state.hold_s == v.progress.done[v.state.side] for v in held)  # this side's seconds
    last = [v for v in views if v.progress is not None][-1]
    assert last.progress.done["right"] < 4
    row = coach.report("x").sets[0]
    assert row.met and row.target == "4 s per side" and row.done.startswith("left ")


def test_a_hold_whose_form_never_comes_right_ends_after_its_target_plus_the_overtime():
    coach = RoutineCoach(routine({"exercise": "forearm_plank", "hold_s": 5, "rest_s": 0}),
                         CoachTimings(hold_overtime_s=2.0))
    views = drive(coach, frames("forearm_plank:hold=12:fault=hips_sagging:22"))
    (up,) = events(views, "time_up")
    assert "Time is up" in up.text and not events(views, "set_done")
    record = coach.done[0]
    assert record.hold_s == pytest.approx(7.0, abs=1.5 / FPS) and record.good_form_s == 0.0
    row = coach.report("x").sets[0]
    assert not row.met and row.form_issues == ["hips_sagging"]


def test_a_rep_set_that_stops_short_ends_after_the_idle_time_with_what_was_done():
    coach = RoutineCoach(routine({"exercise": "glute_bridge", "reps": 6, "rest_s": 0}), CoachTimings(rep_idle_s=4.0))
    views = drive(coach, frames(BRIDGE_PLANK))  # four bridges, then a plank: no fifth bridge comes
    (up,) = events(views, "time_up")
    assert up.text == "No new rep for a while, so this set ends here. Rest now." and not events(views, "set_done")
    counted = min(v.t for v in views if v.state is not None and v.state.reps == 4)
    assert up.t == pytest.approx(counted + 4.0, abs=1.5 / FPS)
    row = coach.report("x").sets[0]
    assert not row.met and row.done == "4 reps"


def empty(t: float) -> PoseFrame:
    return PoseFrame.empty(t, (640, 480))


def test_nobody_in_view_skips_and_rounds_with_exact_rest_times():
    plan = routine({"exercise": "glute_bridge", "reps": 5, "rest_s": 3},
                   {"exercise": "forearm_plank", "hold_s": 10, "rest_s": 4}, rounds=2, between_s=6)
    coach = RoutineCoach(plan)
    clock = iter(k / 10 for k in range(10_000))
    seen = []

    def run_to(t_end: float) -> None:
        while True:
            t = next(clock)
            seen.append(coach.update(empty(t)))
            if t >= t_end - 1e-9:
                return

    run_to(5.0)
    assert seen[-1].phase == SETUP and seen[-1].setup.problem.code == "no_person"
    assert [e.text for e in events(seen, "position")] == ["Get into position: lying on the back."]
    assert events(seen, "position")[0].t == CoachTimings().announce_s
    coach.skip()  # its words come with the next frame, timed at the skip
    seen.append(coach.update(empty(next(clock))))
    assert [(e.kind, e.t, e.text) for e in seen[-1].events] == [
        ("skipped", 5.0, "Moving on."), ("rest", 5.0, "Rest 3 seconds. Next: Forearm plank.")]
    run_to(8.0)
    announced = events(seen, "announce")
    assert [e.text for e in announced][-1] == "Forearm plank. Set 1 of 1. Hold 10 seconds."
    assert announced[-1].t == pytest.approx(5.0 + 3.0)  # the bridge's rest
    run_to(9.0)
    coach.skip()  # the end of round 1: the rest between rounds, not the plank's own
    run_to(15.0)
    announced = events(seen, "announce")
    assert announced[-1].text.startswith("Round 2 of 2. Glute bridge.") and announced[-1].t == pytest.approx(9.0 + 6.0)
    assert len(events(seen, "safety")) == len(load_spec("glute_bridge").safety) + len(load_spec("forearm_plank").safety)
    run_to(16.0)
    coach.skip()
    coach.skip()  # during the rest: start the next set at once
    view = coach.update(empty(next(clock)))
    assert view.phase == ANNOUNCE and view.planned.round == 2 and view.planned.exercise == "forearm_plank"
    coach.stop(INTERRUPTED)
    report = coach.report("camera:0")
    assert [(r.round, r.exercise, r.done, r.met) for r in report.sets] == [
        (1, "glute_bridge", "0 reps", False), (1, "forearm_plank", "0.0 s with good form", False),
        (2, "glute_bridge", "0 reps", False), (2, "forearm_plank", None, False),
    ]


def test_the_coach_imports_neither_cv2_nor_mediapipe():
    code = "import posecheck.coach, sys; heavy = {'cv2', 'mediapipe'} & set(sys.modules); assert not heavy, heavy"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
