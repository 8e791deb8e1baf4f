"""Synthetic routines: several exercises, one subject, room and camera, transitions, exact truth.

Model-free: the truth landmarks of a routine run through each segment's spec give the
segment's exact reps inside the segment's time window; transitions are continuous in joint
space and stay on the floor; the segments' times are the single clips' times plus an offset.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from posecheck.batch import load_labels
from posecheck.core.session import ExerciseSession
from posecheck.specs.loader import load_spec
from posecheck.synth import RoutineRequest, Segment, parse_routine, plan_clip, render_frames, write_clip
from posecheck.synth.clip import truth_pose_frames
from posecheck.synth.motion_file import load_motion, motion_files
from posecheck.synth.routine import (
    MAX_SEGMENTS,
    POSTURE_GRAPH,
    RoutinePlan,
    posture_class,
    posture_paths,
    request_from_dict,
    rotation_deg,
    slerp,
)
from posecheck.synth.skeleton import ANGLE_NAMES, body_surface, forward, rot_x, rot_y, rot_z
from tests.cli.helpers import one_line_error, run

FPS = 24.0
#: Four postures: supine, prone on the forearms, on all fours, standing.
FOUR_POSTURES = "glute_bridge:reps=3,forearm_plank:hold=6,bird_dog:reps=4,squat:reps=3"
#: Rolls onto a side, turns around seated, turns around standing, front views.
TURNS = "squat:reps=1,side_plank:hold=2,glute_bridge:reps=1:view=front,squat:reps=1:view=front"
#: Largest change between two frames (at FPS) anywhere in a routine with 2 s transitions:
#: a landmark, a joint angle, the pelvis orientation. In the exercises themselves the fastest
#: landmark moves about 0.06 m a frame; a jump (the next posture appearing at once) is metres.
MAX_STEP_M, MAX_STEP_JOINT_DEG, MAX_STEP_PELVIS_DEG = 0.25, 25.0, 20.0


@cache
def planned(text: str, fps: float = FPS, seed: int = 0) -> RoutinePlan:
    return plan_clip(RoutineRequest(text, fps=fps, seed=seed))


@cache
def truth(text: str, fps: float = FPS) -> list:
    return truth_pose_frames(planned(text, fps))


def segment_result(text: str, i: int, fps: float = FPS):
    """Segment ``i``'s spec run on the routine's truth landmarks inside the segment's window only."""
    seg = planned(text, fps).labels["segments"][i]
    session = ExerciseSession(load_spec(seg["exercise"]))
    for frame in truth(text, fps):
        if seg["from_s"] <= frame.t <= seg["to_s"]:
            session.update(frame)
    return seg, session.result()


def wrapped(d):
    return (np.asarray(d) + 180.0) % 360.0 - 180.0


# --------------------------------------------------------------------------- request


def test_the_text_form_reads_segments_options_and_faults_with_commas():
    segs = parse_routine("glute_bridge:reps=3:fault=hips_too_low:15@reps=1,3, dead_bug:reps=4:side=alternate_right,"
                         "forearm_plank:hold=8:fault=hips_sagging@t=2-6:view=oblique,squat:tempo=3")
    assert [s.exercise for s in segs] == ["glute_bridge", "dead_bug", "forearm_plank", "squat"]
    assert segs[0].reps == 3 and segs[0].faults[0].reps == (1, 3) and segs[0].faults[0].magnitude_deg == 15.0
    assert segs[1].side == "alternate_right"
    assert segs[2].hold_s == 8.0 and segs[2].view == "oblique" and segs[2].faults[0].window_s == (2.0, 6.0)
    assert segs[3].tempo_s == 3.0 and segs[3].reps is None
    assert parse_routine(",".join(s.to_text() for s in segs)) == segs


def test_a_request_round_trips_through_its_labels_record():
    req = RoutineRequest("glute_bridge:reps=2:fault=lumbar_arch:15@reps=2,forearm_plank:hold=5", view="oblique",
                         seed=4, fps=12, transition_s=3.0, rest_s=0.5)
    again = request_from_dict(json.loads(json.dumps(req.to_dict())))
    assert again == req and isinstance(again, RoutineRequest)
    assert RoutineRequest((Segment("squat", reps=2), "bird_dog:reps=2", {"exercise": "forearm_plank", "hold_s": 4.0}))


