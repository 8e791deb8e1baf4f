"""The standing, seated and side-lying family: what a user relies on.

* exact counts, the side of every rep, held time and flagged faults on the exact landmarks
  of the curated samples (no pose model, no video);
* exercises that share a position are told apart (a squat is not a good morning, a toe
  touch is not a hip hinge, hip circles are not lunges, a 90/90 sit is not a pigeon ...);
* timing cues on rushed sets at several tempos, and controlled sets that must stay quiet;
* the side plank judges a straight-arm plank by the hand: a soft elbow with the hand under
  the shoulder, filmed front-oblique, keeps its good-form time (it had none when the upper
  arm alone was judged);
* the real clips' results reached when these specs were written, re-scored from the cached
  pose traces (``.cache/traces``, filled by ``posecheck batch --trace-cache``). CI has no
  cache, so those tests skip there; they never run the model.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from posecheck.batch import ClipLabel, score_clip
from posecheck.core.session import ExerciseSession
from posecheck.pose.landmarks import JOINT_INDEX
from posecheck.specs.loader import canonical_exercise, load_spec
from posecheck.synth.clip import SynthRequest, plan_clip, truth_pose_frames
from posecheck.synth.samples import FPS, SAMPLES
from tests.library.helpers import analyse, cached_frames, real_labels

FAMILY = ("good_morning", "seated_good_morning", "hip_hinge", "reverse_lunge", "runners_lunge", "hip_cars",
          "frog_squat", "pigeon_pose", "shin_box", "hip_90_90", "dns_star", "standing_lumbar_extension")
MINE = [s for s in SAMPLES if s.exercise in FAMILY]


def session(frames, exercise: str):
    s = ExerciseSession(load_spec(exercise))
    for frame in frames:
        s.update(frame)
    return s.result()


@cache
def planned(name: str):
    sample = next(s for s in SAMPLES if s.name == name)
    plan = plan_clip(sample.request())
    label = ClipLabel.model_validate({**plan.labels, "file": f"{name}.mp4"})
    return truth_pose_frames(plan), label, plan


def test_every_exercise_has_a_clean_sample_and_every_fault_a_clip():
    """Each cue fault of a motion is in a curated sample, or, where the pose model cannot read
    it on the synthetic clips (the sample would fail the real-model batch), in TRUTH_ONLY."""
    from posecheck.synth.motion_file import load_motion

    for exercise in FAMILY:
        samples = [s for s in MINE if s.exercise == exercise]
        assert any(not s.faults for s in samples), exercise
        sampled = {f.split(":")[0] for s in samples for f in s.faults}
        faults = set(load_motion(exercise).spec.faults)
        assert faults == sampled | {f for e, f, *_ in TRUTH_ONLY if e == exercise}, exercise


def test_each_posture_of_the_family_is_filmed_from_two_views():
    postures = {}
    for s in MINE:
        postures.setdefault(load_spec(s.exercise).posture_name, set()).add(s.view)
    assert all(len(views) >= 2 for views in postures.values()), postures


@pytest.mark.parametrize("sample", MINE, ids=lambda s: s.name)
def test_exact_landmarks_give_the_labelled_counts_holds_and_faults(sample):
    frames, label, plan = planned(sample.name)
    report = analyse(frames, sample.exercise, sample.name)
    vocabulary = {c.id for c in load_spec(sample.exercise).cues}
    score = score_clip(label, report, vocabulary)
    assert score.status == "pass", score.reason
    assert report.posture.found
    if label.reps is not None:
        assert report.reps.total == label.reps
    if not label.faults:
        failing = {cid: c.windows_s for cid, c in report.cues.items() if c.windows_s}
        assert not failing, f"cues fired on a clean clip: {failing}"


@pytest.mark.parametrize("sample", [s for s in MINE if s.exercise in ("reverse_lunge", "runners_lunge", "hip_cars",
                                                                     "dns_star")], ids=lambda s: s.name)
def test_every_rep_is_given_its_side(sample):
    """The working side of each rep: the front leg of a lunge, the moving leg of a hip circle,
    the supporting side of the star pattern (the side the motion labels each rep with)."""
    frames, label, plan = planned(sample.name)
    result = session(frames, sample.exercise)
    assert [r.side for r in result.reps] == [r.side for r in plan.timeline.reps]


def test_holds_are_timed_per_side():
    frames, label, plan = planned("pigeon_clean_side")
    result = session(frames, "pigeon_pose")
    left, right = result.hold_per_side["left"], result.hold_per_side["right"]
    assert abs(left[1] - label.hold_s) <= label.hold_tolerance_s and right == (0.0, 0.0)


#: Faults the pose model does not read on the synthetic clips, checked on exact landmarks:
#: (exercise, fault, magnitude, view, reps or None for a hold).
TRUTH_ONLY = [
    ("hip_hinge", "knees_bent", 40, "side", 1),          # a 115 deg knee reads 137 (real deadlifts: 128-150)
    ("hip_cars", "pelvis_tilting", 25, "front", 1),      # a 25 deg hitch reads 15
    ("dns_star", "top_knee_down", 22, "oblique", 1),     # from the front a hovering knee reads as resting
    ("pigeon_pose", "hips_not_level", 28, "front", None),  # the model misreads the pigeon off the side
    ("pigeon_pose", "chest_dropping", 50, "side", None),
    ("shin_box", "back_knee_not_square", 30, "front", None),  # back knees read 55-100 deg
    ("hip_90_90", "back_knee_not_square", 30, "front", None),
]


@pytest.mark.parametrize(("exercise", "fault", "magnitude", "view", "reps"), TRUTH_ONLY,
                         ids=lambda v: str(v))
def test_faults_the_model_cannot_read_are_caught_on_exact_landmarks(exercise, fault, magnitude, view, reps):
    window = "@reps=1" if reps else "@t=2.5-5"
    req = SynthRequest(exercise, reps=2, hold_s=5.0, faults=(f"{fault}:{magnitude}{window}",), view=view,
                       fps=FPS)
    plan = plan_clip(req)
    result = session(truth_pose_frames(plan), exercise)
    (labelled,) = plan.labels["faults"]
    windows = result.cues[fault].windows_s
    assert any(a <= labelled["to_s"] + 1.0 and b >= labelled["from_s"] - 1.0 for a, b in windows), windows
    if reps:
        assert len(result.reps) == 2 and fault in result.reps[0].failed_cues


@pytest.mark.parametrize("azimuth", [45.0, 60.0, 120.0, 135.0])
def test_a_level_shin_box_pelvis_filmed_off_the_front_stays_clear_of_the_bound(azimuth):
    """The shin box's hips are read against the shoulders: a camera 30-45 deg off the front
    slants both lines alike, so a level pelvis stays clear of the bound (against the
    horizontal it read 10-18 deg there). The model may still name such a view front."""
    spec = load_spec("shin_box")
    cue = spec.cue("hips_not_level")
    plan = plan_clip(SynthRequest("shin_box", hold_s=5.0, azimuth_deg=azimuth, fps=FPS))
    result = session(truth_pose_frames(plan), "shin_box")
    held = result.metrics["pelvis_tilt"][result.in_position.astype(bool)]
    assert held.size > 0
    assert max(held) < cue.max - cue.hysteresis


# --------------------------------------------------------------------------- told apart

@pytest.mark.parametrize(("sample", "exercise"), [
    ("squat_clean_side", "good_morning"), ("squat_lean_oblique", "good_morning"),
    ("squat_lean_oblique", "hip_hinge"), ("squat_clean_front", "seated_good_morning"),
    ("toetouch_clean_oblique", "hip_hinge"), ("gm_clean_side", "hip_hinge"), ("hinge_clean_front", "good_morning"),
    ("cars_clean_front", "reverse_lunge"), ("hinge_faults_side", "reverse_lunge"),
    ("runlunge_clean_side", "reverse_lunge"), ("lunge_clean_oblique", "runners_lunge"),
    ("squat_clean_side", "runners_lunge"), ("squatreach_clean_front", "hip_cars"),
    ("lunge_faults_oblique", "frog_squat"), ("pigeon_clean_side", "hip_90_90"), ("ninety_clean_front", "pigeon_pose"),
    ("ninety_clean_front", "shin_box"), ("shinbox_clean_oblique", "hip_90_90"), ("situp_clean_side", "shin_box"),
    ("childpose_clean_side", "hip_90_90"), ("childpose_clean_side", "shin_box"),
])
def test_a_neighbouring_exercise_is_not_counted(sample, exercise):
    if not any(s.name == sample for s in SAMPLES):
        pytest.skip(f"sample {sample} is not in the curated set")
    frames, _, _ = planned(sample)
    report = analyse(frames, exercise, sample)
    assert (report.reps_total or 0) == 0
    assert (report.good_form_seconds or 0.0) == 0.0


def _hands_on_the_low_back(frame):
    """The frame with both hands resting on the low back, arms nearly straight: the wrist just
    above its hip and behind it, the elbow a little behind the shoulder-to-wrist line (150
    deg), as pal_goodmorning does (a real clip measured outside labels.json)."""
    world, image = frame.world_xyz.copy(), frame.image_xy.copy()
    for side in ("left", "right"):
        shoulder, elbow, wrist, hip = (JOINT_INDEX[f"{side}_{j}"] for j in ("shoulder", "elbow", "wrist", "hip"))
        for points in (world, image):
            up = points[shoulder] - points[hip]
            back = np.array([-up[1], up[0], 0.0][: points.shape[1]])  # square to the trunk, in the picture's plane
            points[wrist] = points[hip] + 0.15 * up - 0.12 * back
            middle = (points[shoulder] + points[wrist]) / 2
            points[elbow] = middle - 0.13 * back
    return replace(frame, world_xyz=world, image_xy=image)


def test_a_good_morning_with_the_hands_on_the_low_back_is_counted():
    """The hands on the low back leave the elbows at 127-157 deg through the model, as straight
    as a deadlift's hanging arms (150-170): told apart by the elbow, none of the real clip's 4
    reps was counted. The hands stay above the hips; a deadlift's hang below them."""
    frames, label, _ = planned("gm_clean_side")
    report = analyse([_hands_on_the_low_back(f) for f in frames], "good_morning")
    assert report.reps.total == label.reps


