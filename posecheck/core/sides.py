"""Side selectors: which side of the body is the working side on this frame.

One small class per ``sides`` rule of the spec, each with ``update(frame, progress)``
called on every frame (also when nobody is detected, when it keeps its last choice).
``change_ends_rep`` says whether a change of side on a rep's way back ends the rep: only for
the front leg, which the legs' positions decide (a walking lunge's back leg steps through and
leads the next lunge before the body is up). A side that follows the rep metric (alternating
limbs) or only picks the landmarks to measure leaves the rep to the counter's thresholds.
``progress(side)`` tells how far the driving metric of that side is toward its extreme;
only the selector that follows the moving limb uses it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from posecheck.core import geometry
from posecheck.core.metrics import SIDES, side_visibility, torso_length
from posecheck.core.timeline import TIME_EPS
from posecheck.pose.landmarks import JOINT_INDEX, PoseFrame

#: A smoothed side score must pass this margin before the choice switches sides.
SIDE_SWITCH_MARGIN = 0.15
#: Weight of the depth sign against the visibility difference in :class:`VisibleSide`.
DEPTH_WEIGHT = 0.5

Progress = Callable[[str], float]


class _Hysteretic:
    """Turn a smoothed signed score (> 0: left, < 0: right) into a side with a switching margin."""

    def __init__(self, margin: float = SIDE_SWITCH_MARGIN, weight: float = 0.3):
        self.side: str | None = None
        self.margin = margin
        self.weight = weight
        self._score = 0.0

    def feed(self, diff: float) -> str:
        """``diff`` is NaN when nobody is there; the very first frame decides the starting side."""
        if self.side is None:
            self.side = "right" if diff < 0 else "left"
        if math.isfinite(diff):
            self._score = (1 - self.weight) * self._score + self.weight * diff
        if self.side == "left" and self._score < -self.margin:
            self.side = "right"
        elif self.side == "right" and self._score > self.margin:
            self.side = "left"
        return self.side


class FixedSide:
    """``sides = "left"`` or ``"right"``: always that side."""

    change_ends_rep = False

    def __init__(self, side: str):
        self.side = side

    def update(self, frame: PoseFrame, progress: Progress) -> str:
        return self.side


class VisibleSide:
    """``sides = "auto"``: the side facing the camera.

    Two signs, added: its joints are more visible, and its shoulder and hip are nearer the
    camera (the model's depth, as a share of the shoulder and hip widths: about 1 filmed
    from the side, 0 from the front). Seen at an angle, both legs are often marked fully
    visible, and depth alone still tells the nearer one, so the choice does not depend on
    which way the person happens to face.
    """

    change_ends_rep = False

    _PAIRS = tuple((JOINT_INDEX[f"left_{j}"], JOINT_INDEX[f"right_{j}"]) for j in ("shoulder", "hip"))

    def __init__(self, side_joints: dict[str, list[int]]):
        self.side_joints = side_joints
        self._choice = _Hysteretic()

    def update(self, frame: PoseFrame, progress: Progress) -> str:
        diff = math.nan
        if frame.detected:
            vis = side_visibility(frame, self.side_joints)
            diff = vis["left"] - vis["right"]
            nearer = self._left_nearer(frame.world_xyz)
            if math.isfinite(nearer):
                diff = (diff if math.isfinite(diff) else 0.0) + DEPTH_WEIGHT * nearer
        return self._choice.feed(diff)

    @classmethod
    def _left_nearer(cls, world: np.ndarray) -> float:
        """How far the left side is turned toward the camera: -1..1 (the model's z grows away from it)."""
        turns = []
        for left, right in cls._PAIRS:
            width = float(np.linalg.norm(world[left] - world[right]))
            if width > 0:
                turns.append(float(world[right, 2] - world[left, 2]) / width)
        return float(np.mean(turns)) if turns else math.nan


class LowerSide:
    """``sides = "lower"``: the side nearer the floor (a side plank's supporting arm)."""

    change_ends_rep = False

    _JOINTS = tuple(JOINT_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))

    def __init__(self) -> None:
        self._choice = _Hysteretic()

    def update(self, frame: PoseFrame, progress: Progress) -> str:
        diff = math.nan
        if frame.detected:
            xy = frame.image_xy
            ls, rs, lh, rh = self._JOINTS
            torso = torso_length(xy)
            if torso > 0:
                diff = float((xy[ls, 1] - xy[rs, 1]) + (xy[lh, 1] - xy[rh, 1])) / (2 * torso)
        return self._choice.feed(diff)


