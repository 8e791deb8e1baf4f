"""Fault names and magnitudes: parsing, and clear errors naming the valid choices."""

from __future__ import annotations

import pytest

from posecheck.synth import FaultSpec, SynthRequest, load_motion, motion_names, parse_fault


def test_parse_name_magnitude_and_options():
    assert parse_fault("hips_sagging:12") == FaultSpec("hips_sagging", 12.0)
    assert parse_fault("hips_too_low", "glute_bridge").magnitude_deg == 15.0
    spec = parse_fault("leg_too_high:20@reps=3,1", "bird_dog")
    assert spec.reps == (1, 3) and parse_fault(spec.to_text(), "bird_dog") == spec
    spec = parse_fault("hips_piked:15@t=2-6.5", "forearm_plank")
    assert spec.window_s == (2.0, 6.5) and parse_fault(spec.to_text()) == spec


def test_unknown_fault_for_exercise_lists_valid_and_suggests():
    with pytest.raises(ValueError) as err:
        parse_fault("hips_sag:12", "forearm_plank")
    msg = str(err.value)
    assert "hips_sagging" in msg and "hips_piked" in msg and "did you mean 'hips_sagging'" in msg


def test_fault_of_another_exercise_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="valid faults for squat: excessive_forward_lean, insufficient_depth"):
        parse_fault("hips_sagging:12", "squat")


def test_unknown_fault_without_exercise_lists_all():
    with pytest.raises(ValueError) as err:
        parse_fault("knees_out:5")
    assert all(name in str(err.value) for ex in motion_names() for name in load_motion(ex).spec.faults)


@pytest.mark.parametrize("text,match", [
    ("hips_sagging:0", "magnitude"),
    ("hips_sagging:90", r"\(0, 30\]"),
    ("hips_sagging:abc", "cannot read|not a number"),
    ("hips_sagging:12@when=3", "unknown fault option"),
    ("hips_sagging:12@t=5-2", "start < end"),
    ("hips_sagging:12@reps=0", "1-based"),
])
def test_bad_values(text, match):
    with pytest.raises(ValueError, match=match):
        parse_fault(text, "forearm_plank")


@pytest.mark.parametrize("kwargs,match", [
    (dict(exercise="squat", faults=("insufficient_depth:30@t=1-2",)), "not @t"),
    (dict(exercise="side_plank", faults=("hips_too_low:15@reps=1",)), "not @reps"),
    (dict(exercise="squat", reps=3, faults=("insufficient_depth:30@reps=7",)), "rep 7 does not exist"),
    (dict(exercise="forearm_plank", hold_s=5, faults=("hips_piked:15@t=3-8",)), "ends after the 5 s hold"),
    (dict(exercise="glute_bridge", faults=("hips_too_low:10", "lumbar_arch:10@reps=2")), "same body part"),
    (dict(exercise="forearm_plank", faults=("hips_sagging:10@t=1-3", "hips_sagging:10@t=2-5")), "given twice"),
    (dict(exercise="squat", reps=0), "reps must be"),
])
def test_request_checks_fault_placement(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SynthRequest(**kwargs)


def test_compatible_faults_combine():
    req = SynthRequest("squat", reps=2, faults=("insufficient_depth:30", "excessive_forward_lean:20@reps=2"))
    assert [f.name for f in req.faults] == ["insufficient_depth", "excessive_forward_lean"]


def test_request_rejects_unknown_exercise_view_and_side():
    with pytest.raises(ValueError, match="did you mean 'squat'"):
        SynthRequest("sqat")
    with pytest.raises(ValueError, match="valid: side, oblique, front"):
        SynthRequest("squat", view="top")
    with pytest.raises(ValueError, match="does not apply"):
        SynthRequest("squat", side="left")