def test_quick_squats_filmed_at_12_fps_are_all_counted():
    """One squat a second, filmed at 12 fps: each spends 0.58-0.67 s below the rest line, and a
    0.6 s limit dropped two of the three (as it dropped three quick quarter squats of
    posture_squat004, a real clip measured outside labels.json)."""
    frames = truth_pose_frames(plan_clip(SynthRequest("squat", reps=3, view="side", fps=12.0, tempo_s=1.0)))
    assert analyse(frames, "squat", fps=12.0).reps.total == 3


# --------------------------------------------------------------------------- timing cues

def _reps(exercise: str, tempo_s: float | None, reps: int = 2):
    frames = truth_pose_frames(plan_clip(SynthRequest(exercise, reps=reps, view="side", fps=FPS, tempo_s=tempo_s)))
    return session(frames, exercise).reps


@pytest.mark.parametrize(("exercise", "rushed_s"), [("standing_lumbar_extension", 2.0), ("hip_cars", 2.0),
                                                   ("seated_good_morning", 1.2)])
def test_a_rushed_set_is_counted_and_flagged_too_fast_and_a_controlled_one_is_not(exercise, rushed_s):
    slow = _reps(exercise, None)
    rushed = _reps(exercise, rushed_s)
    assert slow and all("too_fast" not in r.failed_cues for r in slow)
    assert len(rushed) == 2 and all("too_fast" in r.failed_cues for r in rushed)