@pytest.mark.parametrize("text,message", [
    ("glute_brige:reps=3",
     "routine segment 1 (glute_brige): unknown exercise 'glute_brige' (did you mean 'glute_bridge'?)"),
    ("squat:reps=2,forearm_plank:reps=8",
     "routine segment 2 (forearm_plank): forearm_plank is a hold; give hold=SECONDS"),
    ("squat:hold=8", "routine segment 1 (squat): squat is a rep exercise; give reps=N, not hold"),
    ("squat:rep=3", "routine segment 1 (squat): unknown option 'rep' (did you mean 'reps'?)"),
    ("squat:reps=three", "reps='three' is not a whole number"),
    ("squat:reps=3:reps=4", "reps given twice"),
    ("squat:reps=2:fault=knees_cave:10", "routine segment 1 (squat): unknown fault 'knees_cave' for squat"),
    ("squat:reps=2:fault=insufficient_depth:30@reps=3", "rep 3 does not exist (the clip has 2 reps)"),
    ("forearm_plank:hold=4:fault=hips_sagging:12@t=2-6", "window 2-6 s ends after the 4 s hold"),
    ("squat:reps=2:view=sid", "unknown view 'sid' (did you mean 'side'?)"),
    ("squat:reps=2:side=left", "side 'left' does not apply to squat"),
    ("squat:reps=0", "reps must be between 1 and 200"),
    ("", "empty routine"),
])
def test_bad_requests_are_one_clear_line(text, message):
    with pytest.raises(ValueError) as err:
        RoutineRequest(text)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_bad_transition_and_rest():
    with pytest.raises(ValueError, match="a transition lasts 0.5 to 10 seconds"):
        RoutineRequest("squat:reps=1,bird_dog:reps=1", transition_s=0.0)
    with pytest.raises(ValueError, match="rest at each end of a segment lasts 0 to 10 seconds"):
        RoutineRequest("squat:reps=1", rest_s=-1.0)


# --------------------------------------------------------------------------- exact times


@pytest.mark.parametrize("text", [FOUR_POSTURES, TURNS])
def test_segment_times_are_exact_and_tile_the_clip(text):
    plan = planned(text)
    req, segs, labels = plan.request, plan.segments, plan.labels
    assert segs[0].from_s == 0.0
    for a, b in zip(segs, segs[1:]):
        assert b.from_s == pytest.approx(a.to_s + req.transition_s, abs=1e-9)
    assert segs[-1].to_s == pytest.approx(plan.timeline.duration_s, abs=1e-9)
    assert plan.n_frames == math.floor(plan.timeline.duration_s * req.fps + 1e-9)
    assert labels["transition_windows_s"] == [[round(a.to_s, 3), round(b.from_s, 3)] for a, b in zip(segs, segs[1:])]
    for seg, entry in zip(segs, labels["segments"]):
        assert (entry["from_s"], entry["to_s"]) == (round(seg.from_s, 3), round(seg.to_s, 3))
        inside = (plan.times >= seg.from_s) & (plan.times < seg.to_s)
        assert np.all(plan.frame_segment[inside] == seg.index)
        for a, b in entry["active_windows_s"]:
            assert entry["from_s"] + req.rest_s - 1e-3 <= a < b <= entry["to_s"] - req.rest_s + 1e-3
    assert np.all((plan.frame_segment >= 0) | np.any([(plan.times >= a) & (plan.times < b)
                                                      for a, b in plan.timeline.transitions], axis=0))