class MovingSide:
    """``sides = "alternating"``: the side whose driving metric is further toward its extreme.

    When the chosen side cannot be measured on a frame, the other side takes over unless
    the chosen one was last seen past halfway to its extreme and the other is at rest: a
    reaching hand hidden for a moment at the far end of a bird dog has not come back, and
    taking the resting side would end the rep early and count its second half as a new
    rep. A limb last seen on its way back (a dead bug's leg tucked behind the other) has
    come back, and the resting side ends its rep. A limb hidden at its extreme for longer
    than ``hidden_hold_s`` (the rep counter's ``reset_after_s``) is taken to have come back
    unseen, its return lost in dropped frames: held any longer, the counter would drop the
    rep as lost.
    """

    change_ends_rep = False

    def __init__(self, hidden_hold_s: float = 1.0) -> None:
        self.side = "left"
        self.hidden_hold_s = hidden_hold_s
        self._last_progress = {s: math.nan for s in SIDES}
        self._last_seen = {s: -math.inf for s in SIDES}

    def update(self, frame: PoseFrame, progress: Progress) -> str:
        scores = {s: progress(s) for s in SIDES}
        finite = {s: v for s, v in scores.items() if math.isfinite(v)}
        if not finite:
            return self.side
        best = max(finite, key=finite.get)
        hidden_at_extreme = (
            self.side not in finite
            and self._last_progress[self.side] >= 0.5
            and frame.t - self._last_seen[self.side] <= self.hidden_hold_s + TIME_EPS
        )
        if not (hidden_at_extreme and finite[best] <= 0.0):
            self.side = best
        self._last_progress.update(finite)
        self._last_seen.update({s: frame.t for s in finite})
        return self.side


class FrontLeg:
    """``sides = "front_leg"``: the leg whose ankle is further forward (the front leg of a lunge)."""

    change_ends_rep = True

    _LH, _RH = JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]
    _LA, _RA = JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"]

    def __init__(self) -> None:
        self._choice = _Hysteretic(margin=0.05, weight=0.4)

    def update(self, frame: PoseFrame, progress: Progress) -> str:
        diff = math.nan
        if frame.detected:
            w = frame.world_xyz.astype(np.float64)
            forward = geometry.body_forward(w[self._LH], w[self._RH], geometry.WORLD_UP)
            if np.isfinite(forward).all():
                diff = float(np.dot(w[self._LA] - w[self._RA], forward))
        return self._choice.feed(diff)


class StandingLeg:
    """``sides = "standing_leg"``: on one leg, the leg standing; on both feet, the side facing
    the camera (as ``auto``).

    One leg is off the floor while its ankle is more than ``lift_enter`` torso lengths above
    the other (the free leg of a single-leg hinge reaches back to hip height, about 1) and
    until it comes back under ``lift_exit``. Judged on the free leg, a single-leg hinge would
    read its straight knee as locked and its ankle at hip height as the person no longer
    standing.
    """

    change_ends_rep = False

    _LA, _RA = JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"]

    def __init__(self, side_joints: dict[str, list[int]], lift_enter: float = 0.3, lift_exit: float = 0.15):
        if not 0.0 <= lift_exit < lift_enter:
            raise ValueError(f"lift_exit must be in [0, lift_enter), got {lift_exit} for lift_enter {lift_enter}")
        self._visible = VisibleSide(side_joints)
        self.lift_enter, self.lift_exit = lift_enter, lift_exit
        self._standing: str | None = None

    def update(self, frame: PoseFrame, progress: Progress) -> str:
        facing = self._visible.update(frame, progress)
        lift = self._left_ankle_above(frame) if frame.detected else math.nan
        if math.isfinite(lift):
            if self._standing is None and abs(lift) > self.lift_enter:
                self._standing = "right" if lift > 0 else "left"
            elif self._standing is not None and abs(lift) < self.lift_exit:
                self._standing = None
        return self._standing or facing

    @classmethod
    def _left_ankle_above(cls, frame: PoseFrame) -> float:
        """How far the left ankle is above the right, in torso lengths (NaN if unmeasurable)."""
        w = frame.world_xyz.astype(np.float64)
        return geometry.height_diff(w[cls._LA], w[cls._RA], torso_length(w))


def make_side_selector(rule: str, side_joints: dict[str, list[int]], reset_after_s: float = 1.0):
    """The selector for a spec's ``sides`` rule; ``reset_after_s`` is how long the rep counter
    waits for a hidden limb."""
    if rule in SIDES:
        return FixedSide(rule)
    factories = {
        "auto": lambda: VisibleSide(side_joints),
        "lower": LowerSide,
        "alternating": lambda: MovingSide(hidden_hold_s=reset_after_s),
        "front_leg": FrontLeg,
        "standing_leg": lambda: StandingLeg(side_joints),
    }
    return factories[rule]()
