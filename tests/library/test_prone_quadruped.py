"""The prone, all-fours and kneeling family: what a user relies on.

* exact counts, per-side counts, held time and flagged faults on the exact landmarks of the
  curated samples (no pose model, no video);
* the bird dog filmed from close beside the person (hand, foot and, closest, elbow and knee
  leaving the picture) and with each reach held for seconds: every rep is still counted;
* faults a motion file's fault angles cannot make (a swung reverse hyperextension, at several tempos) or that the model
  does not read on the rendered head (a craned neck in a back extension), on exact landmarks;
* moves that share all fours are not counted as each other (bird dog, donkey kick);
* the real clips' results reached when these specs were written, re-scored from the cached
  pose traces (``.cache/traces``, filled by ``posecheck batch --trace-cache``). CI has no
  cache, so those tests skip there; they never run the model.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from posecheck.batch import ClipLabel, score_clip
from posecheck.pose.landmarks import JOINT_INDEX
from posecheck.specs.loader import canonical_exercise, load_spec
from posecheck.synth.clip import SynthRequest, plan_clip, truth_pose_frames
from posecheck.synth.options import SceneOptions, SubjectOptions
from posecheck.synth.samples import FPS, SAMPLES
from tests.library.helpers import analyse, cached_frames, far_knee_marked, real_clip_score

PRONE = ("superman", "back_extension", "reverse_hyperextension")
ALL_FOURS = ("cat_cow", "bird_dog", "donkey_kick", "thoracic_rotation")
KNEELING = ("childs_pose",)
FAMILY = PRONE + ALL_FOURS + KNEELING
MINE = [s for s in SAMPLES if s.exercise in FAMILY]


@cache
def planned(name: str):
    sample = next(s for s in SAMPLES if s.name == name)
    plan = plan_clip(sample.request())
    label = ClipLabel.model_validate({**plan.labels, "file": f"{name}.mp4"})
    return truth_pose_frames(plan), label


def synth(exercise: str, *, seed: int = 7, **kwargs):
    request = SynthRequest(exercise, fps=FPS, seed=seed, subject=SubjectOptions.sample(seed),
                           scene=SceneOptions.sample(seed), **kwargs)
    return plan_clip(request)


def test_every_exercise_of_the_family_has_samples_and_the_family_two_views():
    for exercise in FAMILY:
        assert any(s.exercise == exercise for s in MINE), exercise
    for group in (PRONE, ALL_FOURS):
        assert len({s.view for s in MINE if s.exercise in group}) >= 2, group


@pytest.mark.parametrize("sample", MINE, ids=lambda s: s.name)
def test_exact_landmarks_give_the_labelled_counts_holds_and_faults(sample):
    frames, label = planned(sample.name)
    report = analyse(frames, sample.exercise, sample.name)
    vocabulary = {c.id for c in load_spec(sample.exercise).cues}
    score = score_clip(label, report, vocabulary)
    assert score.status == "pass", score.reason
    if label.reps is not None:
        assert report.reps.total == label.reps
        if label.per_side:
            assert report.reps.per_side == label.per_side
    if not label.faults:
        failing = {cid: c.windows_s for cid, c in report.cues.items() if c.windows_s}
        assert not failing, f"cues fired on a clean clip: {failing}"
    assert report.posture.found


# ------------------------------------------------------------------ bird dog from close by


def out_of_frame_hidden(plan):
    """Exact landmarks with every joint outside the picture at visibility 0 (as the model
    marks joints it cannot see)."""
    frames = truth_pose_frames(plan)
    w, h = plan.request.size
    px = np.asarray(plan.joints_px)
    outside = (px[..., 0] < 0) | (px[..., 0] >= w) | (px[..., 1] < 0) | (px[..., 1] >= h)
    for frame, out in zip(frames, outside, strict=True):
        frame.visibility[out] = 0.0
    return frames, bool(outside.any())


@pytest.mark.parametrize("view, distance_m", [
    ("side", None), ("side", 1.6), ("side", 1.3), ("side", 1.2), ("oblique", 1.3),
])
def test_bird_dog_filmed_from_close_counts_every_rep(view, distance_m):
    """From 1.6 m beside the person the reaching hand and foot leave the picture, from 1.2-1.3 m
    both wrists and ankles do. Closer still (1.1 m beside, 1.2 m at 3/4) the knees and elbows
    leave too and nothing is left to count on (docs/tuning.md)."""
    plan = synth("bird_dog", reps=4, view=view, distance_m=distance_m, seed=51)
    frames, cut = out_of_frame_hidden(plan)
    if distance_m is not None:
        assert cut  # the clip really loses joints at the edge of the picture
    report = analyse(frames, "bird_dog")
    assert report.reps.total == 4 and report.reps.per_side == {"left": 2, "right": 2}
    assert not report.cues["leg_too_high"].windows_s


@pytest.mark.parametrize("tempo_s", [8.0, 10.0])
def test_bird_dog_with_each_reach_held_for_seconds_counts_every_rep(tempo_s):
    """8 s per rep holds the reach about 3 s: the all-fours gate of the moving leg closed and
    every rep was lost (0 of 4); the gate on the supporting leg stays open."""
    report = analyse(truth_pose_frames(synth("bird_dog", reps=4, tempo_s=tempo_s, seed=5)), "bird_dog")
    assert report.reps.total == 4 and report.reps.per_side == {"left": 2, "right": 2}
    assert report.reps.partial == 0


def test_bird_dog_and_donkey_kick_are_not_counted_as_each_other():
    kicks = truth_pose_frames(synth("donkey_kick", reps=4))
    reaches = truth_pose_frames(synth("bird_dog", reps=4))
    assert analyse(kicks, "donkey_kick").reps.total == 4
    assert (analyse(kicks, "bird_dog").reps_total or 0) == 0
    assert analyse(reaches, "bird_dog").reps.total == 4
    assert (analyse(reaches, "donkey_kick").reps_total or 0) == 0


def _kicking_legs(frames):
    """Each frame's kicking side: that of the nearest kick, from the spec's own count."""
    reps = analyse(frames, "donkey_kick").reps.items
    return [min(reps, key=lambda r: abs(r.peak_s - f.t)).side for f in frames]


def _shin_upright(frame, side: str):
    """The frame with ``side``'s ankle straight above its knee (the sole toward the ceiling)."""
    knee, ankle = JOINT_INDEX[f"{side}_knee"], JOINT_INDEX[f"{side}_ankle"]
    world, image = frame.world_xyz.copy(), frame.image_xy.copy()
    world[ankle] = world[knee] + [0.0, -np.linalg.norm(world[ankle] - world[knee]), 0.0]
    image[ankle] = image[knee] + [0.0, -np.linalg.norm(image[ankle] - image[knee])]
    return replace(frame, world_xyz=world, image_xy=image)