def test_the_star_pattern_hold_at_the_top_is_checked():
    held = _reps("dns_star", None)
    rushed = _reps("dns_star", 2.6)
    assert held and all("no_hold_at_top" not in r.failed_cues for r in held)
    assert rushed and all("no_hold_at_top" in r.failed_cues for r in rushed)


def test_the_lumbar_extension_hold_at_the_top_is_checked():
    held = _reps("standing_lumbar_extension", None)  # about 3 s leaning back
    rushed = _reps("standing_lumbar_extension", 2.0)  # about 1.2 s
    assert held and all("no_hold" not in r.failed_cues for r in held)
    assert len(rushed) == 2 and all("no_hold" in r.failed_cues for r in rushed)


# --------------------------------------------------------------------------- side plank

def straight_arm(azimuth: float, faults: tuple[str, ...] = ()):
    """Exact landmarks and labels of the shipped straight-arm variant (judged by side_plank)."""
    req = SynthRequest("side_plank_straight_arm", hold_s=7.0, faults=faults, azimuth_deg=azimuth, fps=FPS)
    plan = plan_clip(req)
    return truth_pose_frames(plan), ClipLabel.model_validate({**plan.labels, "file": "straight.mp4"})


@pytest.mark.parametrize("azimuth", [90.0, 120.0, 135.0])
def test_a_straight_arm_side_plank_with_a_soft_elbow_keeps_its_good_form_time(azimuth):
    """Filmed from the front-oblique at the head end (120-135 deg), the soft elbow tips the
    upper arm 16-18 deg off vertical in the picture for the whole hold, while the hand is under
    the shoulder: judged by the upper arm alone, this had 0 s of good form."""
    frames, label = straight_arm(azimuth)
    result = session(frames, "side_plank")
    (start, end), = label.position_windows_s
    held = (result.t >= start) & (result.t <= end)
    upper_arm = result.metrics["upper_arm"][held]
    if azimuth != 90.0:
        assert float(upper_arm[len(upper_arm) // 2]) > 15.0  # the old elbow rule would fail it
    # The synthetic lift swings the arm down from overhead, so good form may start a little
    # before the labelled hold; what matters is that the hold is not lost.
    assert result.good_form_s >= label.hold_s - label.hold_tolerance_s
    flagged = [(a, b) for a, b in result.cues["hand_not_under_shoulder"].windows_s if b > start + 0.3 and a < end - 0.3]
    assert not flagged


@pytest.mark.parametrize("azimuth", [45.0, 60.0, 90.0])
def test_a_straight_arm_side_plank_with_the_hand_out_is_flagged(azimuth):
    """From the front and the front-oblique at the feet end. From the head end (105-135 deg)
    a hand placed 20 deg toward the head reads only 3-12 deg in the picture (see
    docs/tuning.md): a known blind spot, the price of not mistaking a soft elbow for it."""
    frames, label = straight_arm(azimuth, ("hand_not_under_shoulder:20@t=2-6",))
    result = session(frames, "side_plank")
    (fault,) = label.faults
    windows = result.cues["hand_not_under_shoulder"].windows_s
    assert any(a <= fault.to_s and b >= fault.from_s for a, b in windows)


def test_the_forearm_side_plank_elbow_is_still_judged_from_the_front_oblique():
    for azimuth in (60.0, 90.0, 120.0, 135.0):
        req = SynthRequest("side_plank", hold_s=7.0, faults=("elbow_not_under_shoulder:30",), azimuth_deg=azimuth,
                           fps=FPS)
        result = session(truth_pose_frames(plan_clip(req)), "side_plank")
        assert result.cues["elbow_not_under_shoulder"].windows_s, azimuth
        assert not result.cues["hand_not_under_shoulder"].windows_s, azimuth


# --------------------------------------------------------------------------- labels and real clips

@pytest.mark.parametrize(("alias", "spec"), [("lunge", "reverse_lunge"), ("walking_lunge", "reverse_lunge"),
                                             ("good_morning", "good_morning"), ("hip_hinge", "hip_hinge"),
                                             ("pigeon_pose", "pigeon_pose")])
def test_label_names_resolve_to_the_spec_that_judges_them(alias, spec):
    assert canonical_exercise(alias) == spec


@pytest.mark.parametrize("name", ["side_lunge", "hip_circles", "side_plank_hip_dip"])
def test_real_labels_no_spec_judges_fairly_stay_unresolved(name):
    """A side lunge bends the knee sideways, hip circles turn the pelvis with both feet
    down, hip dips never rest on the floor: none of the specs here judges them fairly, so
    their clips stay skipped. (Walking lunges resolve to the lunge spec and are scored,
    although its count misses reps: docs/tuning.md.)"""
    assert canonical_exercise(name) is None


#: clip -> (spec, reps or None, good-form seconds or None) measured when the specs were written.
REAL = {
    "goodmorning_wahoo.mp4": ("good_morning", 5, None),
    "hip_hinge_band_ft.mp4": ("hip_hinge", 2, None),
    "lunge_wahoo.mp4": ("reverse_lunge", 8, None),
    "lunge_front_ft.mp4": ("reverse_lunge", 2, None),
    "pigeon_pose_han.mp4": ("pigeon_pose", None, 10.7),
    "sideplank_ft.mp4": ("side_plank", None, 2.9),
    "sideplank_wahoo.mp4": ("side_plank", None, 8.2),
    "sideplank_mal.mp4": ("side_plank", None, 17.9),
}


@pytest.mark.parametrize("clip", sorted(REAL))
def test_real_clip_still_scores_as_measured(clip):
    exercise, reps, good = REAL[clip]
    labels = real_labels()
    label = labels[clip]
    report = analyse(cached_frames(clip), exercise, Path(clip).stem)
    score = score_clip(label, report, {f.fault for lab in labels.values() for f in lab.faults})
    assert score.status == "pass", score.reason
    if reps is not None:
        assert report.reps.total == reps
    if good is not None:
        assert math.isclose(report.good_form_seconds, good, abs_tol=0.15)


def test_real_lunges_give_each_rep_its_front_leg():
    label = real_labels()["lunge_wahoo.mp4"]
    result = session(cached_frames("lunge_wahoo.mp4"), "reverse_lunge")
    sides = [r.side for r in result.reps]
    assert sides == ["left", "right"] * 4
    assert {s: sides.count(s) for s in ("left", "right")} == label.per_side


def test_real_forearm_side_plank_faults_are_still_caught():
    result = session(cached_frames("sideplank_ft.mp4"), "side_plank")
    elbow = result.cues["elbow_not_under_shoulder"].windows_s
    assert any(a < 10.0 and b > 7.8 for a, b in elbow)  # the labelled "elbow too wide" take
