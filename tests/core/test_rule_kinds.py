"""Each v2 rule kind on its own, on synthetic traces with exact expected results.

The posture gate, signed metrics, per-side holds, sequences, peak pause, tempo, front-leg
side choice, ``require`` preconditions and max/min rep cues are driven with plain arrays
(a metric's value per frame, or hand-placed world landmarks), no video and no model.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.core import geometry
from posecheck.core.cues import FrameCueEvaluator, Recording, RepCueEvaluator
from posecheck.core.drivers import HoldDriver, RepDriver, SequenceDriver
from posecheck.core.reps import Rep
from posecheck.core.metrics import CompiledMetric
from posecheck.core.posture import PostureGate
from posecheck.core.sides import FrontLeg
from posecheck.core.timer import PositionTimer
from posecheck.specs.schema import (
    ExerciseSpec,
    FrameCue,
    HoldRule,
    MetricSpec,
    PostureSpec,
    RepCue,
    RepRule,
    SequenceRule,
)
from tests.helpers import run_session, times, world_frame

FPS = 30.0


def standing_world(lean_deg: float = 0.0, knee_ahead_m: float = 0.0, split_m: float = 0.0) -> dict:
    """A person standing, facing the camera (-z), the trunk leaning ``lean_deg`` forward
    (toward the camera; negative = backward); left foot ``split_m`` in front of the right."""
    lean = math.radians(lean_deg)
    up = np.array([0.0, -math.cos(lean), -math.sin(lean)])  # world y down, forward is -z
    pts = {"left_hip": (0.1, 0.0, 0.0), "right_hip": (-0.1, 0.0, 0.0)}
    for side, x in (("left", 0.18), ("right", -0.18)):
        pts[f"{side}_shoulder"] = tuple(np.array([x, 0.0, 0.0]) + 0.5 * up)
    for side, x, dz in (("left", 0.1, -split_m / 2), ("right", -0.1, split_m / 2)):
        pts[f"{side}_knee"] = (x, 0.45, dz - knee_ahead_m)
        pts[f"{side}_ankle"] = (x, 0.9, dz)
        pts[f"{side}_foot_index"] = (x, 0.95, dz - 0.15)
    return pts


def metric(kind: str, joints: list[str], **kw) -> CompiledMetric:
    return CompiledMetric.compile("m", MetricSpec(kind=kind, joints=joints, space="world", **kw))


# -- signed metrics -----------------------------------------------------------------------------


@pytest.mark.parametrize("lean", [-20.0, 0.0, 15.0, 45.0, 80.0])
def test_lean_is_signed_along_the_body_forward_direction(lean):
    frame = world_frame(0.0, standing_world(lean_deg=lean))
    value = metric("lean", ["mid_hip", "mid_shoulder"]).evaluate(frame, "left", 0.5)
    assert value == pytest.approx(lean, abs=1e-6)


def test_ahead_says_knee_in_front_of_the_toes():
    m = metric("ahead", ["side_knee", "side_foot_index"])
    behind = m.evaluate(world_frame(0.0, standing_world(knee_ahead_m=0.0)), "left", 0.5)
    ahead = m.evaluate(world_frame(0.0, standing_world(knee_ahead_m=0.3)), "left", 0.5)
    torso = 0.5
    assert behind == pytest.approx(-0.15 / torso, abs=1e-6)
    assert ahead == pytest.approx(0.15 / torso, abs=1e-6)


def test_offset_toward_forward_has_a_sign_on_a_vertical_line():
    # hip ahead of (toward the camera from) the shoulder-ankle line: positive, behind: negative
    forward = np.array([0.0, 0.0, -1.0])
    a, b = np.array([0.0, -0.5, 0.0]), np.array([0.0, 0.9, 0.0])
    assert geometry.signed_offset(np.array([0.0, 0.0, -0.07]), a, b, forward) == pytest.approx(0.05)
    assert geometry.signed_offset(np.array([0.0, 0.0, 0.07]), a, b, forward) == pytest.approx(-0.05)
    # "up" runs along a vertical line: no side is up, so no sign is made up
    assert math.isnan(geometry.signed_offset(np.array([0.0, 0.0, 0.07]), a, b, geometry.WORLD_UP))


def test_facing_tells_lying_on_the_back_from_lying_face_down():
    def lying(chest_up: bool) -> dict:
        # head toward +x; the body's left is -z when the chest points up (-y), +z when down
        z = -0.2 if chest_up else 0.2
        return {"left_shoulder": (0.5, 0.0, z), "right_shoulder": (0.5, 0.0, -z),
                "left_hip": (0.0, 0.0, z / 2), "right_hip": (0.0, 0.0, -z / 2)}

    m = metric("facing", [])
    assert m.evaluate(world_frame(0.0, lying(True)), "left", 0.5) == pytest.approx(90.0)
    assert m.evaluate(world_frame(0.0, lying(False)), "left", 0.5) == pytest.approx(-90.0)
    assert m.evaluate(world_frame(0.0, standing_world()), "left", 0.5) == pytest.approx(0.0, abs=1e-6)


def test_elevation_is_signed():
    m = metric("elevation", ["mid_hip", "mid_shoulder"])
    assert m.evaluate(world_frame(0.0, standing_world()), "left", 0.5) == pytest.approx(90.0, abs=1e-6)
    m = metric("elevation", ["mid_shoulder", "mid_hip"])
    assert m.evaluate(world_frame(0.0, standing_world()), "left", 0.5) == pytest.approx(-90.0, abs=1e-6)


# -- front leg ----------------------------------------------------------------------------------


def test_front_leg_follows_the_leg_in_front_with_hysteresis():
    chooser = FrontLeg()
    no_progress = lambda s: math.nan  # noqa: E731
    left_front = [chooser.update(world_frame(i / FPS, standing_world(split_m=0.6)), no_progress) for i in range(10)]
    right_front = [chooser.update(world_frame(1 + i / FPS, standing_world(split_m=-0.6)), no_progress) for i in range(30)]
    assert set(left_front) == {"left"}
    assert right_front[0] == "left" and right_front[-1] == "right"  # switches only once the score passes the margin


# -- the one position timer -----------------------------------------------------------------------


def test_position_timer_counts_what_it_decided_live():
    t = times(10.0, FPS)
    raw = (t >= 1.0) & (t < 8.0) & ~((t >= 4.0) & (t < 4.3))  # a 0.3 s dip inside
    raw |= (t >= 9.0) & (t < 9.2)  # too short to enter
    timer = PositionTimer(min_enter_s=0.5, grace_s=0.5)
    live = []
    for ti, r in zip(t, raw, strict=True):
        timer.update(ti, r)
        live.append(timer.seconds())
    timer.finish(10.0)
    assert timer.intervals == [(1.0, pytest.approx(8.0))]
    assert timer.seconds() == pytest.approx(7.0)
    assert timer.mask(t).sum() == 210
    assert max(live) == pytest.approx(7.0 + 0.5, abs=0.05)  # the live total runs on through the grace period
    assert live[-1] == pytest.approx(7.0)  # and drops back once the exit is confirmed


@pytest.mark.parametrize("fps", [12.0, 15.0, 30.0])
def test_position_timer_enters_after_min_enter_s_counting_each_frame_as_its_interval(fps):
    """Three frames at 15 fps are 0.2 s in position, as the final timeline counts them."""
    t = times(3.0, fps)
    needed = int(round(0.5 * fps))  # frames that make 0.5 s
    for frames_true, enters in ((needed, True), (needed - 1, False)):
        raw = (t >= 1.0) & (t < 1.0 + (frames_true - 0.5) / fps)
        timer = PositionTimer(min_enter_s=0.5, grace_s=0.0)
        decided = [timer.update(ti, r) for ti, r in zip(t, raw, strict=True)]
        assert any(decided) is enters, (fps, frames_true)


@pytest.mark.parametrize("fps", [12.0, 15.0, 30.0])
def test_a_frame_cue_fails_live_exactly_when_its_final_window_is_kept(fps):
    """The live verdict (frame by frame) and the report's windows (the whole timeline) use one
    rule: a failure is reported once it has lasted min_duration_s, each frame its interval."""
    cue = FrameCue(id="too_high", metric="m", max=10.0, phase="any", min_duration_s=0.25, message="lower it")
    t = times(3.0, fps)
    needed = int(np.ceil(0.25 * fps - 1e-9))
    for frames_failing in (needed - 1, needed):
        evaluator = FrameCueEvaluator(cue)
        values = np.where((t >= 1.0) & (t < 1.0 + (frames_failing - 0.5) / fps), 20.0, 5.0)
        live = [evaluator.update(ti, v, judged=True) for ti, v in zip(t, values, strict=True)]
        windows = evaluator.result(t).windows_s
        assert ("fail" in live) is bool(windows) is (frames_failing == needed), (fps, frames_failing)


# -- posture gate ----------------------------------------------------------------------------------


def _gate(enter: float = 30.0, exit_: float = 20.0) -> PostureGate:
    posture = PostureSpec.model_validate({
        "name": "leaning", "title": "leaning forward", "min_enter_s": 0.0, "grace_s": 0.5,
        "metrics": {"lean": {"kind": "lean", "joints": ["mid_hip", "mid_shoulder"], "space": "world"}},
        "require": [{"metric": "lean", "direction": "up", "enter": enter, "exit": exit_}],
    })
    return PostureGate(posture)


def test_posture_gate_opens_and_closes_with_hysteresis_and_grace():
    gate = _gate()
    leans = [0.0] * 30 + [40.0] * 60 + [25.0] * 30 + [0.0] * 60
    states = [gate.update(world_frame(i / FPS, standing_world(lean_deg=v))) for i, v in enumerate(leans)]
    gate.finish(len(leans) / FPS)
    assert not any(states[:30]) and states[60] and states[100]  # 25 deg is inside the band: still open
    assert not states[-1]
    (a, b), = gate.timer.intervals
    assert a > 1.0 and 4.0 < b < 4.5  # closes where the lean fell below the exit threshold (smoothed)


def test_reps_count_only_in_posture():
    spec = _spec(posture="standing", metrics={"lean": {"kind": "lean", "joints": ["mid_hip", "mid_shoulder"], "space": "world"}},
                 reps={"metric": "lean", "direction": "up", "rest": 15.0, "peak": 40.0})
    t = times(12.0, FPS)
    lean = 30.0 - 30.0 * np.cos(2 * np.pi * t / 3.0)  # 4 reps, 0 -> 60 -> 0 deg
    standing = [world_frame(ti, standing_world(lean_deg=v)) for ti, v in zip(t, lean, strict=True)]
    _, result = run_session(spec, standing)
    assert len(result.reps) == 4 and result.posture_found
    lying = [world_frame(ti, {k: (p[0], p[2], -p[1]) for k, p in standing_world(lean_deg=v).items()}) for ti, v in zip(t, lean, strict=True)]
    _, result = run_session(spec, lying)
    assert result.reps == [] and not result.posture_found
    assert any("no standing position" in w and "is this t?" in w for w in result.warnings)


# -- drivers -------------------------------------------------------------------------------------------


def _spec(posture: str | dict = "standing", **kw) -> ExerciseSpec:
    from posecheck.specs.loader import resolve_posture

    data = {"schema_version": 2, "name": "t", "title": "test", "mode": kw.pop("mode", "reps"), "posture": posture,
            "views": ["side", "front", "oblique", "rear"], **kw}
    return resolve_posture(ExerciseSpec.model_validate(data))


def test_rep_require_gates_counting():
    rule = RepRule(metric="x", direction="up", rest=0.2, peak=0.8, min_rep_s=0.5,
                   require=[{"metric": "ok", "direction": "up", "enter": 0.5, "exit": 0.4}])
    driver = RepDriver(rule, reset_after_s=1.0)
    t = times(8.0, FPS)
    x = 0.5 - 0.5 * np.cos(2 * np.pi * t / 2.0)  # 4 reps
    ok = (t < 4.0).astype(float)  # the precondition holds for the first two reps only
    for ti, xi, oki in zip(t, x, ok, strict=True):
        driver.update(ti, {"x": xi, "ok": oki}, True, None)
    driver.finish(8.0)
    assert len(driver.reps) == 2


def test_per_side_hold_times_each_side():
    spec = _spec(mode="hold", sides="alternating",
                 metrics={"knee_up": {"kind": "height_diff", "joints": ["side_knee", "side_hip"], "space": "world"}},
                 hold={"require": [{"metric": "knee_up", "direction": "up", "enter": -0.3, "exit": -0.5}],
                       "min_enter_s": 0.5, "grace_s": 0.3, "settle_s": 0.0, "per_side": True})
    t = times(12.0, FPS)

    def frame(ti):
        pts = standing_world()
        lifted = "left" if 1.0 <= ti < 5.0 else "right" if 6.0 <= ti < 11.0 else None
        if lifted:
            x = 0.1 if lifted == "left" else -0.1
            pts[f"{lifted}_knee"] = (x, -0.05, -0.3)  # knee pulled up to hip height
        return world_frame(ti, pts)

    _, result = run_session(spec, [frame(ti) for ti in t])
    left, right = result.hold_per_side["left"], result.hold_per_side["right"]
    assert left[0] == pytest.approx(4.0, abs=0.1) and right[0] == pytest.approx(5.0, abs=0.1)
    assert result.hold_s == pytest.approx(9.0, abs=0.15)


def test_sequence_counts_cycles_in_order_and_reports_extremes():
    rule = SequenceRule.model_validate({
        "metric": "spine",
        "states": [{"name": "cat", "require": [{"metric": "spine", "direction": "up", "enter": 10.0, "exit": 5.0}]},
                   {"name": "cow", "require": [{"metric": "spine", "direction": "down", "enter": -10.0, "exit": -5.0}]}],
        "order": ["cat", "cow", "cat"],
    })
    driver = SequenceDriver(rule)
    t = times(13.0, FPS)
    spine = 20.0 * np.sin(2 * np.pi * (t - 0.5) / 4.0)  # cat at 1.5, 5.5, 9.5 s; cow at 3.5, 7.5, 11.5 s
    spine[t < 0.5] = 0.0
    for ti, v in zip(t, spine, strict=True):
        driver.update(ti, {"spine": v}, True)
    driver.finish(13.0)
    assert len(driver.reps) == 2  # cat -> cow -> cat twice; the third cycle ends in cow: partial
    assert len(driver.partials) == 1
    states = driver.reps[0].states
    assert [s[0] for s in states] == ["cat", "cow", "cat"]
    assert states[0][2] == pytest.approx(20.0, abs=0.1) and states[1][2] == pytest.approx(-20.0, abs=0.1)
    assert states[1][1] == pytest.approx(3.5, abs=0.05)


def test_sequence_out_of_order_does_not_count():
    rule = SequenceRule.model_validate({
        "states": [{"name": "a", "require": [{"metric": "s", "direction": "up", "enter": 1.0, "exit": 0.5}]},
                   {"name": "b", "require": [{"metric": "s", "direction": "down", "enter": -1.0, "exit": -0.5}]},
                   {"name": "c", "require": [{"metric": "c", "direction": "up", "enter": 1.0, "exit": 0.5}]}],
        "order": ["a", "b", "c"],
    })
    driver = SequenceDriver(rule)
    t = 0.0
    for s, c in [(2, 0)] * 10 + [(0, 2)] * 10 + [(-2, 0)] * 10 + [(0, 0)] * 10:  # a, c, b: wrong order
        driver.update(t, {"s": s, "c": c}, True)
        t += 0.1
    assert driver.reps == []


# -- timing and max/min cues ---------------------------------------------------------------------------


def _rep_spec(cues: list[dict]) -> ExerciseSpec:
    return _spec(metrics={"lean": {"kind": "lean", "joints": ["mid_hip", "mid_shoulder"], "space": "world"}},
                 reps={"metric": "lean", "direction": "up", "rest": 15.0, "peak": 40.0, "min_rep_s": 0.5}, cues=cues)


def _lean_reps(profile) -> list:
    t = times(len(profile) / FPS, FPS)
    return [world_frame(ti, standing_world(lean_deg=v)) for ti, v in zip(t, profile, strict=True)]


def _rep_profile(up_s: float, top_s: float, down_s: float, peak: float = 60.0, rest_s: float = 1.0) -> list[float]:
    n = lambda s: int(round(s * FPS))  # noqa: E731
    up = list(peak * (1 - np.cos(np.linspace(0, np.pi, n(up_s)))) / 2)
    down = list(peak * (1 + np.cos(np.linspace(0, np.pi, n(down_s)))) / 2)
    return [0.0] * n(rest_s) + up + [peak] * n(top_s) + down


def test_pause_cue_flags_a_rep_that_skips_the_pause():
    spec = _rep_spec([{"id": "no_pause", "kind": "pause", "min_s": 1.0, "message": "Pause at the top"}])
    frames = _lean_reps(_rep_profile(1.0, 1.5, 1.0) + _rep_profile(1.0, 0.0, 1.0) + [0.0] * 30)
    _, result = run_session(spec, frames)
    assert [list(r.failed_cues) for r in result.reps] == [[], ["no_pause"]]


def test_tempo_cue_flags_a_fast_way_back():
    # the way back is timed from the peak threshold (40 deg) to the rest threshold (15 deg)
    spec = _rep_spec([{"id": "too_fast", "kind": "tempo", "min_back_s": 0.4, "message": "Lower slowly"}])
    frames = _lean_reps(_rep_profile(1.0, 0.5, 2.0) + _rep_profile(1.0, 0.5, 0.4) + [0.0] * 30)
    _, result = run_session(spec, frames)
    assert [list(r.failed_cues) for r in result.reps] == [[], ["too_fast"]]
    assert result.reps[0].back_s > 0.4 > result.reps[1].back_s


@pytest.mark.parametrize("judge,expected", [("extreme", [[], []]), ("max", [[], ["too_far"]])])
def test_rep_cue_judges_max_over_the_rep_not_only_the_extreme(judge, expected):
    # the second rep overshoots to 80 deg briefly on the way up, then settles at 60
    spec = _rep_spec([{"id": "too_far", "kind": "rep", "judge": judge, "metric": "lean", "max": 70.0,
                       "message": "Not so far"}])
    second = _rep_profile(1.0, 1.5, 1.0)
    start = 30 + 30
    second[start - 6: start] = [80.0] * 6
    frames = _lean_reps(_rep_profile(1.0, 1.5, 1.0) + second + [0.0] * 30)
    _, result = run_session(spec, frames)
    assert [list(r.failed_cues) for r in result.reps] == expected


@pytest.mark.parametrize(("sides", "fails"), [(None, True), ("alternating", False)])
def test_a_rep_cue_of_an_alternating_spec_judges_only_the_rep_s_own_limb(sides, fails):
    """Before the working leg leaves rest an alternating spec may still watch the other one;
    its values must not judge this rep (the thoracic rotation's clean side clip, mirrored,
    failed hips_forward on its first rep so)."""
    cue = RepCue(id="too_far", kind="rep", judge="max", metric="lean", max=10.0, message="Not so far")
    t = np.arange(30) / 30.0
    frame_sides = np.array(["left"] * 6 + ["right"] * 24)
    rec = Recording(
        t=t, views=["side"] * 30, metrics={"lean": np.where(frame_sides == "left", 25.0, 5.0)},
        cue_allowed={"too_far": np.ones(30, bool)}, sides=frame_sides if sides else None,
    )
    rep = Rep(start_s=0.0, peak_s=0.5, end_s=0.95, peak_from_s=0.4, peak_to_s=0.6, side="right")
    assert RepCueEvaluator(cue).judge(rep, rec) is fails


def test_cue_require_limits_where_it_is_judged():
    spec = _spec(mode="hold", metrics={"lean": {"kind": "lean", "joints": ["mid_hip", "mid_shoulder"], "space": "world"}},
                 hold={"require": [{"metric": "lean", "direction": "up", "enter": 5.0, "exit": 2.0}], "settle_s": 0.0},
                 cues=[{"id": "too_far", "metric": "lean", "max": 30.0, "phase": "hold", "message": "Not so far",
                        "require": [{"metric": "lean", "direction": "down", "enter": 50.0, "exit": 55.0}]}])
    profile = [10.0] * 60 + [40.0] * 60 + [60.0] * 60  # fails at 40; at 60 the precondition is off
    _, result = run_session(spec, _lean_reps(profile))
    (a, b), = result.cues["too_far"].windows_s
    assert a == pytest.approx(2.0, abs=0.3) and b < 4.5
