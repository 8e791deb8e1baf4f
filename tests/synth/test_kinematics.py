"""Forward kinematics and the exercise scripts: angles measured back from the 3D landmarks
equal the commanded ones, segment lengths never change, loaded limbs stay on the floor."""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.synth import SynthRequest, plan_clip
from posecheck.synth.motion import make_exercise
from posecheck.synth.skeleton import (
    ANGLE_NAMES,
    LANDMARK_INDEX,
    LANDMARK_NAMES,
    Body,
    Pose,
    angle_deg,
    body_surface,
    elevation_deg,
    forward,
    frame_from_axes,
    line_offset_deg,
    rot_x,
    rot_y,
)

UP = np.array([0.0, 1.0, 0.0])
BODY = Body()


def lm(kin, name):
    return kin.landmarks[LANDMARK_INDEX[name]]


def peak_pose(exercise: str, amounts: dict, side: str | None = None):
    ex = make_exercise(exercise, BODY)
    pose, metrics = ex.pose(1.0, amounts, side)
    return forward(BODY, pose), metrics


def test_landmark_order_is_mediapipe():
    assert len(LANDMARK_NAMES) == 33
    assert LANDMARK_NAMES[0] == "nose" and LANDMARK_NAMES[-1] == "right_foot_index"
    try:
        from posecheck.pose.landmarks import JOINT_NAMES
    except ImportError:
        pytest.skip("posecheck.pose.landmarks not importable")
    assert tuple(JOINT_NAMES) == LANDMARK_NAMES


def test_random_poses_measure_back_exactly():
    rng = np.random.default_rng(5)
    for _ in range(25):
        angles = {n: float(rng.uniform(-20, 20)) for n in ANGLE_NAMES}
        for side in ("left", "right"):
            angles[f"{side}_knee_flex"] = float(rng.uniform(0, 140))
            angles[f"{side}_elbow_flex"] = float(rng.uniform(0, 140))
            angles[f"{side}_hip_abd"] = 0.0
            angles[f"{side}_hip_flex"] = float(rng.uniform(-20, 120))
        angles["spine_flex"] = angles["spine_side"] = angles["spine_rot"] = 0.0
        rot = rot_y(rng.uniform(-180, 180)) @ rot_x(rng.uniform(-90, 90))
        kin = forward(BODY, Pose(rng.normal(size=3), rot, angles))
        mid_sh = 0.5 * (lm(kin, "left_shoulder") + lm(kin, "right_shoulder"))
        mid_hip = 0.5 * (lm(kin, "left_hip") + lm(kin, "right_hip"))
        for side in ("left", "right"):
            knee = angle_deg(lm(kin, f"{side}_hip"), lm(kin, f"{side}_knee"), lm(kin, f"{side}_ankle"))
            elbow = angle_deg(lm(kin, f"{side}_shoulder"), lm(kin, f"{side}_elbow"), lm(kin, f"{side}_wrist"))
            assert knee == pytest.approx(180.0 - angles[f"{side}_knee_flex"], abs=1e-6)
            assert elbow == pytest.approx(180.0 - angles[f"{side}_elbow_flex"], abs=1e-6)
            trunk = mid_sh - mid_hip
            thigh = lm(kin, f"{side}_knee") - lm(kin, f"{side}_hip")
            hip = angle_deg(trunk, np.zeros(3), thigh)
            assert hip == pytest.approx(180.0 - abs(angles[f"{side}_hip_flex"]), abs=1e-6)


def test_segment_lengths_constant_over_a_clip():
    plan = plan_clip(SynthRequest("bird_dog", reps=2, fps=8.0, faults=("hips_not_level:15@reps=2",)))
    j = plan.joints_world
    idx = LANDMARK_INDEX
    for a, b in [("left_hip", "left_knee"), ("right_knee", "right_ankle"), ("left_shoulder", "left_elbow"),
                 ("right_elbow", "right_wrist"), ("left_hip", "right_hip"), ("left_ankle", "left_heel")]:
        d = np.linalg.norm(j[:, idx[a]] - j[:, idx[b]], axis=1)
        assert np.ptp(d) < 1e-9, (a, b)


@pytest.mark.parametrize("fault,expected_offset", [(None, 0.0), ("hips_too_low", -15.0), ("lumbar_arch", 15.0)])
def test_bridge_top_hip_line(fault, expected_offset):
    kin, metrics = peak_pose("glute_bridge", {fault: 15.0} if fault else {})
    s, h, k = kin.mid("shoulder"), kin.mid("hip"), kin.mid("knee")
    assert angle_deg(s, h, k) == pytest.approx(180.0 - abs(expected_offset), abs=1e-6)
    if fault:
        assert line_offset_deg(s, h, k, UP) == pytest.approx(expected_offset, abs=1e-6)
    assert metrics["hip_line_deg"] == pytest.approx(expected_offset, abs=1e-9)
    surf = body_surface(BODY, kin)
    assert abs(surf.lowest(("torso",))) < 2e-3
    assert abs(surf.lowest(("left_leg", "right_leg"))) < 2e-3


