"""Recognition weighs the evidence: a faulty rep and a partial rep count for less than a
clean rep, but an exercise done with a fault on every rep is still recognised."""

from __future__ import annotations

import dataclasses

import pytest

from posecheck import recognize
from posecheck.recognize import activity, dominant, recognise
from posecheck.specs.loader import load_spec, load_spec_file, spec_files
from posecheck.synth import SynthRequest
from posecheck.synth.clip import plan_clip, truth_pose_frames
from tests.helpers import run_session


def _all_specs():
    return [load_spec_file(path) for path in spec_files().values()]


@pytest.mark.parametrize(
    ("exercise", "faults"),
    [
        ("squat", ("excessive_forward_lean:20@reps=1,2,3",)),
        ("glute_bridge", ("hips_too_low:20@reps=1,2,3",)),
    ],
)
def test_an_exercise_with_a_fault_on_every_rep_is_still_recognised(exercise, faults):
    plan = plan_clip(SynthRequest(exercise, reps=3, faults=faults, fps=15.0, seed=5))
    frames = truth_pose_frames(plan)
    found = dominant(recognise(frames, _all_specs()))
    assert found is not None and found.exercise == exercise
    assert found.result is not None and all(rep.failed_cues for rep in found.result.reps)


def test_a_partial_rep_weighs_like_a_faulty_one_and_a_clean_rep_fully():
    frames = truth_pose_frames(plan_clip(SynthRequest("squat", reps=3, fps=15.0, seed=5)))
    _, result = run_session(load_spec("squat"), frames)
    clean, to_fault, to_cut = result.reps
    result = dataclasses.replace(
        result,
        reps=[clean, dataclasses.replace(to_fault, failed_cues=("insufficient_depth",))],
        partial_reps=[to_cut],
    )
    act, t = activity(result), result.t

    def inside(rep):
        return act[(t >= rep.start_s) & (t <= rep.end_s)]

    assert inside(clean) == pytest.approx(1.0)
    assert inside(to_fault) == pytest.approx(recognize.FAULTY)
    assert inside(to_cut) == pytest.approx(recognize.PARTIAL)
    assert act[t < clean.start_s].max() == 0.0