def test_a_donkey_kick_with_the_sole_toward_the_ceiling_is_counted():
    """The bent-knee kick keeps the shin upright from the bottom to the top (han_donkeykicks,
    a real clip measured outside labels.json: 50-69 deg). The all-fours gate once also asked
    for the kicking shin to lie flat and stayed shut through every kick."""
    frames = truth_pose_frames(synth("donkey_kick", reps=4))
    kicking = _kicking_legs(frames)
    report = analyse([_shin_upright(f, side) for f, side in zip(frames, kicking, strict=True)], "donkey_kick")
    assert report.reps.total == 4 and report.reps.per_side == {"left": 2, "right": 2}


def test_a_donkey_kick_is_counted_on_the_thigh_the_picture_shows():
    """On han_donkeykicks the model's 3D landmarks put the knee 0.2 torso lengths below the hip
    at the top of every kick while the picture shows the thigh level with the back (-5..-2
    deg): counted on the 3D knee height, none of the 4 kicks reached the top."""
    frames = truth_pose_frames(synth("donkey_kick", reps=4))
    sunk = []
    for frame, side in zip(frames, _kicking_legs(frames), strict=True):
        world = frame.world_xyz.copy()
        knee, hip = JOINT_INDEX[f"{side}_knee"], JOINT_INDEX[f"{side}_hip"]
        torso = np.linalg.norm(world[JOINT_INDEX["left_shoulder"]] - world[JOINT_INDEX["left_hip"]])
        world[knee, 1] = max(world[knee, 1], world[hip, 1] + 0.2 * torso)  # y is down: kept 0.2 below
        sunk.append(replace(frame, world_xyz=world))
    assert analyse(sunk, "donkey_kick").reps.total == 4


# ------------------------------------------------------------------ faults without a rendered sample


def test_a_swung_reverse_hyperextension_is_flagged_and_a_controlled_one_is_not():
    def reps(tempo_s):
        return analyse(truth_pose_frames(synth("reverse_hyperextension", reps=3, tempo_s=tempo_s)),
                       "reverse_hyperextension").reps

    swung = reps(2.0)  # 2 s per rep, rest included
    assert swung.total == 3 and all("legs_swinging" in r.failed_cues for r in swung.items)
    flung = reps(1.2)  # about 0.75 s above rest: still counted, so still flagged
    assert flung.total == 3 and all("legs_swinging" in r.failed_cues for r in flung.items)
    controlled = reps(None)  # the motion file's 3.7 s
    assert controlled.total == 3 and not any(r.failed_cues for r in controlled.items)


def test_a_craned_neck_in_a_back_extension_is_flagged_on_exact_landmarks():
    frames = truth_pose_frames(synth("back_extension", reps=3, faults=("neck_craned:35@reps=2",)))
    report = analyse(frames, "back_extension")
    assert report.reps.total == 3
    assert [bool(r.failed_cues) for r in report.reps.items] == [False, True, False]
    assert "neck_craned" in report.reps.items[1].failed_cues