@pytest.mark.parametrize("amounts,offset", [({}, 0.0), ({"hips_sagging": 12.0}, -12.0), ({"hips_piked": 15.0}, 15.0)])
def test_plank_line_and_supports(amounts, offset):
    kin, _ = peak_pose("forearm_plank", amounts)
    s, h, a = kin.mid("shoulder"), kin.mid("hip"), kin.mid("ankle")
    assert line_offset_deg(s, h, a, UP) == pytest.approx(offset, abs=1e-6)
    for side in ("left", "right"):
        upper = lm(kin, f"{side}_elbow") - lm(kin, f"{side}_shoulder")
        assert elevation_deg(upper) == pytest.approx(-90.0, abs=1e-6)
    assert lm(kin, "left_elbow")[1] == pytest.approx(BODY.forearm_radius[0], abs=1e-9)
    surf = body_surface(BODY, kin)
    assert abs(surf.lowest(("left_leg", "right_leg"))) < 1e-6


@pytest.mark.parametrize("amounts,offset,tilt", [
    ({}, 0.0, 0.0),
    ({"hips_too_low": 15.0}, -15.0, 0.0),
    ({"hips_too_high": 15.0}, 15.0, 0.0),
    ({"elbow_not_under_shoulder": 20.0}, 0.0, 20.0),
])
def test_side_plank(amounts, offset, tilt):
    kin, metrics = peak_pose("side_plank", amounts)
    s, h, a = kin.mid("shoulder"), kin.mid("hip"), kin.mid("ankle")
    assert line_offset_deg(s, h, a, UP) == pytest.approx(offset, abs=1e-6)
    upper = lm(kin, "right_elbow") - lm(kin, "right_shoulder")
    assert 90.0 + elevation_deg(upper) == pytest.approx(tilt, abs=1e-6)
    assert metrics["upper_arm_tilt_deg"] == pytest.approx(tilt)


@pytest.mark.parametrize("amounts,lean,knee", [
    ({}, 40.0, 110.0),
    ({"excessive_forward_lean": 20.0}, 60.0, 110.0),
    ({"insufficient_depth": 30.0}, 40.0 * 80 / 110, 80.0),
])
def test_squat_bottom(amounts, lean, knee):
    kin, metrics = peak_pose("squat", amounts)
    trunk = kin.mid("shoulder") - kin.mid("hip")
    assert 90.0 - elevation_deg(trunk) == pytest.approx(lean, abs=1e-6)
    for side in ("left", "right"):
        got = 180.0 - angle_deg(lm(kin, f"{side}_hip"), lm(kin, f"{side}_knee"), lm(kin, f"{side}_ankle"))
        assert got == pytest.approx(knee, abs=1e-6)
        heel, toe = lm(kin, f"{side}_heel"), lm(kin, f"{side}_foot_index")
        assert heel[1] == pytest.approx(toe[1], abs=1e-9)
    assert metrics["trunk_lean_deg"] == pytest.approx(lean)


@pytest.mark.parametrize("side", ["left", "right"])
def test_bird_dog_reach(side):
    kin, metrics = peak_pose("bird_dog", {}, side)
    other = "right" if side == "left" else "left"
    leg = lm(kin, f"{side}_ankle") - lm(kin, f"{side}_hip")
    arm = lm(kin, f"{other}_wrist") - lm(kin, f"{other}_shoulder")
    assert elevation_deg(leg) == pytest.approx(0.0, abs=1e-6)
    assert elevation_deg(arm) == pytest.approx(0.0, abs=1e-6)
    kin, _ = peak_pose("bird_dog", {"leg_too_high": 20.0}, side)
    leg = lm(kin, f"{side}_ankle") - lm(kin, f"{side}_hip")
    assert elevation_deg(leg) == pytest.approx(20.0, abs=1e-6)


def test_bird_dog_pelvis_roll_lifts_the_moving_leg_side():
    kin, metrics = peak_pose("bird_dog", {"hips_not_level": 15.0}, "left")
    assert metrics["pelvis_roll_deg"] == pytest.approx(15.0)
    hip_line = lm(kin, "left_hip") - lm(kin, "right_hip")
    assert elevation_deg(hip_line) == pytest.approx(15.0, abs=0.5)
    shoulder_line = lm(kin, "left_shoulder") - lm(kin, "right_shoulder")
    assert abs(elevation_deg(shoulder_line)) < 1.5
    assert lm(kin, "right_knee")[1] == pytest.approx(BODY.shank_radius[0], abs=1e-6)
    assert lm(kin, "left_wrist")[1] == pytest.approx(BODY.hand_radius, abs=1e-6)


def test_frame_from_axes_is_a_rotation():
    r = frame_from_axes([1.0, 0.2, 0.0], [0.1, 1.0, 0.3])
    assert np.allclose(r.T @ r, np.eye(3)) and np.linalg.det(r) == pytest.approx(1.0)
