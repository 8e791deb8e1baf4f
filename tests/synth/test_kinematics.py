"""Forward kinematics: angles measured back from the 3D landmarks equal the commanded ones,
segment lengths never change, the leg inverse reaches any knee and ankle. (The exercise
scripts' fault magnitudes are checked in ``test_landmark_truth.py``.)"""

from __future__ import annotations

import numpy as np
import pytest

from posecheck.synth import SynthRequest, plan_clip
from posecheck.synth.skeleton import (
    ANGLE_NAMES,
    LANDMARK_INDEX,
    LANDMARK_NAMES,
    Body,
    Pose,
    angle_deg,
    forward,
    frame_from_axes,
    leg_angles,
    rot_x,
    rot_y,
)

BODY = Body()


def lm(kin, name):
    return kin.landmarks[LANDMARK_INDEX[name]]


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


def test_leg_angles_place_knee_and_ankle_in_any_plane():
    rng = np.random.default_rng(3)
    for _ in range(20):
        rp = rot_y(rng.uniform(-180, 180)) @ rot_x(rng.uniform(-60, 60))
        for side in ("left", "right"):
            pose = Pose(np.zeros(3), rp, {})
            hip = forward(BODY, pose).lm(f"{side}_hip")
            thigh = rng.normal(size=3)
            knee = hip + BODY.thigh * thigh / np.linalg.norm(thigh)
            shank = rng.normal(size=3)
            ankle = knee + BODY.shank * shank / np.linalg.norm(shank)
            angles = {f"{side}_{k}": v for k, v in leg_angles(rp, hip, knee, ankle, side).items()}
            kin = forward(BODY, Pose(np.zeros(3), rp, angles))
            assert np.allclose(kin.lm(f"{side}_knee"), knee, atol=1e-9)
            assert np.allclose(kin.lm(f"{side}_ankle"), ankle, atol=1e-9)


def test_frame_from_axes_is_a_rotation():
    r = frame_from_axes([1.0, 0.2, 0.0], [0.1, 1.0, 0.3])
    assert np.allclose(r.T @ r, np.eye(3)) and np.linalg.det(r) == pytest.approx(1.0)
