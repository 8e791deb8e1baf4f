"""Metric evaluation on frames (templates, visibility gating) and the camera-view estimate."""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecheck.core.bank import MetricBank
from posecheck.core.metrics import CompiledMetric, resolve_joint, side_visibility
from posecheck.core.view import ViewTracker, facing_angle_deg, view_name
from posecheck.pose.landmarks import JOINT_INDEX
from posecheck.specs.schema import MetricSpec
from tests.helpers import (
    bird_dog_joints,
    bridge_joints,
    bridge_offset,
    empty_frame,
    plank_joints,
    pose_frame,
    world_frame,
)


def metric(**kw) -> CompiledMetric:
    return CompiledMetric.compile("m", MetricSpec(**kw))


def test_resolve_joint_templates():
    assert resolve_joint("side_hip", "left") == (JOINT_INDEX["left_hip"],)
    assert resolve_joint("side_hip", "right") == (JOINT_INDEX["right_hip"],)
    assert resolve_joint("other_wrist", "left") == (JOINT_INDEX["right_wrist"],)
    assert resolve_joint("mid_shoulder", "right") == (JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"])
    assert resolve_joint("nose", "left") == (JOINT_INDEX["nose"],)


@pytest.mark.parametrize("angle", [125.0, 150.0, 162.0, 177.0])
def test_bridge_builder_produces_the_requested_metrics(angle):
    frame = pose_frame(0.0, bridge_joints(angle))
    hip_angle = metric(kind="angle", joints=["side_shoulder", "side_hip", "side_knee"])
    hip_line = metric(kind="offset", joints=["side_hip", "side_knee", "side_shoulder"])
    assert hip_angle.evaluate(frame, "left", 0.5) == pytest.approx(angle, abs=1e-3)
    assert hip_line.evaluate(frame, "left", 0.5) == pytest.approx(bridge_offset(angle), abs=1e-5)
    # world landmarks are a scaled copy of the image points: same angle
    world = metric(kind="angle", joints=["side_shoulder", "side_hip", "side_knee"], space="world")
    assert world.evaluate(frame, "left", 0.5) == pytest.approx(angle, abs=1e-3)


def test_bird_dog_side_and_other_templates_pick_different_legs():
    frame = pose_frame(0.0, bird_dog_joints(left_hip_angle=90.0, right_hip_angle=170.0))
    m = metric(kind="angle", joints=["side_shoulder", "side_hip", "side_knee"])
    assert m.evaluate(frame, "left", 0.5) == pytest.approx(90.0, abs=1e-3)
    assert m.evaluate(frame, "right", 0.5) == pytest.approx(170.0, abs=1e-3)
    other = metric(kind="angle", joints=["other_shoulder", "other_hip", "other_knee"])
    assert other.evaluate(frame, "left", 0.5) == pytest.approx(170.0, abs=1e-3)
    assert m.uses_side() and other.uses_side()
    assert not metric(kind="tilt", joints=["mid_shoulder", "mid_hip"], reference="vertical").uses_side()


def test_metric_is_nan_when_a_joint_is_below_min_visibility():
    m = metric(kind="angle", joints=["side_shoulder", "side_hip", "side_knee"])
    ok = pose_frame(0.0, bridge_joints(150.0), vis=0.9, far_vis=0.4)
    assert m.evaluate(ok, "left", 0.5) == pytest.approx(150.0, abs=1e-3)
    assert math.isnan(m.evaluate(ok, "right", 0.5))  # far side at 0.4 < 0.5
    hidden_knee = pose_frame(0.0, bridge_joints(150.0), vis_overrides={"left_knee": 0.49})
    assert math.isnan(m.evaluate(hidden_knee, "left", 0.5))
    assert not math.isnan(m.evaluate(hidden_knee, "left", 0.49))


def test_a_metric_may_read_joints_below_the_spec_visibility():
    """A metric's own ``min_visibility`` replaces the spec's for its joints only."""
    hidden_far_leg = pose_frame(0.0, bridge_joints(150.0), vis=0.9, far_vis=0.3)
    joints = ["side_shoulder", "side_hip", "side_knee"]
    bank = MetricBank({"strict": MetricSpec(kind="angle", joints=joints),
                       "far_leg": MetricSpec(kind="angle", joints=joints, min_visibility=0.25)}, 2.0, 1.0, 0.5)
    assert math.isnan(bank.value("strict", hidden_far_leg, "right"))
    assert bank.value("far_leg", hidden_far_leg, "right") == pytest.approx(150.0, abs=1e-3)


def test_mid_joint_needs_both_sides_visible():
    m = metric(kind="tilt", joints=["mid_shoulder", "mid_hip"], reference="horizontal")
    frame = pose_frame(0.0, plank_joints(), vis_overrides={"right_hip": 0.1})
    assert math.isnan(m.evaluate(frame, "left", 0.5))


def test_metric_on_an_empty_frame_is_nan():
    m = metric(kind="angle", joints=["side_shoulder", "side_hip", "side_knee"])
    assert math.isnan(m.evaluate(empty_frame(0.0), "left", 0.0))
    assert side_visibility(empty_frame(0.0), {"left": [1, 2], "right": [3]}) == {"left": 0.0, "right": 0.0}


def test_height_diff_metric_is_in_torso_lengths():
    # torso (mid-shoulder to mid-hip) is 200 px; ankle 50 px above the hip -> 0.25
    frame = pose_frame(0.0, {"shoulder": (200.0, 250.0), "hip": (400.0, 250.0), "ankle": (600.0, 200.0)})
    m = metric(kind="height_diff", joints=["side_ankle", "side_hip"])
    assert m.evaluate(frame, "left", 0.5) == pytest.approx(0.25)


def test_distance_ratio_and_segment_angle_metrics():
    joints = {"shoulder": (0.0, 0.0), "hip": (0.0, 100.0), "knee": (50.0, 100.0), "ankle": (50.0, 200.0)}
    frame = pose_frame(0.0, joints)
    ratio = metric(kind="distance_ratio", joints=["side_hip", "side_knee", "side_shoulder", "side_hip"])
    assert ratio.evaluate(frame, "left", 0.5) == pytest.approx(0.5)
    seg = metric(kind="segment_angle", joints=["side_shoulder", "side_hip", "side_knee", "side_ankle"])
    assert seg.evaluate(frame, "left", 0.5) == pytest.approx(0.0)


def test_side_visibility_is_the_mean_per_side():
    frame = pose_frame(0.0, bridge_joints(130.0), vis=0.9, far_vis=0.6)
    idx = {s: [JOINT_INDEX[f"{s}_hip"], JOINT_INDEX[f"{s}_knee"]] for s in ("left", "right")}
    assert side_visibility(frame, idx) == {"left": pytest.approx(0.9), "right": pytest.approx(0.6)}


# -- view ---------------------------------------------------------------------------------------


def trunk(head: tuple[float, float, float], left: tuple[float, float, float], camera_pitch_deg: float = 0.0) -> dict:
    """Hips and shoulders of a trunk whose hips → shoulders axis runs along ``head`` and whose
    right hip → left hip axis runs along ``left`` (floor coordinates: x right, y down, z away
    from the camera), seen by a camera pitched ``camera_pitch_deg`` down toward it."""
    a = math.radians(camera_pitch_deg)
    pitch = np.array([[1.0, 0.0, 0.0], [0.0, math.cos(a), -math.sin(a)], [0.0, math.sin(a), math.cos(a)]])
    up = np.array(head, float) / np.linalg.norm(head) * 0.5
    half = np.array(left, float) / np.linalg.norm(left) * 0.1
    points = {"left_hip": half, "right_hip": -half, "left_shoulder": up + half * 1.5, "right_shoulder": up - half * 1.5}
    return {name: pitch @ p for name, p in points.items()}


def standing(across: np.ndarray) -> dict:
    """Standing person, hips 0.2 m apart along ``across`` (from right hip to left hip)."""
    return trunk((0.0, -1.0, 0.0), tuple(across))


@pytest.mark.parametrize(
    ("across", "expected", "name"),
    [
        ((1.0, 0.0, 0.0), 0.0, "front"),  # facing the camera: the left hip is on the image's right
        ((-1.0, 0.0, 0.0), 180.0, "rear"),
        ((0.0, 0.0, -1.0), 90.0, "side"),  # left side nearest the camera
        ((0.0, 0.0, 1.0), 90.0, "side"),
        ((1.0, 0.0, -1.0), 45.0, "oblique"),
        ((math.cos(math.radians(20)), 0.0, -math.sin(math.radians(20))), 20.0, "front"),
    ],
)
def test_facing_angle_of_a_standing_person(across, expected, name):
    frame = world_frame(0.0, standing(np.array(across)))
    angle = facing_angle_deg(frame)
    assert angle == pytest.approx(expected, abs=1e-4)
    assert view_name(angle) == name


def test_facing_angle_lying_on_the_back_from_the_side_is_90():
    w = {
        "left_hip": (0.0, 0.0, -0.1), "right_hip": (0.0, 0.0, 0.1),
        "left_shoulder": (-0.5, 0.05, -0.12), "right_shoulder": (-0.5, 0.05, 0.12),
    }
    assert facing_angle_deg(world_frame(0.0, w)) == pytest.approx(90.0, abs=1.0)


@pytest.mark.parametrize(
    ("head", "left", "name"),
    [
        ((0.0, 0.0, -1.0), (1.0, 0.0, 0.0), "front"),  # on all fours, head toward the camera
        ((0.0, 0.0, 1.0), (-1.0, 0.0, 0.0), "rear"),  # on all fours, feet toward the camera
        ((1.0, 0.0, 0.0), (0.0, 0.0, 1.0), "side"),  # on all fours, long axis across the image
        ((1.0, 0.0, -1.0), (1.0, 0.0, 1.0), "oblique"),
        ((0.0, 0.0, -1.0), (-1.0, 0.0, 0.0), "front"),  # on the back, head toward the camera
        ((0.0, 0.0, 1.0), (1.0, 0.0, 0.0), "rear"),  # on the back, feet toward the camera
    ],
)
@pytest.mark.parametrize("camera_pitch_deg", [0.0, 25.0])
def test_a_person_lying_or_on_all_fours_faces_where_the_head_points(head, left, name, camera_pitch_deg):
    """The chest points at the floor or ceiling and says nothing of the camera: the long axis
    does (before, every such body read "side", and cues for a head-on camera were never judged)."""
    angle = facing_angle_deg(world_frame(0.0, trunk(head, left, camera_pitch_deg)))
    assert view_name(angle) == name


@pytest.mark.parametrize("camera_pitch_deg", [0.0, 25.0])
def test_a_side_plank_facing_the_camera_is_front_from_a_high_camera_too(camera_pitch_deg):
    """Lying on one side the chest is level and decides; the head, lying across the image,
    must not pull the view toward "side"."""
    angle = facing_angle_deg(world_frame(0.0, trunk((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), camera_pitch_deg)))
    assert angle == pytest.approx(0.0, abs=1.0)


def test_facing_angle_from_builder_side_view_is_side():
    assert view_name(facing_angle_deg(pose_frame(0.0, plank_joints()))) == "side"


def test_facing_angle_nan_without_a_person_or_with_degenerate_body():
    assert math.isnan(facing_angle_deg(empty_frame(0.0)))
    assert math.isnan(facing_angle_deg(world_frame(0.0, {"hip": (0.0, 0.0, 0.0), "shoulder": (0.0, -0.5, 0.0)})))


@pytest.mark.parametrize(
    ("angle", "name"),
    [(0.0, "front"), (22.4, "front"), (22.5, "oblique"), (59.9, "oblique"), (60.0, "side"), (120.0, "side"),
     (120.1, "oblique"), (157.5, "oblique"), (157.6, "rear"), (180.0, "rear"), (math.nan, None)],
)
def test_view_name_boundaries(angle, name):
    assert view_name(angle) == name


@pytest.mark.parametrize("lift_deg", [0.0, 15.0, 40.0, -5.0])
def test_rise_of_a_leg_lying_on_the_back_is_its_lift_off_the_floor(lift_deg):
    """Body-relative: the same lift reads the same with the whole body tilted, as the model's
    "up" tilts with the camera."""
    lift = math.radians(lift_deg)
    supine = {
        "left_hip": (0.0, 0.0, 0.1), "right_hip": (0.0, 0.0, -0.1),
        "left_shoulder": (-0.5, 0.0, 0.12), "right_shoulder": (-0.5, 0.0, -0.12),
        "right_ankle": (0.8 * math.cos(lift), -0.8 * math.sin(lift), -0.1),  # world y points down
    }
    rise = metric(kind="rise", joints=["side_hip", "side_ankle"], space="world")
    assert rise.evaluate(world_frame(0.0, supine), "right", 0.5) == pytest.approx(lift_deg, abs=1e-4)
    tilt = math.radians(25.0)
    rot = np.array([[math.cos(tilt), -math.sin(tilt), 0.0], [math.sin(tilt), math.cos(tilt), 0.0], [0.0, 0.0, 1.0]])
    tilted = {name: tuple(rot @ np.array(p)) for name, p in supine.items()}
    assert rise.evaluate(world_frame(0.0, tilted), "right", 0.5) == pytest.approx(lift_deg, abs=1e-4)


def test_a_bent_knee_with_the_foot_flat_rises_about_as_little_as_a_straight_leg():
    supine = {
        "left_hip": (0.0, -0.1, 0.1), "right_hip": (0.0, -0.1, -0.1),  # hips 10 cm above the floor
        "left_shoulder": (-0.5, -0.1, 0.12), "right_shoulder": (-0.5, -0.1, -0.12),
        "right_ankle": (0.4, -0.07, -0.1),  # foot flat near the buttock
    }
    rise = metric(kind="rise", joints=["side_hip", "side_ankle"], space="world")
    assert -10.0 < rise.evaluate(world_frame(0.0, supine), "right", 0.5) < 0.0


def test_rise_needs_world_space():
    with pytest.raises(ValueError, match="'rise' metric needs space = 'world'"):
        MetricSpec(kind="rise", joints=["side_hip", "side_ankle"])


def _supine_knees_rolled(roll_deg: float, body_tilt_deg: float = 0.0) -> dict:
    """Lying on the back along +x (head at -x), left side at +z; knees 0.45 m from the hips,
    turned ``roll_deg`` about the trunk from straight up toward the left. World y points down;
    ``body_tilt_deg`` turns the whole body about the trunk axis (a camera-tilted "up")."""
    r, t = math.radians(roll_deg), math.radians(body_tilt_deg)
    knee = (0.2, -0.45 * math.cos(r), 0.45 * math.sin(r))
    points = {
        "left_hip": (0.0, 0.0, 0.1), "right_hip": (0.0, 0.0, -0.1),
        "left_shoulder": (-0.5, 0.0, 0.12), "right_shoulder": (-0.5, 0.0, -0.12),
        "left_knee": knee, "right_knee": knee,
    }
    rot = np.array([[1.0, 0.0, 0.0], [0.0, math.cos(t), -math.sin(t)], [0.0, math.sin(t), math.cos(t)]])
    return {name: tuple(rot @ np.array(p)) for name, p in points.items()}


@pytest.mark.parametrize("roll_deg", [0.0, 30.0, 60.0, 85.0, -45.0])
@pytest.mark.parametrize("body_tilt_deg", [0.0, 20.0])
def test_roll_of_the_knees_is_their_turn_toward_the_working_side(roll_deg, body_tilt_deg):
    roll = metric(kind="roll", joints=["mid_hip", "mid_knee", "side_shoulder", "other_shoulder"], space="world")
    frame = world_frame(0.0, _supine_knees_rolled(roll_deg, body_tilt_deg))
    assert roll.evaluate(frame, "left", 0.5) == pytest.approx(roll_deg, abs=1e-4)
    assert roll.evaluate(frame, "right", 0.5) == pytest.approx(-roll_deg, abs=1e-4)


def test_roll_needs_world_space_and_a_trunk():
    with pytest.raises(ValueError, match="'roll' metric needs space = 'world'"):
        MetricSpec(kind="roll", joints=["mid_hip", "mid_knee", "side_shoulder", "other_shoulder"])
    roll = metric(kind="roll", joints=["mid_hip", "mid_knee", "side_shoulder", "other_shoulder"], space="world")
    folded = _supine_knees_rolled(30.0)
    folded["left_shoulder"], folded["right_shoulder"] = folded["left_hip"], folded["right_hip"]
    assert math.isnan(roll.evaluate(world_frame(0.0, folded), "left", 0.5))


def facing(t: float, angle_deg: float):
    """A standing person at ``t`` whose facing angle is ``angle_deg``."""
    a = math.radians(angle_deg)
    return world_frame(t, standing(np.array((math.cos(a), 0.0, -math.sin(a)))))


def tracked(tracker: ViewTracker, angles: list[float], fps: float = 30.0) -> list[str | None]:
    return [tracker.update(facing(i / fps, a) if math.isfinite(a) else empty_frame(i / fps))
            for i, a in enumerate(angles)]


def test_a_view_does_not_flip_on_frames_of_jitter():
    """Filmed at 57 deg (oblique), the model's depth reads two frames in five past 60 (side,
    once as far as 82): the view stays oblique, so side-only or oblique-only cues keep their
    frames."""
    angles = [57.0] * 30 + [62.0, 56.0, 82.0, 58.0, 55.0] * 6 + [57.0] * 10
    assert [view_name(facing_angle_deg(facing(0.0, a))) for a in (62.0, 82.0)] == ["side", "side"]
    views = tracked(ViewTracker(), angles)
    assert set(views) == {"oblique"}


def test_a_view_changes_once_most_of_the_last_second_shows_the_new_one():
    views = tracked(ViewTracker(window_s=1.0), [45.0] * 30 + [90.0] * 30)
    assert views[:45] == ["oblique"] * 45  # at frame 44: 15 side frames of 31 in the window
    assert views[45:] == ["side"] * 15  # at frame 45: 16 of 31


def test_a_tie_keeps_the_view_and_nobody_gives_none():
    tracker = ViewTracker(window_s=1.0)
    assert tracked(tracker, [90.0] * 15 + [45.0] * 15)[-1] == "side"  # 15 and 15 in the window
    assert tracker.update(empty_frame(1.0)) is None


def test_after_a_gap_the_next_person_starts_from_their_own_view():
    tracker = ViewTracker(window_s=1.0, reset_after_s=1.0)
    assert tracked(tracker, [90.0] * 30)[-1] == "side"
    assert tracker.update(facing(3.0, 0.0)) == "front"  # 2 s later: a new start, not a vote


def test_a_view_window_outside_its_range_is_refused():
    with pytest.raises(ValueError, match=r"window_s must be in \(0, 10\] seconds, got 0"):
        ViewTracker(window_s=0)