def test_a_segment_is_the_single_clip_shifted_to_its_start():
    text = ("glute_bridge:reps=3:fault=hips_too_low:15@reps=2,forearm_plank:hold=6:fault=hips_sagging:12@t=2-4,"
            "bird_dog:reps=2")
    plan = planned(text, 12.0)
    for seg, entry in zip(plan.segments, plan.labels["segments"]):
        single = plan_clip(plan.request.clip_request(seg.index))
        assert seg.to_s - seg.from_s == pytest.approx(single.timeline.duration_s, abs=1e-12)
        one = single.labels
        shift = lambda v: round(v + seg.from_s, 3)  # noqa: E731
        for key in ("reps", "per_side", "hold_s", "exercise", "mode", "view", "variant"):
            assert entry[key] == one[key], key
        assert entry["rep_peaks_s"] == [shift(r.peak_s) for r in single.timeline.reps]
        assert [(f["fault"], f["from_s"], f["to_s"]) for f in entry["faults"]] == [
            (w.name, shift(w.from_s), shift(w.to_s)) for w in single.timeline.faults]
        for got, want in zip(entry["active_windows_s"], one["active_windows_s"]):
            assert got == pytest.approx([w + seg.from_s for w in want], abs=1.5e-3)
    faults = plan.labels["faults"]
    assert [(f["fault"], f["segment"]) for f in faults] == [("hips_too_low", 0), ("hips_sagging", 1)]
    assert [w.name for w in plan.timeline.faults] == ["hips_too_low", "hips_sagging"]


def test_whole_clip_fields():
    plan = planned(FOUR_POSTURES)
    e = plan.labels
    assert (e["exercise"], e["mode"], e["view"]) == ("routine", "mixed", "side")
    assert e["reps"] is None and e["hold_s"] is None and e["rep_peaks_s"] == []
    assert e["active_windows_s"] == [w for s in e["segments"] for w in s["active_windows_s"]]
    assert e["whole_body_visible"] is True and e["duration_s"] == round(plan.n_frames / FPS, 3)
    assert [s["exercise"] for s in e["segments"]] == ["glute_bridge", "forearm_plank", "bird_dog", "squat"]
    assert planned(TURNS).labels["view"] == "mixed"


# --------------------------------------------------------------------------- transitions


@pytest.mark.parametrize("text", [FOUR_POSTURES, TURNS])
def test_the_whole_routine_is_continuous_in_joint_space(text):
    plan = planned(text)
    angles = np.array([[p.a(n) for n in ANGLE_NAMES] for p in plan.poses])
    joint_step = np.abs(wrapped(np.diff(angles, axis=0))).max()
    pelvis_step = max(rotation_deg(a.root_rot, b.root_rot) for a, b in zip(plan.poses, plan.poses[1:]))
    landmark_step = np.linalg.norm(np.diff(plan.joints_world, axis=0), axis=2).max()
    assert joint_step < MAX_STEP_JOINT_DEG
    assert pelvis_step < MAX_STEP_PELVIS_DEG
    assert landmark_step < MAX_STEP_M
    root_step = np.linalg.norm(np.diff([p.root_pos for p in plan.poses], axis=0), axis=1).max()
    assert root_step < MAX_STEP_M


@pytest.mark.parametrize("text", [FOUR_POSTURES, TURNS])
def test_transitions_start_and_end_on_the_segments_poses_and_stay_on_the_floor(text):
    plan = planned(text)
    for (a, b), tr in zip(plan.timeline.transitions, plan.transitions):
        first, last = tr.at(0.0)[0], tr.at(1.0)[0]
        before = plan.segments[plan.transitions.index(tr)]
        end = forward(plan.body, first).landmarks
        start = forward(plan.body, last).landmarks
        k_end = int(np.flatnonzero(plan.frame_segment == before.index)[-1])
        k_next = int(np.flatnonzero(plan.frame_segment == before.index + 1)[0])
        # the segments rest at their ends: the frames next to the transition are its end poses
        assert np.abs(plan.joints_world[k_end] - end).max() < 1e-9
        assert np.abs(plan.joints_world[k_next] - start).max() < 1e-9
        # the lowest surface point is between its postures' own (the solvers rest some
        # poses a little into the floor, the side plank's lower shoulder by about 2 cm)
        lows = [k.low for k in tr.keys]
        for k in np.flatnonzero((plan.times >= a) & (plan.times < b)):
            low = body_surface(plan.body, forward(plan.body, plan.poses[k])).extremes()[:, 1].min()
            assert min(lows) - 1e-6 <= low <= max(lows) + 1e-6
            assert -0.025 < low < 1e-3


