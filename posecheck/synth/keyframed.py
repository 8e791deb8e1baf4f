"""Keyframed motions: joint angles over progress, on the floor, mirrored for the right side.

A keyframed motion file (``body = "keyframed"``) starts from a *base*: a body orientation
and posture (:data:`BASES`: standing, kneeling, seated, supine, prone, quadruped, lying on
the moving or the other side; named like the specs' postures).
The base posture is the implicit keyframe at progress 0; ``[[keyframes]]`` set channels at
later progress values (the last one at 1: the rep's extreme or the held position), either
as they are (``angles``) or relative to the base posture (``offsets``, for the bases whose
posture depends on the body's proportions). Every channel is piecewise linear in progress
between the keyframes that set it and keeps its last value after them, so intermediate
keyframes give sequences such as cat -> cow. A fault adds its ``change`` times its
magnitude times the progress.

Angle names (the *channels* of a keyframe or a fault ``change``):

* the spine and neck angles of :data:`~posecheck.synth.skeleton.ANGLE_NAMES`
  (``spine_flex``, ``neck_rot`` ...);
* ``pelvis_flex`` / ``pelvis_side`` / ``pelvis_rot``: the pelvis turned against the base
  orientation, signed like the spine angles (+ tips the pelvis forward / toward the left /
  turns it to the left);
* per-side angles (``hip_flex``, ``knee_flex`` ... see
  :data:`~posecheck.synth.skeleton.SIDED_ANGLES`) with a prefix: ``left_``, ``right_`` or
  ``both_`` in a symmetric motion; ``moving_``, ``other_`` or ``both_`` in an alternating
  or one-sided motion.

Sided motions are written for the moving side on the LEFT; a right-side rep or hold is the
mirror image (in the world x = 0 plane) of the left one, so lateral angles such as
``spine_rot`` turn toward the moving side on both sides.

Each frame the body is lowered or raised until its lowest surface point touches the floor
(y = 0); horizontally either the pelvis stays put or, with ``anchor``, the named landmark
keeps its rest position (a planted foot, the knees of a kneeling exercise).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from posecheck.pose.landmarks import suggest
from posecheck.synth.skeleton import (
    ANGLE_NAMES,
    LANDMARK_NAMES,
    SIDED_ANGLES,
    Body,
    Pose,
    body_surface,
    forward,
    frame_from_axes,
    hinge_x,
    limb_angles,
    rot_x,
    rot_y,
    rot_z,
)

if TYPE_CHECKING:
    from posecheck.synth.motion_file import KeyframedMotion

#: Spine and neck angles (no side prefix).
TRUNK_ANGLES = tuple(n for n in ANGLE_NAMES if not n.startswith(("left_", "right_")))
#: Pelvis orientation against the base (no side prefix); not joint angles of the Pose.
PELVIS_ANGLES = ("pelvis_flex", "pelvis_side", "pelvis_rot")
#: Unprefixed channels whose sign flips in the mirror image (they lean or turn sideways).
LATERAL_ANGLES = ("spine_side", "spine_rot", "neck_side", "neck_rot", "pelvis_side", "pelvis_rot")
#: Side prefixes allowed per motion ``sides`` value, and the absolute sides each stands for
#: in the left-side version of the motion.
PREFIXES: dict[str, dict[str, tuple[str, ...]]] = {
    "symmetric": {"left": ("left",), "right": ("right",), "both": ("left", "right")},
    "sided": {"moving": ("left",), "other": ("right",), "both": ("left", "right")},
}
#: Landmarks that exist once per side, without their side (``ankle``, ``knee`` ...).
SIDED_LANDMARKS = tuple(n.removeprefix("left_") for n in LANDMARK_NAMES if n.startswith("left_"))

_MIRROR = np.diag([-1.0, 1.0, 1.0])
_X = np.array([1.0, 0.0, 0.0])


def _prefixes(sides: str) -> dict[str, tuple[str, ...]]:
    return PREFIXES["symmetric" if sides == "symmetric" else "sided"]


def channel_names(sides: str) -> list[str]:
    """Every channel name a motion with this ``sides`` value may use."""
    sided = [f"{prefix}_{name}" for prefix in _prefixes(sides) for name in SIDED_ANGLES]
    return list(TRUNK_ANGLES) + list(PELVIS_ANGLES) + sided


def resolve_channel(name: str, sides: str) -> tuple[str, ...]:
    """The absolute channels (``left_hip_flex``, ``spine_flex``, ``pelvis_rot`` ...) that
    ``name`` sets in the left-side version of the motion; ``ValueError`` with a suggestion."""
    if name in TRUNK_ANGLES or name in PELVIS_ANGLES:
        return (name,)
    prefix, _, angle = name.partition("_")
    prefixes = _prefixes(sides)
    if prefix in prefixes and angle in SIDED_ANGLES:
        return tuple(f"{side}_{angle}" for side in prefixes[prefix])
    if angle in SIDED_ANGLES:
        allowed = ", ".join(f"{p}_" for p in prefixes)
        raise ValueError(f'with sides = "{sides}" name the side with {allowed}: {next(iter(prefixes))}_{angle} ...')
    raise ValueError(f"unknown angle {name!r}{suggest(name, channel_names(sides))}")


def resolve_landmark(name: str, sides: str) -> str:
    """The absolute landmark (left-side version) an ``anchor`` names; ``ValueError`` with a suggestion."""
    if name == "nose":
        return name
    prefix, _, joint = name.partition("_")
    prefixes = {p: s for p, s in _prefixes(sides).items() if len(s) == 1}
    if prefix in prefixes and joint in SIDED_LANDMARKS:
        return f"{prefixes[prefix][0]}_{joint}"
    known = ["nose"] + [f"{p}_{j}" for p in prefixes for j in SIDED_LANDMARKS]
    raise ValueError(f"unknown landmark {name!r}{suggest(name, known)}; use "
                     + " or ".join(f"{p}_<joint>" for p in prefixes) + " (joint: ankle, knee, wrist ...) or nose")


# --------------------------------------------------------------------------- bases


@dataclass(frozen=True)
class Base:
    """A starting orientation and posture: ``posture(body)`` gives the pelvis frame and the
    joint angles (absolute names, left-side version) of progress 0. ``lateral`` and
    ``heading`` are the camera directions of the ``side`` and ``front`` views (see
    :mod:`posecheck.synth.camera`); ``sided`` bases exist only in one-sided motions."""

    lateral: tuple[float, float, float]
    heading: tuple[float, float, float]
    posture: Callable[[Body], tuple[np.ndarray, dict[str, float]]]
    sided: bool = False


def _both(**angles: float) -> dict[str, float]:
    return {f"{side}_{name}": value for side in ("left", "right") for name, value in angles.items()}


def _fixed(left, up, angles: dict[str, float]) -> Callable[[Body], tuple[np.ndarray, dict[str, float]]]:
    frame = frame_from_axes(np.array(left, float), np.array(up, float))
    return lambda body: (frame, dict(angles))


def _quadruped_at(body: Body, tau: float) -> tuple[np.ndarray, dict[str, float]]:
    """On hands and knees with the trunk pitched ``tau`` radians head-up: thighs and arms
    vertical, shins flat behind, hands flat."""
    frame = frame_from_axes(_X, [0.0, math.sin(tau), math.cos(tau)])
    angles: dict[str, float] = {}
    for side, s in (("left", 1.0), ("right", -1.0)):
        hip_flex, hip_abd = limb_angles(frame, [0.0, -1.0, 0.0], side)
        thigh = frame @ rot_x(-hip_flex) @ rot_z(s * hip_abd)
        shoulder_flex, shoulder_abd = limb_angles(frame, [0.0, -1.0, 0.0], side)
        angles.update({
            f"{side}_hip_flex": hip_flex, f"{side}_hip_abd": hip_abd,
            f"{side}_knee_flex": hinge_x(thigh, (0.0, -1.0, 0.0), [0.0, 0.0, -1.0]),
            f"{side}_ankle_dorsi": -90.0,
            f"{side}_shoulder_flex": shoulder_flex, f"{side}_shoulder_abd": shoulder_abd,
            f"{side}_forearm_pron": 90.0, f"{side}_wrist_ext": 90.0,
        })
    return frame, angles


def _quadruped(body: Body) -> tuple[np.ndarray, dict[str, float]]:
    """Hands under the shoulders and knees under the hips, hands and shins both on the floor.

    With thighs and arms vertical, how far the hand surface reaches below the wrist and the
    leg surface below the knee do not depend on the trunk pitch; measured once, they give
    the pitch that puts both on the floor."""
    pose = Pose(np.zeros(3), *_quadruped_at(body, 0.0))
    kin = forward(body, pose)
    surface = body_surface(body, kin)
    hand_depth = kin.lm("left_wrist")[1] - surface.lowest(("left_arm",))
    knee_depth = kin.lm("left_knee")[1] - surface.lowest(("left_leg",))
    rise = (hand_depth + body.arm_length) - (knee_depth + body.thigh)
    return _quadruped_at(body, math.asin(rise / body.trunk_length))


#: Lying on the left side: the lower arm overhead under the head, the upper leg adducted to
#: rest on the lower one.
_LYING_ON_LEFT = {"left_shoulder_flex": 180.0, "right_hip_abd": -10.0}
_LYING_ON_RIGHT = {"right_shoulder_flex": 180.0, "left_hip_abd": -10.0}
_PLUS_X, _MINUS_X, _PLUS_Z, _MINUS_Z = (1.0, 0.0, 0.0), (-1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.0, 0.0, -1.0)

#: Base orientations and postures by name. The side camera sits on the subject's left, the
#: front camera at the face (standing, kneeling, seated) or at the head end (supine, prone,
#: quadruped); lying on a side, the side camera looks along the body from the feet and the
#: front camera at the chest.
BASES: dict[str, Base] = {
    # upright, facing +z
    "standing": Base(_PLUS_X, _PLUS_Z, _fixed(_X, [0, 1, 0], {})),
    # upright on the knees, shins and insteps on the floor
    "kneeling": Base(_PLUS_X, _PLUS_Z, _fixed(_X, [0, 1, 0], _both(knee_flex=90.0, ankle_dorsi=-90.0))),
    # sitting on the floor, legs straight ahead, hands toward the knees
    "seated": Base(_PLUS_X, _PLUS_Z, _fixed(_X, [0, 1, 0], _both(hip_flex=90.0, shoulder_flex=35.0, elbow_flex=40.0))),
    # on the back, head toward -z, arms along the body
    "supine": Base(_PLUS_X, _MINUS_Z, _fixed(_X, [0, 0, -1], {})),
    # face down, head toward +z, insteps on the floor
    "prone": Base(_PLUS_X, _PLUS_Z, _fixed(_X, [0, 0, 1], _both(ankle_dorsi=-90.0))),
    # hands and knees, head toward +z (posture fitted to the body, see _quadruped)
    "quadruped": Base(_PLUS_X, _PLUS_Z, _quadruped),
    # on the moving (left) side, head toward +x, chest toward +z, lower arm under the head
    "side_lying": Base(_MINUS_X, _PLUS_Z, _fixed([0, -1, 0], [1, 0, 0], _LYING_ON_LEFT), sided=True),
    # on the other (right) side, moving side up, head toward -x, chest toward +z
    "side_lying_other": Base(_PLUS_X, _PLUS_Z, _fixed([0, 1, 0], [-1, 0, 0], _LYING_ON_RIGHT), sided=True),
}


# --------------------------------------------------------------------------- mirror


def mirror_pose(pose: Pose) -> Pose:
    """The mirror image of ``pose`` in the world x = 0 plane: left and right angles swap,
    sideways leans and turns change sign. Forward kinematics is mirror-symmetric, so its
    landmarks are the mirrored landmarks with left and right swapped."""
    angles: dict[str, float] = {}
    for name, value in pose.angles.items():
        if name.startswith("left_"):
            angles["right_" + name.removeprefix("left_")] = value
        elif name.startswith("right_"):
            angles["left_" + name.removeprefix("right_")] = value
        else:
            angles[name] = -value if name in LATERAL_ANGLES else value
    return Pose(_MIRROR @ pose.root_pos, _MIRROR @ pose.root_rot @ _MIRROR, angles)


# --------------------------------------------------------------------------- poser


class Track:
    """One channel's value over progress: piecewise linear through ``(at, value)`` points,
    constant after the last one."""

    def __init__(self, points: list[tuple[float, float]]):
        self.at = [a for a, _ in points]
        self.values = [v for _, v in points]

    def __call__(self, p: float) -> float:
        at, values = self.at, self.values
        if p >= at[-1]:
            return values[-1]
        k = next(i for i in range(1, len(at)) if p < at[i])
        u = (p - at[k - 1]) / (at[k] - at[k - 1])
        return values[k - 1] + (values[k] - values[k - 1]) * u


class KeyframedPoser:
    """Poses of a keyframed motion for one body: tracks from the base and keyframes, fault
    changes scaled by progress, floor contact, anchor, mirror for the right side."""

    def __init__(self, motion: KeyframedMotion, body: Body):
        self.body = body
        self.sides = motion.sides
        base = BASES[motion.base]
        self.frame, rest = base.posture(body)
        points: dict[str, list[tuple[float, float]]] = {name: [(0.0, value)] for name, value in rest.items()}
        for key in motion.keyframes:
            for table, name, value in key.channels():
                for channel in resolve_channel(name, self.sides):
                    track = points.setdefault(channel, [(0.0, 0.0)])
                    point = (key.at, value + (rest.get(channel, 0.0) if table == "offsets" else 0.0))
                    if key.at == 0.0:
                        track[0] = point
                    else:
                        track.append(point)
        self.tracks = {channel: Track(pts) for channel, pts in points.items()}
        self.anchor = resolve_landmark(motion.anchor, self.sides) if motion.anchor else None
        self.anchor_rest = np.zeros(3)
        if self.anchor:
            self.anchor_rest = forward(body, self._unplaced(self.angles(0.0, {}))).lm(self.anchor)

    def angles(self, p: float, changes: dict[str, float]) -> dict[str, float]:
        """Every commanded channel at progress ``p`` (left-side version), fault ``changes``
        (file channel names -> degrees at progress 1) added in proportion to ``p``."""
        out = {channel: track(p) for channel, track in self.tracks.items()}
        for name, delta in changes.items():
            for channel in resolve_channel(name, self.sides):
                out[channel] = out.get(channel, 0.0) + delta * p
        return out

    def _unplaced(self, channels: dict[str, float]) -> Pose:
        """The pose with the pelvis at the origin."""
        joints = {k: v for k, v in channels.items() if k not in PELVIS_ANGLES}
        pelvis = (self.frame @ rot_x(channels.get("pelvis_flex", 0.0)) @ rot_z(-channels.get("pelvis_side", 0.0))
                  @ rot_y(channels.get("pelvis_rot", 0.0)))
        return Pose(np.zeros(3), pelvis, joints)

    def pose(self, p: float, changes: dict[str, float], side: str | None) -> tuple[Pose, dict[str, float]]:
        """The pose at progress ``p`` done with ``side`` (None: symmetric), and its truth
        metrics: the pelvis angles, which the pose's joint angles do not include."""
        channels = self.angles(p, changes)
        pose = self._unplaced(channels)
        kin = forward(self.body, pose)
        shift = np.array([0.0, -float(body_surface(self.body, kin).extremes()[:, 1].min()), 0.0])
        if self.anchor:
            offset = self.anchor_rest - kin.lm(self.anchor)
            shift[0], shift[2] = offset[0], offset[2]
        pose.root_pos = shift
        flip = -1.0 if side == "right" else 1.0
        metrics = {f"{name}_deg": channels.get(name, 0.0) * (flip if name in LATERAL_ANGLES else 1.0)
                   for name in PELVIS_ANGLES}
        return (mirror_pose(pose) if side == "right" else pose), metrics
