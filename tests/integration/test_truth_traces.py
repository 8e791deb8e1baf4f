"""Model-free end to end: every sample clip's exact landmarks through the session and batch scoring.

synth knows the landmarks of every frame it renders, so the clips in ``sample_videos/`` can
be scored without the pose model, in seconds: exact rep counts and per-side counts, hold
seconds, faults flagged in their windows, nothing flagged on clean clips. The same traces
analysed with every *other* spec must give no reps and no good-form time. Exercises come
from the spec files and the sample list, never from names written here.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from posecheck.analyze import Analysis
from posecheck.core.posture import PostureSurvey
from posecheck.batch import load_labels, score_clip
from posecheck.pose.trace import PoseTrace
from posecheck.report import SourceInfo
from posecheck.specs.loader import known_exercises, load_posture_file, load_spec, posture_files
from posecheck.synth.clip import plan_clip, truth_pose_frames
from posecheck.synth.samples import FPS, SAMPLES

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_videos"
LABELS = {label.file: label for label in load_labels(SAMPLE_DIR / "labels.json")}
VOCABULARY = {f.fault for label in LABELS.values() for f in label.faults}

#: Where the exact landmarks and the shipped spec disagree, and why (kept honest, not hidden).
KNOWN_TRUTH_MISSES = {
    "squat_shallow_side": "the knee angle at a bottom 30 deg short of parallel is exactly 110 deg; the "
    "spec flags above 130 deg (set on real footage, where the model reads shallow squats as 130-150)",
    "sideplank_low_front": "good form restarts settle_s (0.5 s) after the fault clears, and the cue clears "
    "0.27 s after the fault's labelled end (its hysteresis): exact landmarks read 3.1 s for 4.0 "
    "(the real model reads the clip as 3.7 s)",
    "sideplank_high_oblique": "as sideplank_low_front: exact landmarks read 3.4 s for 4.0 (the real model 4.1 s)",
}


class _Truth:
    name = "truth"
    sha256 = "0" * 64


@cache
def truth_frames(name: str):
    sample = next(s for s in SAMPLES if s.name == name)
    return truth_pose_frames(plan_clip(sample.request()))


def analyse(name: str, exercise: str):
    frames = truth_frames(name)
    analysis = Analysis(load_spec(exercise))
    for frame in frames:
        analysis.update(frame)
    return analysis.report(SourceInfo(f"{name}.mp4", FPS, len(frames), len(frames), 640, 480), _Truth())


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_truth_trace_scores_like_its_label(sample):
    if sample.name in KNOWN_TRUTH_MISSES:
        pytest.xfail(KNOWN_TRUTH_MISSES[sample.name])
    label = LABELS[f"{sample.name}.mp4"]
    report = analyse(sample.name, sample.exercise)
    score = score_clip(label, report, VOCABULARY)
    assert score.status == "pass", score.reason
    if label.reps is not None:
        assert report.reps.total == label.reps  # exact, not within a tolerance
    if label.per_side and load_spec(sample.exercise).counts_sides:
        assert report.reps.per_side == label.per_side
    assert report.posture.found and not report.posture.suggestions


def test_every_sample_exercise_has_a_spec_and_every_spec_a_sample():
    assert {s.exercise for s in SAMPLES} == set(known_exercises())


#: Pairs (sample exercise, other spec) that share a posture and a movement closely enough that
#: the other spec counts something, with what tells them apart for a person watching.
SHARED = {
    ("squat_lateral_reach", "squat"): "a squat with a lateral reach is a squat: its reps count as squats, with good form",
    ("frog_squat", "squat"): "getting down into the frog squat from standing and back up is one squat rep; the hold itself is not",
    ("good_morning", "squat"): "the hip closes as in a squat, but every rep fails insufficient_depth and excessive_forward_lean",
    ("hip_hinge", "squat"): "as the good morning: counted, and every rep fails insufficient_depth and excessive_forward_lean",
    ("standing_toe_touch", "squat"): "as the good morning: the straight-knee fold fails insufficient_depth on every rep",
    ("hip_cars", "squat"): "the squat counts on the hip angle alone, and a knee lifted to hip height closes it: one rep, "
    "no cue fails (known confusion: a knee-angle condition at the bottom of a squat would separate them)",
    ("dns_star", "side_plank"): "the star pattern's held top is a bent-knee side plank, which the sources allow",
    ("side_plank", "dns_star"): "getting into a side plank and out again is one star-pattern rep; it fails hips_sagging and "
    "top_knee_down",
    ("lower_back_rotation", "glute_bridge"): "with the knees rolled to the floor, an oblique camera sees the hips above "
    "the knee-shoulder line as at a bridge's top: 2 reps (known confusion: a knees-up condition would separate them, "
    "but the knees' roll about the trunk is undefined at a bridge's top, where the thighs line up with the trunk; real "
    "bridges read it at a median of 3-61 deg)",
    ("forearm_plank", "back_extension"): "the sample starts and ends propped on the forearms with the hips down, which is "
    "a sphinx pose, and back_extension times sphinx holds by design",
}


@cache
def postures_seen(name: str) -> dict[str, float]:
    """Seconds each library posture holds in a sample's exact landmarks."""
    survey = PostureSurvey([load_posture_file(p) for p in posture_files().values()])
    for frame in truth_frames(name):
        survey.update(frame)
    return survey.finish()


@pytest.mark.parametrize("sample", [s for s in SAMPLES if not s.faults and not s.timing_faults], ids=lambda s: s.name)
def test_another_spec_counts_nothing_on_a_sample(sample):
    """A wrong exercise gets no reps and no good-form time: its posture is not there (a
    closed gate counts nothing, so only specs whose posture the sample shows are run), or
    the spec's own position tells them apart (a forearm plank needs the elbow bent under
    the shoulder, which a bird dog on straight arms never has). Clean clips only: a faulty
    or rushed rep may well look like another move (docs/tuning.md, "Tempo cues")."""
    seen = postures_seen(sample.name)
    for exercise in known_exercises():
        spec = load_spec(exercise)
        if exercise == sample.exercise or (sample.exercise, exercise) in SHARED:
            continue
        if seen.get(spec.posture_name, 1.0) < 0.1:
            continue
        report = analyse(sample.name, exercise)
        assert (report.reps_total or 0) == 0, exercise
        assert (report.good_form_seconds or 0.0) == 0.0, exercise


def analyse_frames(frames, exercise: str):
    analysis = Analysis(load_spec(exercise))
    for frame in frames:
        analysis.update(frame)
    return analysis.report(SourceInfo("mirrored.mp4", FPS, len(frames), len(frames), 640, 480), _Truth())


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.name)
def test_the_mirrored_clip_scores_the_same_with_the_sides_swapped(sample):
    """Filmed from the other side or facing the other way, a set is the same set: the same
    reps, hold and faults, with left and right swapped. Nothing may hinge on which way the
    person faces (a tie between the sides must not default to the left one)."""
    frames = truth_frames(sample.name)
    mirrored = list(PoseTrace.from_frames(frames, FPS, len(frames)).mirrored().frames())
    original, flipped = analyse(sample.name, sample.exercise), analyse_frames(mirrored, sample.exercise)
    if original.reps is not None:
        assert flipped.reps.total == original.reps.total
        if original.reps.per_side:
            assert flipped.reps.per_side == {"left": original.reps.per_side["right"], "right": original.reps.per_side["left"]}
    if original.hold is not None:
        assert flipped.hold.seconds == pytest.approx(original.hold.seconds, abs=0.1)
    assert {c for c, v in flipped.cues.items() if v.windows_s} == {c for c, v in original.cues.items() if v.windows_s}
