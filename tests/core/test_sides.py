"""Side selectors on plain frames: the nearer side by depth, a moving limb hidden for a moment,
and the standing leg of a one-legged stance."""

from __future__ import annotations

import math

import pytest

from posecheck.core.sides import MovingSide, StandingLeg, VisibleSide
from posecheck.pose.landmarks import JOINT_INDEX
from tests.helpers import pose_frame

STANDING = {"shoulder": (320.0, 100.0), "hip": (320.0, 250.0), "knee": (330.0, 330.0), "ankle": (320.0, 410.0)}
SIDE_JOINTS = {side: [JOINT_INDEX[f"{side}_{j}"] for j in ("hip", "knee", "ankle")] for side in ("left", "right")}


def _choices(selector, frames) -> list[str]:
    return [selector.update(f, lambda side: math.nan) for f in frames]


def test_visible_side_takes_the_nearer_side_when_both_are_fully_visible():
    """Filmed at an angle the model often marks both legs fully visible; depth still tells
    the nearer one, whichever way the person faces."""
    for near in ("left", "right"):
        frames = [pose_frame(i / 30, STANDING, near=near, vis=1.0, far_vis=1.0, depth_m=0.08) for i in range(30)]
        assert set(_choices(VisibleSide(SIDE_JOINTS), frames)) == {near}


def test_visible_side_follows_visibility_when_depth_is_level():
    frames = [pose_frame(i / 30, STANDING, near="right", vis=0.95, far_vis=0.4, depth_m=0.0) for i in range(30)]
    assert set(_choices(VisibleSide(SIDE_JOINTS), frames)) == {"right"}


def _moving(progress_by_frame: list[dict[str, float]], fps: float = 15.0) -> list[str]:
    chooser = MovingSide()
    frames = [pose_frame(i / fps, STANDING) for i in range(len(progress_by_frame))]
    return [chooser.update(f, lambda side, p=p: p[side]) for f, p in zip(frames, progress_by_frame, strict=True)]


def test_moving_side_keeps_a_limb_hidden_at_its_extreme():
    """The reaching hand of a bird dog hidden for a moment at the far end: the resting other
    side must not take over, or the rep ends early and its second half counts again."""
    nan = math.nan
    sides = _moving([
        {"left": 0.0, "right": 0.0},
        {"left": 0.6, "right": 0.0},
        {"left": 1.0, "right": 0.0},
        {"left": nan, "right": 0.0},
        {"left": nan, "right": 0.0},
        {"left": 1.0, "right": 0.0},
    ])
    assert sides == ["left"] * 6


def test_moving_side_lets_a_limb_hidden_on_its_way_back_end_its_rep():
    """A dead bug's far leg tucked out of sight as it comes back: the resting side takes over
    so the rep in progress can end."""
    nan = math.nan
    sides = _moving([
        {"left": 0.0, "right": 0.0},
        {"left": 0.0, "right": 1.0},
        {"left": 0.0, "right": 0.2},
        {"left": 0.0, "right": nan},
    ])
    assert sides == ["left", "right", "right", "left"]


def test_moving_side_hands_over_when_a_limb_stays_hidden_as_long_as_the_counter_waits():
    """A dead bug's far leg last seen at full reach, its way back lost (dropped frames, or
    hidden behind the other leg): after the rep counter's reset time (1 s) the resting side
    takes over, so the rep ends instead of being dropped as lost; a bird dog's hand hidden
    at its reach for less than that keeps the side."""
    nan = math.nan
    frames = [{"left": 0.0, "right": 0.0}, {"left": 0.0, "right": 1.0}] + [{"left": 0.0, "right": nan}] * 18
    sides = _moving(frames, fps=15.0)  # the leg is last seen at 1/15 s
    assert sides[:17] == ["left", "right"] + ["right"] * 15  # frame 16 at 1.07 s: hidden 1.0 s
    assert sides[17:] == ["left"] * 3


def test_moving_side_follows_the_other_side_when_it_starts_moving():
    nan = math.nan
    sides = _moving([{"left": 1.0, "right": 0.0}, {"left": nan, "right": 0.0}, {"left": nan, "right": 0.7}])
    assert sides == ["left", "left", "right"]


def _one_leg(lifted: str, heights: list[float], near: str = "left") -> list:
    """Standing frames with the ``lifted`` ankle at each image height (410 = on the floor, 250
    = hip height: a single-leg hinge's free leg reaching back)."""
    return [pose_frame(i / 15, {**STANDING, f"{lifted}_ankle": (250.0, y)}, near=near, vis=1.0, far_vis=1.0,
                       depth_m=0.08) for i, y in enumerate(heights)]


def test_standing_leg_is_the_leg_on_the_floor_while_the_other_is_lifted():
    """The free leg of a single-leg hinge faces the camera: judged on it, its straight knee
    would read as locked and its ankle at hip height as the person no longer standing."""
    heights = [410.0, 410.0, 380.0, 330.0, 250.0, 250.0, 330.0, 395.0, 410.0, 410.0]
    sides = _choices(StandingLeg(SIDE_JOINTS), _one_leg("left", heights, near="left"))
    # 0.3 torso lengths (45 px) up to take over, back under 0.15 (22 px) to hand back
    assert sides == ["left", "left", "left", "right", "right", "right", "right", "left", "left", "left"]


def test_standing_leg_on_both_feet_is_the_side_facing_the_camera():
    for near in ("left", "right"):
        assert set(_choices(StandingLeg(SIDE_JOINTS), _one_leg("left", [410.0] * 10, near=near))) == {near}


def test_standing_leg_keeps_its_choice_while_the_lifted_ankle_is_not_measured():
    frames = _one_leg("right", [410.0, 250.0, 250.0, 250.0], near="right")
    frames[2].world_xyz[JOINT_INDEX["right_ankle"]] = math.nan
    assert _choices(StandingLeg(SIDE_JOINTS), frames) == ["right", "left", "left", "left"]


def test_standing_leg_thresholds_state_the_valid_range():
    with pytest.raises(ValueError, match=r"lift_exit must be in \[0, lift_enter\)"):
        StandingLeg(SIDE_JOINTS, lift_enter=0.2, lift_exit=0.3)