def test_routes_through_the_posture_graph():
    plan = planned(FOUR_POSTURES)
    assert [t.path for t in plan.transitions] == [
        # supine to prone with the left side to the camera both times: the head ends where the
        # feet were, so sit up, crouch, go on all fours and down (no spinning on the floor)
        ["supine", "seated", "crouching", "quadruped", "prone"],
        ["prone", "quadruped"],
        ["quadruped", "kneeling", "standing"],
    ]
    turns = planned(TURNS).transitions
    assert turns[0].path == ["standing", "seated", "side_right"]
    assert turns[1].path[-1] == "supine" and turns[1].route.turn_at is not None  # turns around seated
    assert turns[2].path == ["supine", "seated", "standing"] and abs(turns[2].route.turn) > 150
    for a in POSTURE_GRAPH:
        for b in POSTURE_GRAPH:
            assert all(p[0] == a and p[-1] == b and len(p) <= 6 for p in posture_paths(a, b))
            assert a in POSTURE_GRAPH[b] or a == b or a not in POSTURE_GRAPH[b]  # symmetric graph
            assert (a in POSTURE_GRAPH[b]) == (b in POSTURE_GRAPH[a])


def test_every_exercise_with_a_motion_file_can_be_in_a_routine():
    """New motion files join routines without code: each exercise's rest pose falls in a
    posture of the graph and the transitions to and from it stay continuous and on the floor."""
    names = sorted(motion_files())
    texts = [f"{n}:hold=1" if load_motion(n).spec.mode == "hold" else f"{n}:reps=1" for n in names]
    for i in range(0, len(texts), MAX_SEGMENTS):
        plan = plan_clip(RoutineRequest(",".join(texts[i:i + MAX_SEGMENTS]), fps=4.0))
        assert [s["exercise"] for s in plan.labels["segments"]] == [load_motion(n).exercise for n in names[i:i + MAX_SEGMENTS]]
        for (a, b), tr in zip(plan.timeline.transitions, plan.transitions):
            assert tr.path[0] in POSTURE_GRAPH and tr.path[-1] in POSTURE_GRAPH
            lows = [k.low for k in tr.keys]
            for k in np.flatnonzero((plan.times >= a) & (plan.times < b)):
                low = body_surface(plan.body, forward(plan.body, plan.poses[k])).extremes()[:, 1].min()
                assert min(lows) - 1e-6 <= low <= max(lows) + 1e-6


def test_each_segment_faces_the_camera_as_its_view_says():
    plan = planned(TURNS)
    cam = plan.camera.position
    for seg in plan.segments:
        k = int(np.flatnonzero(plan.frame_segment == seg.index)[0])
        pose = plan.poses[k]
        to_cam = (cam - pose.root_pos) * [1.0, 0.0, 1.0]
        to_cam /= np.linalg.norm(to_cam)
        ex, az = seg.exercise, math.radians(seg.request.azimuth)
        want = math.cos(az) * np.asarray(ex.lateral) + math.sin(az) * np.asarray(ex.heading)
        assert np.dot(seg.turn @ want, to_cam) > 0.99
    squat_front = plan.poses[int(np.flatnonzero(plan.frame_segment == 3)[0])]
    to_cam = (cam - squat_front.root_pos) / np.linalg.norm(cam - squat_front.root_pos)
    assert np.dot(squat_front.root_rot[:, 2], to_cam) > 0.9  # the chest faces the camera
    assert posture_class(plan.body, squat_front) == "standing"


@pytest.mark.parametrize("r0,r1", [
    (rot_x(30.0) @ rot_y(-50.0), rot_z(120.0) @ rot_x(10.0)),
    (rot_x(30.0), rot_y(179.0) @ rot_x(30.0)),  # a half turn: the quaternion's small-trace branch
    (rot_z(90.0), rot_z(90.0)),
])
def test_slerp_and_rotation_angle(r0, r1):
    assert np.allclose(slerp(r0, r1, 0.0), r0) and np.allclose(slerp(r0, r1, 1.0), r1)
    for w in (0.25, 0.5):
        mid = slerp(r0, r1, w)
        assert np.allclose(mid.T @ mid, np.eye(3), atol=1e-12)
        assert rotation_deg(r0, mid) == pytest.approx(w * rotation_deg(r0, r1), abs=1e-6)
        assert rotation_deg(mid, r1) == pytest.approx((1 - w) * rotation_deg(r0, r1), abs=1e-6)


