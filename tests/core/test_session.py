"""ExerciseSession with the shipped exercise specs on synthetic landmark traces."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.core import timeline
from posecheck.core.session import ExerciseSession
from posecheck.render.messages import cue_messages
from posecheck.report import SourceInfo, build_report
from posecheck.specs.loader import load_spec
from tests.helpers import (
    bird_dog_joints,
    bridge_joints,
    empty_frame,
    frames_from,
    in_spans,
    jitter,
    near_side_schedule,
    plank_joints,
    rep_duration,
    rep_peak_time,
    rep_signal,
    run_session,
    side_plank_joints,
    standing_joints,
    times,
    with_gaps,
    with_low_visibility,
)

FPS = 30.0
HIPS_TOO_LOW = "Drive the hips higher: knees, hips and shoulders should form one line at the top"


@pytest.fixture(scope="module")
def specs():
    return {name: load_spec(name) for name in ("glute_bridge", "forearm_plank", "bird_dog", "side_plank")}


def report_of(result):
    n = result.t.size
    source = SourceInfo(path="synthetic", fps=FPS, frame_count=n, frames_decoded=n, width=640, height=480)
    return build_report(result, source, "synthetic-model", "0" * 64).to_dict()


def bridge_frames(peaks, seed=0, sigma=1.0, **kw):
    t = times(rep_duration(len(peaks)), FPS)
    angle = np.minimum(jitter(rep_signal(t, 125.0, peaks), sigma, seed), 179.5)
    return t, frames_from(t, lambda i, ti: bridge_joints(angle[i]), **kw)


# -- glute bridge: reps and the extreme cue ---------------------------------------------------

BRIDGE_PEAKS = [177.0, 177.0, 165.0, 177.0, 165.0]  # reps 3 and 5 stop 15 deg short of the line


@pytest.fixture(scope="module")
def bridge_run(specs):
    _, frames = bridge_frames(BRIDGE_PEAKS, seed=1)
    return run_session(specs["glute_bridge"], frames)


def test_glute_bridge_counts_every_rep_exactly(bridge_run):
    states, result = bridge_run
    assert len(result.reps) == 5
    assert result.partial_reps == [] and result.rejected_reps == 0
    assert [r.peak_s for r in result.reps] == [pytest.approx(rep_peak_time(i), abs=0.25) for i in range(5)]
    assert states[-1].reps == 5
    live = [s.reps for s in states]
    assert live == sorted(live) and set(live) == {0, 1, 2, 3, 4, 5}
    assert result.frames_with_pose == len(states)
    assert result.dominant_view == "side"
    assert result.warnings == []


def test_glute_bridge_flags_hips_too_low_only_on_short_reps(bridge_run):
    _, result = bridge_run
    assert [list(r.failed_cues) for r in result.reps] == [[], [], ["hips_too_low"], [], ["hips_too_low"]]
    low = result.cues["hips_too_low"]
    assert (low.spec.kind, low.spec.judge) == ("rep", "extreme")
    assert len(low.windows_s) == 2
    for (a, b), rep in zip(low.windows_s, [result.reps[2], result.reps[4]], strict=True):
        assert rep.peak_from_s <= a < rep.peak_s < b <= rep.peak_to_s + 1 / FPS
    assert result.cues["lumbar_arch"].failed_frames == 0
    assert result.cues["lumbar_arch"].evaluated_frames == result.cues["hips_too_low"].evaluated_frames > 0


def test_glute_bridge_report_lists_failed_cues_per_rep(bridge_run):
    _, result = bridge_run
    reps = report_of(result)["reps"]
    assert reps["total"] == 5 and reps["partial"] == 0 and reps["rejected_short"] == 0
    assert reps["per_side"] is None
    assert [item["index"] for item in reps["items"]] == [1, 2, 3, 4, 5]
    assert [item["failed_cues"] for item in reps["items"]] == [[], [], ["hips_too_low"], [], ["hips_too_low"]]
    assert all(item["side"] == "left" for item in reps["items"])


def test_glute_bridge_live_feedback(bridge_run):
    states, result = bridge_run
    # the verdict on a rep is shown for 2 s from the frame that counts it
    counted = {n: next(i for i, s in enumerate(states) if s.reps == n) for n in (2, 3)}
    t_bad, t_good = states[counted[3]].t, states[counted[2]].t
    assert t_bad > result.reps[2].end_s
    after_bad = [s for s in states if t_bad <= s.t <= t_bad + 1.9]
    after_good = [s for s in states if t_good <= s.t <= t_good + 1.9]
    assert after_bad and all(cue_messages(result.spec, s) == (f"Last rep: {HIPS_TOO_LOW}",) for s in after_bad)
    assert after_good and all(cue_messages(result.spec, s) == () for s in after_good)
    assert cue_messages(result.spec, states[counted[3] - 1]) == ()
    assert all(cue_messages(result.spec, s) == () for s in states if t_bad + 2.1 < s.t < result.reps[3].end_s)
    # extreme cues: compared live only while past the peak threshold
    def at(t):
        return states[int(round(t * FPS))]
    assert at(rep_peak_time(2)).cues == {"hips_too_low": "fail", "lumbar_arch": "ok"}
    assert at(rep_peak_time(0)).cues == {"hips_too_low": "ok", "lumbar_arch": "ok"}
    assert at(0.5).cues == {"hips_too_low": "idle", "lumbar_arch": "idle"}
    assert at(rep_peak_time(2)).phase == "peak" and at(0.5).phase == "rest"


def test_glute_bridge_short_gap_keeps_the_rep_and_long_gap_cuts_it(specs):
    _, frames = bridge_frames([177.0] * 5, seed=2)
    top2, top4 = rep_peak_time(1), rep_peak_time(3)
    frames = with_gaps(frames, [(top2 - 0.25, top2 + 0.25), (top4 - 0.2, top4 + 1.8)])
    _, result = run_session(specs["glute_bridge"], frames)
    assert len(result.reps) == 4
    assert [r.partial for r in result.partial_reps] == ["lost"]
    assert result.partial_reps[0].peak_s < top4
    assert [r.peak_s for r in result.reps] == [pytest.approx(rep_peak_time(i), abs=0.3) for i in (0, 1, 2, 4)]
    assert result.frames_with_pose == len(frames) - int(round(0.5 * FPS)) - int(round(2.0 * FPS))
    assert report_of(result)["reps"]["partial_items"][0]["cut"] == "lost"


def test_glute_bridge_low_visibility_frames_do_not_change_the_count(specs):
    t, frames = bridge_frames([177.0] * 4, seed=3)
    rng = np.random.default_rng(4)
    low = rng.random(t.size) < 0.12
    frames = with_low_visibility(frames, low)
    states, result = run_session(specs["glute_bridge"], frames)
    assert len(result.reps) == 4 and result.partial_reps == []
    assert result.frames_with_pose == t.size  # still detected, just not scored
    assert np.isnan(result.metrics["hip_angle"][low]).all()
    assert np.isfinite(result.metrics["hip_angle"][~low]).all()


def test_glute_bridge_follows_a_camera_side_switch_mid_rep(specs):
    n = 4
    t = times(rep_duration(n), FPS)
    switch = rep_peak_time(1)  # person turns around at the top of rep 2
    sides = near_side_schedule(t, "left", [switch])
    angle = np.minimum(jitter(rep_signal(t, 125.0, [177.0] * n), 1.0, 5), 179.5)
    frames = frames_from(t, lambda i, ti: bridge_joints(angle[i], near=sides[i]), near=sides, far_vis=0.3,
                         vis_overrides={"shoulder": 0.9, "hip": 0.9})  # the model sees the far torso well
    states, result = run_session(specs["glute_bridge"], frames)
    assert len(result.reps) == n and result.partial_reps == []
    assert {s.side for s in states if s.t < switch} == {"left"}
    assert {s.side for s in states if s.t > switch + 0.5} == {"right"}
    sides_of_reps = [r.side for r in result.reps]
    assert sides_of_reps[0] == "left" and sides_of_reps[2:] == ["right", "right"]  # rep 2 straddles the switch


# -- forearm plank: hold timer and good form -----------------------------------------------------


def plank_frames(t, sag_spans=(), out_spans=(), seed=0):
    rng = np.random.default_rng(seed)
    sag = in_spans(t, sag_spans)
    out = in_spans(t, out_spans)

    def joints(i, _t):
        base = standing_joints() if out[i] else plank_joints(sag=0.10 if sag[i] else 0.0)
        return {k: np.asarray(v) + rng.normal(0.0, 0.7, 2) for k, v in base.items()}

    return frames_from(t, joints)


def test_forearm_plank_hold_and_good_form_with_a_sag(specs):
    t = times(14.0, FPS)
    states, result = run_session(specs["forearm_plank"], plank_frames(t, sag_spans=[(5.0, 8.0)]))
    assert result.hold_s == pytest.approx(14.0, abs=1e-6)
    sag = result.cues["hips_sagging"]
    assert len(sag.windows_s) == 1
    a, b = sag.windows_s[0]
    assert a == pytest.approx(5.0, abs=0.3) and b == pytest.approx(8.0, abs=0.3)
    assert result.cues["hips_piked"].failed_frames == 0
    # good form: all but the sag, minus settle_s (0.5 s) at the start of each good stretch
    assert result.good_form_s == pytest.approx((5.0 - 0.5) + (14.0 - 8.0 - 0.5), abs=0.3)
    assert states[-1].hold_s == pytest.approx(14.0, abs=0.1)
    msg = "Hips are sagging: brace the belly and lift the hips back in line"
    shown = [s.t for s in states if msg in cue_messages(result.spec, s)]
    assert shown and min(shown) == pytest.approx(6.0, abs=0.3) and max(shown) < 8.3  # after min_duration_s
    report = report_of(result)
    assert report["hold"] == {
        "seconds": 14.0, "good_form_seconds": pytest.approx(result.good_form_s, abs=0.01), "per_side": None
    }
    assert report["reps"] is None


def test_forearm_plank_timer_pauses_when_out_of_position(specs):
    t = times(14.0, FPS)
    states, result = run_session(specs["forearm_plank"], plank_frames(t, out_spans=[(5.0, 9.0)], seed=1))
    assert result.hold_s == pytest.approx(5.0 + 5.0, abs=0.3)
    windows = timeline.windows_s(result.in_position, result.t)
    assert len(windows) == 2
    assert windows[0] == (0.0, pytest.approx(5.0, abs=0.2))
    assert windows[1][0] == pytest.approx(9.0, abs=0.3) and windows[1][1] == pytest.approx(14.0)
    paused = [s for s in states if 5.0 + 0.7 + 0.2 < s.t < 9.0]  # after grace_s
    assert paused and all(not s.in_position and s.phase == "out" for s in paused)
    assert len({s.hold_s for s in paused}) == 1  # the live timer stands still
    assert paused[0].hold_s == pytest.approx(5.0, abs=0.2)
    assert states[-1].hold_s == pytest.approx(result.hold_s, abs=0.3)
    assert result.cues["hips_sagging"].failed_frames == 0


def test_forearm_plank_brief_exit_shorter_than_grace_does_not_pause(specs):
    t = times(10.0, FPS)
    states, result = run_session(specs["forearm_plank"], plank_frames(t, out_spans=[(5.0, 5.3)], seed=2))
    assert result.hold_s == pytest.approx(10.0, abs=1e-6)
    live = [s for s in states if s.t >= 1.1]  # after min_enter_s
    assert all(s.in_position and s.phase == "hold" for s in live)
    assert states[-1].hold_s == pytest.approx(10.0, abs=0.6)
    assert timeline.windows_s(result.in_position, result.t) == [(0.0, pytest.approx(10.0))]


# -- nobody in the picture --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["glute_bridge", "forearm_plank", "bird_dog"])
def test_session_with_only_empty_frames(specs, name):
    frames = [empty_frame(i / FPS) for i in range(90)]
    states, result = run_session(specs[name], frames)
    assert result.frames_with_pose == 0
    assert result.reps == [] and result.partial_reps == [] and result.rejected_reps == 0
    assert all(not s.detected and s.side is None and s.reps == 0 for s in states)
    assert all(c.evaluated_frames == 0 and c.failed_frames == 0 for c in result.cues.values())
    assert result.dominant_view is None and result.warnings == []
    if result.spec.hold is not None:
        assert result.hold_s == 0.0 and result.good_form_s == 0.0
    report = report_of(result)
    assert report["frames_with_pose"] == 0 and report["person_found"] is False


def test_session_is_closed_after_result(specs):
    session = ExerciseSession(specs["glute_bridge"])
    session.update(empty_frame(0.0))
    first = session.result()
    assert session.result() is first
    with pytest.raises(RuntimeError, match="session already finished"):
        session.update(empty_frame(0.1))


# -- bird dog: alternating sides ----------------------------------------------------------------


def test_bird_dog_counts_per_side(specs):
    order = ["left", "right", "left", "right", "left"]
    rep_s, pause_s = 2.5, 1.0
    t = times(rep_duration(len(order), rep_s, pause_s), FPS)
    angles = {s: np.full(t.size, 90.0) for s in ("left", "right")}
    for i, side in enumerate(order):
        start = 1.0 + i * (rep_s + pause_s)
        angles[side] += rep_signal(t, 90.0, [175.0], rep_s=rep_s, start_s=start) - 90.0
    angles = {s: jitter(a, 1.0, seed=k) for k, (s, a) in enumerate(angles.items())}
    frames = frames_from(t, lambda i, ti: bird_dog_joints(angles["left"][i], angles["right"][i]), far_vis=0.8)
    states, result = run_session(specs["bird_dog"], frames)
    assert [r.side for r in result.reps] == order
    assert result.per_side == {"left": 3, "right": 2}
    assert states[-1].per_side == {"left": 3, "right": 2}
    report = report_of(result)
    assert report["reps"]["per_side"] == {"left": 3, "right": 2}
    assert [item["failed_cues"] for item in report["reps"]["items"]] == [[]] * 5
    warning = "cue 'hips_not_level' cannot be judged reliably from a side view (needs: front, rear)"
    assert warning in result.warnings


# -- side plank: the side nearer the floor --------------------------------------------------------


@pytest.mark.parametrize("lower", ["left", "right"])
def test_side_plank_scores_the_lower_side(specs, lower):
    t = times(4.0, FPS)
    # the camera-facing side is the *upper* one here: visibility alone would pick it
    upper = "right" if lower == "left" else "left"
    # seen from the front, the shoulders are stacked: hardly any depth between them
    frames = frames_from(t, lambda i, ti: side_plank_joints(lower), near=upper, far_vis=0.8, depth_m=0.02)
    states, result = run_session(specs["side_plank"], frames)
    assert {s.side for s in states} == {lower}
    assert result.hold_s == pytest.approx(4.0)
    elbow = result.cues["elbow_not_under_shoulder"]
    assert elbow.evaluated_frames == t.size and elbow.failed_frames == 0  # the upper arm would fail
    assert result.cues["hips_too_low"].failed_frames == result.cues["hips_too_high"].failed_frames == 0
    assert result.metrics["upper_arm"] == pytest.approx(np.zeros(t.size), abs=1.0)


def test_side_plank_switches_sides_between_sets(specs):
    t = times(10.0, FPS)
    lower = np.where(t < 5.0, "left", "right")
    frames = frames_from(t, lambda i, ti: side_plank_joints(str(lower[i])), depth_m=0.02)
    frames = with_gaps(frames, [(4.5, 5.5)])  # lying down on the other side
    states, result = run_session(specs["side_plank"], frames)
    assert {s.side for s in states if s.t < 4.5} == {"left"}
    assert {s.side for s in states if s.t > 6.0} == {"right"}
    assert result.cues["elbow_not_under_shoulder"].failed_frames == 0
    assert result.hold_s == pytest.approx(9.0, abs=0.3)