@pytest.mark.parametrize("name, exercise", [
    ("superman_clean_side", "superman"), ("donkeykick_clean_side", "donkey_kick"),
])
def test_a_far_knee_marked_hidden_from_the_side_does_not_keep_the_position_shut(name, exercise):
    """Filmed from the side, real planks and cobras mark the far knee at least 0.5 visible in
    2-44% of frames, and some at least 0.25 in only 22-31%; the prone and all-fours gates need
    that knee, so they read it down to 0.1 rather than wait for a glimpse of it."""
    frames, _ = planned(name)
    seen = analyse(frames, exercise, name).posture.seconds
    assert analyse(far_knee_marked(frames, 0.15), exercise, name).posture.seconds == pytest.approx(seen, abs=0.1)


def test_a_superman_with_the_far_knee_marked_hidden_counts_every_lift():
    frames, label = planned("superman_clean_side")
    assert analyse(far_knee_marked(frames, 0.15), "superman").reps.total == label.reps == 2


def test_a_superman_held_is_timed():
    report = analyse(truth_pose_frames(synth("superman", reps=2, tempo_s=12.0)), "superman")
    assert report.reps.total == 2
    assert report.hold.seconds > 8.0  # two lifts held about 5 s each


# ------------------------------------------------------------------ names


@pytest.mark.parametrize("alias, spec", [
    ("quadruped_hip_extension", "donkey_kick"), ("cobra", "back_extension"), ("sphinx_pose", "back_extension"),
    ("bird_dog_crunch", "bird_dog"), ("persian_cat_cow", "cat_cow"), ("child_pose", "childs_pose"),
])
def test_label_names_resolve_to_the_spec_that_judges_them(alias, spec):
    assert canonical_exercise(alias) == spec


def test_the_swimmer_is_not_judged_as_a_superman():
    """Alternating single-leg lifts: the superman counts the leg facing the camera, 6 of the
    9 lifts of superman_swimmer_mal, and flags the head lifted with them; not fair."""
    assert canonical_exercise("swimmer") is None


# ------------------------------------------------------------------ real clips, cached traces

#: clip -> spec it is scored with: the results reached when the specs were written.
REAL = {
    "catcow_ipt.mp4": "cat_cow",
    "superman_pal.mp4": "superman",
    "cobra_mal.mp4": "back_extension",
    "donkeykick_mal.mp4": "donkey_kick",
    "quadhipext_han.mp4": "donkey_kick",
    "childpose_pal.mp4": "childs_pose",
    "birddog_crunch_pal.mp4": "bird_dog",
}


@pytest.mark.parametrize("clip, exercise", REAL.items())
def test_real_clip_still_scores_as_measured(clip, exercise):
    score = real_clip_score(clip, exercise)
    assert score.status == "pass", score.reason


def test_real_kickbacks_count_each_leg():
    report = analyse(cached_frames("quadhipext_han.mp4"), "donkey_kick")
    assert 9 <= report.reps.total <= 11
    assert report.reps.per_side["left"] >= 4 and report.reps.per_side["right"] >= 4


def test_real_donkey_kicks_are_all_the_right_leg_and_clean():
    report = analyse(cached_frames("donkeykick_mal.mp4"), "donkey_kick")
    assert report.reps.per_side["left"] == 0 and 10 <= report.reps.per_side["right"] <= 15
    assert not report.cues["back_arched"].windows_s


def test_real_cobra_is_timed_but_not_judged_as_an_arched_back_extension():
    report = analyse(cached_frames("cobra_mal.mp4"), "back_extension")
    assert abs(report.hold.good_form_seconds - 17.9) <= 1.5
    held = [w for w in report.cues["over_extension"].windows_s if w[0] > 6.0]
    assert not held  # pressed up on straight arms the arch is the point of the pose


def test_real_superman_counts_the_quick_lifts():
    report = analyse(cached_frames("superman_pal.mp4"), "superman")
    assert report.reps.total in (9, 10)
    assert not report.cues["legs_too_high"].windows_s and not report.cues["neck_craned"].windows_s


def test_a_plank_whose_straight_legs_read_bent_is_still_timed():
    """Filmed from the floor at the front-oblique, the model read a straight-legged plank's
    knees at 114-141 deg (posture_plank004, a real clip measured outside labels.json) and the
    hold, which wanted 145, timed 1.7 s of 30.3. Here the knees sink until they read 135."""
    frames, label = planned("plank_clean_side")
    bent = []
    for frame in frames:
        world = frame.world_xyz.copy()
        for side in ("left", "right"):
            hip, knee, ankle = (JOINT_INDEX[f"{side}_{j}"] for j in ("hip", "knee", "ankle"))
            half = np.linalg.norm(world[ankle] - world[hip]) / 2
            world[knee] = (world[hip] + world[ankle]) / 2 + [0.0, half * np.tan(np.radians(22.5)), 0.0]
        bent.append(replace(frame, world_xyz=world))
    report = analyse(bent, "forearm_plank")
    assert abs(report.hold.good_form_seconds - label.hold_s) <= label.hold_tolerance_s