# --------------------------------------------------------------------------- truth through the specs


@pytest.mark.parametrize("i", range(4))
def test_each_segment_counts_exactly_on_the_truth_trace(i):
    seg, result = segment_result(FOUR_POSTURES, i)
    if seg["reps"] is not None:
        assert len(result.reps) == seg["reps"]
        assert not result.partial_reps
        if seg["per_side"]:
            assert result.per_side == seg["per_side"]
    else:
        assert abs(result.good_form_s - seg["hold_s"]) <= seg["hold_tolerance_s"]


def test_truth_frames_cover_the_whole_routine():
    plan, frames = planned(FOUR_POSTURES), truth(FOUR_POSTURES)
    assert len(frames) == plan.n_frames
    assert [f.t for f in frames[:3]] == pytest.approx([0.0, 1 / FPS, 2 / FPS])
    assert all(f.detected for f in frames)


@pytest.mark.skipif("crunch" not in motion_files(), reason="no crunch motion yet")
def test_a_routine_with_crunches_counts_each_segment():
    text = "crunch:reps=3,bird_dog:reps=2,squat:reps=2,crunch:reps=2:view=oblique"
    for i, want in enumerate([3, 2, 2, 2]):
        seg, result = segment_result(text, i, 12.0)
        assert seg["reps"] == want and len(result.reps) == want, seg["exercise"]


# --------------------------------------------------------------------------- frames and files


def test_rendered_routine_frames_and_labels(tmp_path: Path):
    req = RoutineRequest("squat:reps=1,glute_bridge:reps=1", fps=3.0, size=(96, 72), rest_s=0.5, transition_s=1.0)
    entry = write_clip(req, tmp_path / "routine.mp4", truth_path=tmp_path / "truth.npz")
    plan = plan_clip(req)
    assert entry["file"] == "routine.mp4" and len(entry["segments"]) == 2
    assert entry["synth"]["kind"] == "routine" and request_from_dict(entry["synth"]["request"]) == req
    with np.load(tmp_path / "truth.npz") as z:
        assert z["joints_world"].shape == (plan.n_frames, 33, 3)
    k = int(np.flatnonzero(plan.frame_segment < 0)[0])
    image, frame = next(render_frames(plan, k, k + 1))
    assert image.shape == (72, 96, 3) and frame.t == pytest.approx(k / 3.0) and frame.rep is None
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"schema": 1, "clips": [entry]}))
    (label,) = load_labels(labels)
    assert label.exercise == "routine" and label.mode == "mixed"


def test_cli_renders_a_routine_with_labels(tmp_path: Path):
    out, labels = tmp_path / "routine.mp4", tmp_path / "labels.json"
    result = run("synth", "--routine", "squat:reps=1,forearm_plank:hold=1", "--fps", "3", "--rest", "0.5",
                 "--transition", "1", "--seed", "2", "--out", out, "--labels", labels)
    assert result.exit_code == 0, result.output
    entry = json.loads(labels.read_text())["clips"][0]
    assert [s["exercise"] for s in entry["segments"]] == ["squat", "forearm_plank"]
    assert entry["transition_windows_s"][0][1] - entry["transition_windows_s"][0][0] == pytest.approx(1.0)
    assert out.stat().st_size > 10_000


@pytest.mark.parametrize("args,message", [
    (("--routine", "squat:reps=2,forearm_plank:reps=3"), "routine segment 2 (forearm_plank): forearm_plank is a hold"),
    (("--routine", "sqat:reps=2"), "did you mean 'squat'?"),
    (("squat", "--routine", "squat:reps=2"), "give an exercise ('squat') or --routine, not both"),
    (("--routine", "squat:reps=2", "--fault", "insufficient_depth:30"), "with --routine give --fault per segment"),
    (("squat", "--transition", "3"), "--transition is for --routine"),
    ((), "name the exercise to render"),
])
def test_cli_refuses_bad_routines_in_one_line(tmp_path: Path, args, message):
    result = run("synth", *args, "--out", tmp_path / "x.mp4")
    assert result.exit_code == 2
    assert message in one_line_error(result)
    assert not (tmp_path / "x.mp4").exists()
