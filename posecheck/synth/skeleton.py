"""Body model and forward kinematics of the synthetic subject.

Frames and units (part of this package's contract):

* **World**: metres, right-handed, ``x`` right, ``y`` **up**, ``z`` toward the viewer of a
  top-down plan; the floor is the plane ``y = 0``. Exercises lay the subject out so that its
  *heading* (the direction a "front" camera looks from) is ``+z`` and a "side" camera sits on
  ``+x`` (see :mod:`posecheck.synth.camera`).
* **Body segment frames** (rotation matrices, columns in world coordinates): at zero angles
  every segment has ``X`` = the subject's anatomical left, ``Y`` = superior (toward the head),
  ``Z`` = anterior (the way the chest faces). The pelvis frame is the root orientation.

Joint angles are degrees; every name is listed in :data:`ANGLE_NAMES` with its sign:

* ``spine_flex`` (+ bends the chest forward), ``spine_side`` (+ toward the left),
  ``spine_rot`` (+ turns the chest to the left); ``neck_flex`` / ``neck_side`` / ``neck_rot``
  the same for the head on the chest.
* per side (``left_`` / ``right_``): ``shoulder_flex`` (+ arm forward/up, 180 = overhead),
  ``shoulder_abd`` (+ away from the body), ``elbow_flex`` (0 = straight), ``forearm_pron``
  (0 = palm facing the thigh, 90 = palm facing back when the arm hangs), ``wrist_ext``
  (+ back of the hand toward the forearm), ``hip_flex`` (+ thigh forward), ``hip_abd``,
  ``hip_rot`` (+ external rotation about the thigh's long axis: turns the knee and toes
  outward), ``knee_flex`` (0 = straight), ``ankle_dorsi`` (+ toes toward the shin, 0 = foot
  at a right angle to the shank).

:func:`forward` turns a :class:`Pose` into the 33 MediaPipe landmarks (subject's anatomical
sides) plus the segment frames the renderer and the camera fit need. :func:`body_surface`
dresses that skeleton in ellipsoids (torso) and tapered capsules (everything else).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from posecheck.pose.landmarks import JOINT_NAMES

#: The pose contract's joint names, in MediaPipe's output order.
LANDMARK_NAMES: tuple[str, ...] = JOINT_NAMES
LANDMARK_INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}

#: Joint angles that exist once per side (``left_`` / ``right_`` + name).
SIDED_ANGLES: tuple[str, ...] = (
    "shoulder_flex",
    "shoulder_abd",
    "elbow_flex",
    "forearm_pron",
    "wrist_ext",
    "hip_flex",
    "hip_abd",
    "hip_rot",
    "knee_flex",
    "ankle_dorsi",
)
#: Every joint angle :func:`forward` reads (degrees); missing ones are 0.
ANGLE_NAMES: tuple[str, ...] = (
    "spine_flex",
    "spine_side",
    "spine_rot",
    "neck_flex",
    "neck_side",
    "neck_rot",
) + tuple(f"{side}_{name}" for side in ("left", "right") for name in SIDED_ANGLES)

BUILDS: dict[str, tuple[float, float]] = {
    "slim": (0.84, 0.95),
    "average": (1.0, 1.0),
    "broad": (1.2, 1.07),
}
"""Build name -> (limb and trunk radius factor, shoulder and hip width factor)."""


def rot_x(deg: float) -> np.ndarray:
    """Rotation about +X by ``deg`` (takes +Y toward +Z)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(deg: float) -> np.ndarray:
    """Rotation about +Y by ``deg`` (takes +Z toward +X)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(deg: float) -> np.ndarray:
    """Rotation about +Z by ``deg`` (takes +X toward +Y)."""
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def frame_from_axes(left: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Body frame whose superior axis is ``up`` and whose left axis is ``left`` made orthogonal."""
    u = np.asarray(up, float) / np.linalg.norm(up)
    lf = np.asarray(left, float) - np.dot(left, u) * u
    lf /= np.linalg.norm(lf)
    return np.column_stack([lf, u, np.cross(lf, u)])


@dataclass(frozen=True)
class Body:
    """Segment lengths, widths and radii of one subject, in metres.

    Proportions follow the usual anthropometric fractions of standing height (thigh and
    shank about 0.245 H, trunk hip-to-shoulder 0.29 H, upper arm 0.172 H ...). ``build``
    scales the flesh (capsule radii) and the shoulder/hip widths; ``leg_scale`` and
    ``arm_scale`` lengthen or shorten the limbs for proportion variety. Clothing coverage
    lives here too because it decides where capsules switch material.
    """

    height: float = 1.70
    build: str = "average"
    leg_scale: float = 1.0
    arm_scale: float = 1.0
    sleeve: str = "tshirt"
    bottoms: str = "shorts"
    hair_style: str = "short"

    def __post_init__(self) -> None:
        if not 1.2 <= self.height <= 2.2:
            raise ValueError(f"height must be between 1.2 and 2.2 m, got {self.height}")
        if self.build not in BUILDS:
            raise ValueError(f"unknown build {self.build!r}; choose one of {sorted(BUILDS)}")
        for name in ("leg_scale", "arm_scale"):
            if not 0.85 <= getattr(self, name) <= 1.15:
                raise ValueError(f"{name} must be between 0.85 and 1.15, got {getattr(self, name)}")
        if self.sleeve not in ("tank", "tshirt", "longsleeve"):
            raise ValueError(f"unknown sleeve {self.sleeve!r}; choose tank, tshirt or longsleeve")
        if self.bottoms not in ("shorts", "leggings"):
            raise ValueError(f"unknown bottoms {self.bottoms!r}; choose shorts or leggings")
        if self.hair_style not in ("short", "ponytail", "bun", "buzz"):
            raise ValueError(f"unknown hair_style {self.hair_style!r}; choose short, ponytail, bun or buzz")

    @property
    def _r(self) -> float:
        return self.height * BUILDS[self.build][0]

    @property
    def _w(self) -> float:
        return self.height * BUILDS[self.build][1]

    # Metres, as fractions of height; flesh radii follow the build's radius factor (_r), the
    # shoulder and hip widths its width factor (_w), limb lengths the leg/arm scales.
    # The shoulder joints sit only a little wider than the hip joints (0.176 H vs 0.132 H
    # apart): the spec metrics measure lines through ONE side's shoulder, hip, knee and ankle,
    # and a straight plank or bridge puts those in one vertical plane only if the legs
    # converge toward the midline by the shoulder-hip offset; with the old 0.196 H / 0.1 H the
    # feet would have had to cross.
    hip_half_width = property(lambda s: 0.066 * s._w)
    shoulder_half_width = property(lambda s: 0.088 * s._w)
    trunk_length = property(lambda s: 0.29 * s.height)
    waist_fraction = 0.42
    neck_length = property(lambda s: 0.062 * s.height)
    head_radius = property(lambda s: 0.05 * s.height)
    upper_arm = property(lambda s: 0.172 * s.height * s.arm_scale)
    forearm = property(lambda s: 0.152 * s.height * s.arm_scale)
    hand = property(lambda s: 0.105 * s.height)
    thigh = property(lambda s: 0.245 * s.height * s.leg_scale)
    shank = property(lambda s: 0.246 * s.height * s.leg_scale)
    ankle_height = property(lambda s: 0.039 * s.height)
    heel_back = property(lambda s: 0.032 * s.height)
    toe_forward = property(lambda s: 0.118 * s.height)
    heel_radius = property(lambda s: 0.021 * s.height)
    toe_radius = property(lambda s: 0.014 * s.height)
    upper_arm_radius = property(lambda s: (0.027 * s._r, 0.02 * s._r))
    forearm_radius = property(lambda s: (0.02 * s._r, 0.015 * s._r))
    hand_radius = property(lambda s: 0.011 * s.height)
    thigh_radius = property(lambda s: (0.045 * s._r, 0.03 * s._r))
    shank_radius = property(lambda s: (0.03 * s._r, 0.019 * s._r))

    @property
    def leg_length(self) -> float:
        """Hip joint to ankle joint with the knee straight."""
        return self.thigh + self.shank

    @property
    def arm_length(self) -> float:
        """Shoulder joint to wrist joint with the elbow straight."""
        return self.upper_arm + self.forearm


@dataclass
class Pose:
    """Root position and orientation (pelvis frame) plus named joint angles in degrees."""

    root_pos: np.ndarray
    root_rot: np.ndarray
    angles: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.angles) - set(ANGLE_NAMES)
        if unknown:
            raise ValueError(f"unknown joint angle(s) {sorted(unknown)}")
        self.root_pos = np.asarray(self.root_pos, float)
        self.root_rot = np.asarray(self.root_rot, float)

    def a(self, name: str) -> float:
        return float(self.angles.get(name, 0.0))


@dataclass
class Kinematics:
    """Result of :func:`forward`: landmarks ``(33, 3)``, named points and segment frames."""

    landmarks: np.ndarray
    points: dict[str, np.ndarray]
    frames: dict[str, np.ndarray]

    def lm(self, name: str) -> np.ndarray:
        return self.landmarks[LANDMARK_INDEX[name]]

    def mid(self, joint: str) -> np.ndarray:
        """Midpoint of the ``left_<joint>`` and ``right_<joint>`` landmarks."""
        return 0.5 * (self.lm(f"left_{joint}") + self.lm(f"right_{joint}"))


#: Head centre relative to the top of the neck, and the hair sphere's centre relative to the
#: head centre, in head-frame fractions of height; the hair sphere is ``HAIR_SCALE`` times
#: the head radius. (Floor exercises rest the head on the floor through these.)
HEAD_CENTRE = (0.0, 0.052, 0.008)
HAIR_CENTRE = (0.0, 0.009, -0.009)
HAIR_SCALE = 1.04

#: Hand surface points (hand-frame y, z as fractions of the hand length): wrist, knuckle and
#: fingertip on the index (i) and pinky (p) sides.
_HAND_POINTS = {
    "wi": (-0.06, 0.07),
    "wp": (-0.06, -0.07),
    "ki": (-0.5, 0.1),
    "kp": (-0.46, -0.1),
    "ti": (-0.86, 0.08),
    "tp": (-0.76, -0.09),
}


def forward(body: Body, pose: Pose) -> Kinematics:
    """Positions of the 33 landmarks (world metres) and segment frames for ``pose``.

    The chain is pelvis -> waist -> chest -> neck -> head, chest -> upper arm -> forearm ->
    hand, pelvis -> thigh -> shank -> foot. Joint centres lie exactly on their segment axes,
    so angles measured back from the landmarks equal the commanded ones.
    """
    a = pose.a
    h = body.height
    root, rp = pose.root_pos, pose.root_rot
    pts: dict[str, np.ndarray] = {"mid_hip": root}
    frames: dict[str, np.ndarray] = {"pelvis": rp}
    lm: dict[str, np.ndarray] = {}

    waist = root + rp @ np.array([0.0, body.waist_fraction * body.trunk_length, 0.0])
    rc = rp @ rot_x(a("spine_flex")) @ rot_z(-a("spine_side")) @ rot_y(a("spine_rot"))
    upper = (1.0 - body.waist_fraction) * body.trunk_length
    mid_sh = waist + rc @ np.array([0.0, upper, 0.0])
    neck = mid_sh + rc @ np.array([0.0, body.neck_length, 0.0])
    rh = rc @ rot_x(a("neck_flex")) @ rot_z(-a("neck_side")) @ rot_y(a("neck_rot"))
    head = neck + rh @ (np.array(HEAD_CENTRE) * h)
    pts.update(waist=waist, mid_shoulder=mid_sh, neck=neck, head=head)
    frames.update(chest=rc, head=rh)

    def on_head(x: float, y: float, z: float) -> np.ndarray:
        return head + rh @ (np.array([x, y, z]) * h)

    lm["nose"] = on_head(0.0, -0.016, 0.052)
    for side, s in (("left", 1.0), ("right", -1.0)):
        lm[f"{side}_eye_inner"] = on_head(s * 0.009, 0.002, 0.046)
        lm[f"{side}_eye"] = on_head(s * 0.018, 0.002, 0.044)
        lm[f"{side}_eye_outer"] = on_head(s * 0.026, 0.002, 0.039)
        lm[f"{side}_ear"] = on_head(s * 0.048, -0.006, -0.004)
        lm[f"mouth_{side}"] = on_head(s * 0.014, -0.036, 0.043)
    pts["chin"] = on_head(0.0, -0.058, 0.034)
    pts["head_top"] = on_head(0.0, body.head_radius / h + 0.008, -0.004)

    for side, s in (("left", 1.0), ("right", -1.0)):
        shoulder = waist + rc @ np.array([s * body.shoulder_half_width, upper, 0.0])
        rua = rc @ rot_x(-a(f"{side}_shoulder_flex")) @ rot_z(s * a(f"{side}_shoulder_abd"))
        elbow = shoulder + rua @ np.array([0.0, -body.upper_arm, 0.0])
        rfa = rua @ rot_x(-a(f"{side}_elbow_flex"))
        wrist = elbow + rfa @ np.array([0.0, -body.forearm, 0.0])
        rhd = rfa @ rot_y(-s * a(f"{side}_forearm_pron")) @ rot_z(s * a(f"{side}_wrist_ext"))
        hl = body.hand

        def on_hand(x: float, y: float, z: float, rhd=rhd, wrist=wrist) -> np.ndarray:
            return wrist + rhd @ np.array([x, y, z])

        lm[f"{side}_shoulder"], lm[f"{side}_elbow"], lm[f"{side}_wrist"] = shoulder, elbow, wrist
        lm[f"{side}_index"] = on_hand(0.0, -0.72 * hl, 0.12 * hl)
        lm[f"{side}_pinky"] = on_hand(0.0, -0.64 * hl, -0.12 * hl)
        lm[f"{side}_thumb"] = on_hand(-s * 0.02 * hl, -0.42 * hl, 0.3 * hl)
        for key, (y, z) in _HAND_POINTS.items():
            pts[f"{side}_hand_{key}"] = on_hand(0.0, y * hl, z * hl)
        pts[f"{side}_thumb_base"] = on_hand(-s * 0.01 * hl, -0.12 * hl, 0.14 * hl)
        frames.update({f"{side}_upper_arm": rua, f"{side}_forearm": rfa, f"{side}_hand": rhd})

        hip = root + rp @ np.array([s * body.hip_half_width, 0.0, 0.0])
        rth = rp @ rot_x(-a(f"{side}_hip_flex")) @ rot_z(s * a(f"{side}_hip_abd")) @ rot_y(s * a(f"{side}_hip_rot"))
        knee = hip + rth @ np.array([0.0, -body.thigh, 0.0])
        rsh = rth @ rot_x(a(f"{side}_knee_flex"))
        ankle = knee + rsh @ np.array([0.0, -body.shank, 0.0])
        rft = rsh @ rot_x(-a(f"{side}_ankle_dorsi"))
        sole = body.ankle_height
        lm[f"{side}_hip"], lm[f"{side}_knee"], lm[f"{side}_ankle"] = hip, knee, ankle
        lm[f"{side}_heel"] = ankle + rft @ np.array([0.0, -(sole - 0.012 * h), -body.heel_back])
        lm[f"{side}_foot_index"] = ankle + rft @ np.array([0.0, -(sole - 0.012 * h), body.toe_forward])
        pts[f"{side}_heel_ball"] = ankle + rft @ np.array(
            [0.0, -(sole - body.heel_radius), -body.heel_back + body.heel_radius]
        )
        pts[f"{side}_toe_ball"] = ankle + rft @ np.array(
            [0.0, -(sole - body.toe_radius), body.toe_forward - body.toe_radius]
        )
        frames.update({f"{side}_thigh": rth, f"{side}_shank": rsh, f"{side}_foot": rft})

    landmarks = np.array([lm[name] for name in LANDMARK_NAMES])
    return Kinematics(landmarks, pts, frames)


# --------------------------------------------------------------------------- measurement


def angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle ``a-b-c`` at ``b`` in degrees (0..180)."""
    u, v = np.asarray(a, float) - b, np.asarray(c, float) - b
    cosv = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return math.degrees(math.acos(max(-1.0, min(1.0, cosv))))


def elevation_deg(v: np.ndarray) -> float:
    """Angle of vector ``v`` above the horizontal plane (world ``y`` up), degrees."""
    v = np.asarray(v, float)
    return math.degrees(math.atan2(v[1], math.hypot(v[0], v[2])))


def line_offset_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray, toward: np.ndarray) -> float:
    """Signed bend at ``b`` of the chain a-b-c: ``180 - angle``, positive when ``b`` lies on
    the ``toward`` side of the straight line from ``a`` to ``c``."""
    bend = 180.0 - angle_deg(a, b, c)
    a, c = np.asarray(a, float), np.asarray(c, float)
    t = np.dot(b - a, c - a) / np.dot(c - a, c - a)
    off = np.asarray(b, float) - (a + t * (c - a))
    return bend if np.dot(off, toward) >= 0 else -bend


# --------------------------------------------------------------------------- inverse helpers


def hinge_x(parent: np.ndarray, rest_local: tuple[float, float, float], d_world: np.ndarray) -> float:
    """Angle (deg) of the rotation about the parent's X axis that takes ``rest_local`` to the
    direction ``d_world`` (which must lie in the parent's Y-Z plane)."""
    d = parent.T @ np.asarray(d_world, float)
    r = rest_local
    return math.degrees(math.atan2(r[1] * d[2] - r[2] * d[1], r[1] * d[1] + r[2] * d[2]))


def hinge_z(parent: np.ndarray, rest_local: tuple[float, float, float], d_world: np.ndarray) -> float:
    """Angle (deg) of the rotation about the parent's Z axis that takes ``rest_local`` to the
    direction ``d_world`` (which must lie in the parent's X-Y plane)."""
    d = parent.T @ np.asarray(d_world, float)
    r = rest_local
    return math.degrees(math.atan2(r[0] * d[1] - r[1] * d[0], r[0] * d[0] + r[1] * d[1]))


def limb_angles(parent: np.ndarray, d_world: np.ndarray, side: str) -> tuple[float, float]:
    """(flexion, abduction) in degrees that point a hip or shoulder segment along ``d_world``.

    Inverts ``parent @ rot_x(-flex) @ rot_z(s * abd) @ (0, -1, 0)`` where ``s`` is +1 for the
    left side and -1 for the right.
    """
    s = 1.0 if side == "left" else -1.0
    d = parent.T @ (np.asarray(d_world, float) / np.linalg.norm(d_world))
    abd = math.degrees(math.asin(max(-1.0, min(1.0, s * d[0]))))
    flex = math.degrees(math.atan2(d[2], -d[1]))
    return flex, abd


def leg_angles(parent: np.ndarray, hip: np.ndarray, knee: np.ndarray, ankle: np.ndarray,
               side: str, hinge: np.ndarray | None = None) -> dict[str, float]:
    """``hip_flex``, ``hip_abd``, ``hip_rot`` and ``knee_flex`` (no side prefix) that put the knee
    and ankle of a thigh hanging from ``hip`` exactly at ``knee`` and ``ankle``.

    The hip rotation turns the knee's hinge axis to the normal of the hip-knee-ankle plane,
    so the leg can bend in any plane (knees out over turned-out toes, legs converging toward
    the midline). Segment lengths must match the body's. ``hinge`` (a knee axis pointing to
    the subject's left when the leg is straight) decides the rotation of a straight leg, whose
    plane is otherwise undefined; it must be the normal of the hip-knee-ankle plane when the
    knee is bent.
    """
    s = 1.0 if side == "left" else -1.0
    thigh = np.asarray(knee, float) - hip
    shank = np.asarray(ankle, float) - knee
    flex, abd = limb_angles(parent, thigh, side)
    r0 = parent @ rot_x(-flex) @ rot_z(s * abd)
    n = np.cross(thigh, shank) if hinge is None else np.asarray(hinge, float)
    n = n - np.dot(n, thigh) / np.dot(thigh, thigh) * thigh
    if np.linalg.norm(n) < 1e-9 * np.linalg.norm(thigh) * np.linalg.norm(shank):
        rot = 0.0  # straight leg without a hint: any hinge orientation puts the ankle in place
    else:
        nl = r0.T @ (n / np.linalg.norm(n))
        rot = s * math.degrees(math.atan2(-nl[2], nl[0]))
    rth = r0 @ rot_y(s * rot)
    return {"hip_flex": flex, "hip_abd": abd, "hip_rot": rot, "knee_flex": hinge_x(rth, (0, -1, 0), shank)}


# --------------------------------------------------------------------------- surface


@dataclass
class Capsules:
    """Tapered capsules (round cones).

    ``a``/``b`` ``(n, 3)`` end centres, ``ra``/``rb`` ``(n,)`` end radii, ``part_a``/
    ``part_b`` material part names, ``split`` ``(n,)``: points whose axial position is
    past this fraction of the length take ``part_b`` (values > 1 mean "all ``part_a``").
    ``segment`` names the body segment of each capsule (``torso``, ``head``, ``left_arm``,
    ``right_leg`` ...).
    """

    a: np.ndarray
    b: np.ndarray
    ra: np.ndarray
    rb: np.ndarray
    part_a: list[str]
    part_b: list[str]
    split: np.ndarray
    segment: list[str]


@dataclass
class Ellipsoids:
    """Ellipsoids: centres ``(m, 3)``, ``axes`` ``(m, 3, 3)`` (columns = local x, y, z in
    world), ``semi`` ``(m, 3)`` semi-axes; ``split``: points whose local ``y / semi_y``
    exceeds it take ``part_b`` (values > 1 mean "all ``part_a``")."""

    centre: np.ndarray
    axes: np.ndarray
    semi: np.ndarray
    part_a: list[str]
    part_b: list[str]
    split: np.ndarray
    segment: list[str]

    def half_extent(self) -> np.ndarray:
        """``(m, 3)`` half-size of each ellipsoid's world-axis-aligned bounding box."""
        return np.sqrt(np.einsum("mjk,mk->mj", self.axes**2, self.semi**2))


@dataclass
class Surface:
    """Everything the renderer draws for one pose: capsules and ellipsoids."""

    caps: Capsules
    ells: Ellipsoids

    def lowest(self, segments: tuple[str, ...]) -> float:
        """Lowest world height of the surface belonging to ``segments``."""
        c, e = self.caps, self.ells
        lows = [np.inf]
        idx = [i for i, seg in enumerate(c.segment) if seg in segments]
        if idx:
            lows.append(np.min(np.minimum(c.a[idx, 1] - c.ra[idx], c.b[idx, 1] - c.rb[idx])))
        idx = [i for i, seg in enumerate(e.segment) if seg in segments]
        if idx:
            lows.append(np.min(e.centre[idx, 1] - e.half_extent()[idx, 1]))
        return float(min(lows))

    def extremes(self) -> np.ndarray:
        """Points whose bounding box contains the whole surface."""
        c, e = self.caps, self.ells
        offs = np.vstack([np.eye(3), -np.eye(3)])
        pa = (c.a[:, None, :] + c.ra[:, None, None] * offs[None]).reshape(-1, 3)
        pb = (c.b[:, None, :] + c.rb[:, None, None] * offs[None]).reshape(-1, 3)
        he = e.half_extent()
        pe = np.vstack([e.centre - he, e.centre + he])
        return np.vstack([pa, pb, pe])


#: Material parts the renderer colours.
PARTS: tuple[str, ...] = ("skin", "shirt", "bottoms", "shoe", "hair", "eye", "brow", "lip", "sole")


def torso_shapes(body: Body, root: np.ndarray, rp: np.ndarray, waist: np.ndarray,
                 rc: np.ndarray) -> tuple[list[tuple], tuple]:
    """The torso: pelvis, abdomen and chest ellipsoids ``(centre, axes, semi, part_a, part_b,
    split)`` and the shoulder-girdle capsule ``(a, b, radius)``.

    Exposed separately because floor exercises need the torso's depth below the shoulders
    and hips to rest it on the floor.
    """
    h, r = body.height, body.height * BUILDS[body.build][0]
    upper = (1.0 - body.waist_fraction) * body.trunk_length
    sw = body.shoulder_half_width
    girdle = tuple(waist + rc @ np.array([s * 0.72 * sw, upper - 0.006 * h, -0.012 * h]) for s in (1.0, -1.0))
    return [
        (root + rp @ np.array([0.0, 0.012 * h, 0.004 * h]), rp,
         np.array([body.hip_half_width + 0.036 * r, 0.07 * h, 0.056 * r]), "bottoms", "bottoms", 2.0),
        (waist + rc @ np.array([0.0, -0.012 * h, 0.0]), rc,
         np.array([0.074 * r, 0.085 * h, 0.05 * r]), "bottoms", "shirt", -0.5),
        (waist + rc @ np.array([0.0, 0.55 * upper, -0.006 * h]), rc,
         np.array([0.92 * sw, 0.5 * upper + 0.012 * h, 0.056 * r]), "shirt", "shirt", 2.0),
    ], girdle + (0.034 * r,)


def body_surface(body: Body, kin: Kinematics) -> Surface:
    """Dress the skeleton: ellipsoid torso, capsule limbs, hands, shoes, neck, head with face
    features and hair. Clothing boundaries are splits along capsule axes / ellipsoid height."""
    h = body.height
    p, f, lm = kin.points, kin.frames, kin.lm
    items: list[tuple] = []
    seg = ["torso"]

    def add(a, b, ra, rb, pa, pb=None, split=2.0):
        items.append((np.asarray(a, float), np.asarray(b, float), ra, rb, pa, pb or pa, split, seg[0]))

    rp, rc, rh = f["pelvis"], f["chest"], f["head"]
    ells, (g0, g1, gr) = torso_shapes(body, p["mid_hip"], rp, p["waist"], rc)
    add(g0, g1, gr, gr, "shirt")

    seg[0] = "head"
    neck_base = p["mid_shoulder"] - rc @ np.array([0.0, 0.01 * h, 0.004 * h])
    add(neck_base, p["neck"] + rh @ np.array([0.0, 0.012 * h, 0.002 * h]), 0.03 * h, 0.026 * h, "skin")

    sleeve = {"tank": -1.0, "tshirt": 0.42, "longsleeve": 2.0}[body.sleeve]
    for side, s in (("left", 1.0), ("right", -1.0)):
        seg[0] = f"{side}_arm"
        sh, el, wr = lm(f"{side}_shoulder"), lm(f"{side}_elbow"), lm(f"{side}_wrist")
        r_ua, r_fa = body.upper_arm_radius, body.forearm_radius
        add(sh, sh, r_ua[0] * 1.18, r_ua[0] * 1.18, "shirt" if sleeve > 0 else "skin")
        add(sh, el, r_ua[0], r_ua[1], "shirt", "skin", sleeve)
        if sleeve > 1:
            add(el, wr, r_fa[0], r_fa[1], "shirt", "skin", 0.93)
        else:
            add(el, wr, r_fa[0], r_fa[1], "skin")
        rhd = f[f"{side}_hand"]
        hp = {k: p[f"{side}_hand_{k}"] for k in _HAND_POINTS}
        hr = body.hand_radius
        add(hp["wi"], hp["ki"], hr, hr, "skin")
        add(hp["wp"], hp["kp"], hr, hr * 0.95, "skin")
        add(hp["ki"], hp["ti"], hr * 0.9, hr * 0.65, "skin")
        add(hp["kp"], hp["tp"], hr * 0.85, hr * 0.6, "skin")
        add(p[f"{side}_thumb_base"], lm(f"{side}_thumb") + rhd @ np.array([0.0, -0.1, 0.05]) * body.hand,
            hr * 0.7, hr * 0.55, "skin")

        seg[0] = f"{side}_leg"
        hip, kn, an = lm(f"{side}_hip"), lm(f"{side}_knee"), lm(f"{side}_ankle")
        r_th, r_sh = body.thigh_radius, body.shank_radius
        if body.bottoms == "shorts":
            add(hip, kn, r_th[0], r_th[1], "bottoms", "skin", 0.42)
            add(kn, an, r_sh[0], r_sh[1], "skin")
        else:
            add(hip, kn, r_th[0], r_th[1], "bottoms")
            add(kn, an, r_sh[0], r_sh[1], "bottoms", "skin", 0.9)
        rft = f[f"{side}_foot"]
        heel_ball, toe_ball = p[f"{side}_heel_ball"], p[f"{side}_toe_ball"]
        add(an, an, r_sh[1] * 1.2, r_sh[1] * 1.2, "shoe")
        add(heel_ball, toe_ball, body.heel_radius, body.toe_radius, "shoe")
        mid_foot = 0.5 * (heel_ball + toe_ball) + rft @ np.array([0.0, 0.01 * h, 0.0])
        add(an + rft @ np.array([0.0, 0.0, 0.01 * h]), mid_foot, r_sh[1] * 1.1, body.heel_radius * 0.95, "shoe")

    seg[0] = "head"
    head, hr = p["head"], body.head_radius

    def on_head(x, y, z):
        return head + rh @ (np.array([x, y, z]) * h)

    add(head, head, hr, hr, "skin")
    add(on_head(0.0, -0.012, 0.012), p["chin"], 0.04 * h, 0.022 * h, "skin")
    hair_c = on_head(*HAIR_CENTRE)
    if body.hair_style == "buzz":
        add(hair_c - rh @ np.array([0.0, 0.004 * h, -0.004 * h]), hair_c - rh @ np.array([0.0, 0.004 * h, -0.004 * h]),
            hr * 1.005, hr * 1.005, "hair")
    else:
        add(hair_c, hair_c, hr * HAIR_SCALE, hr * HAIR_SCALE, "hair")
    if body.hair_style == "ponytail":
        add(on_head(0.0, 0.02, -0.045), on_head(0.0, -0.07, -0.07), 0.017 * h, 0.01 * h, "hair")
    elif body.hair_style == "bun":
        add(on_head(0.0, 0.035, -0.045), on_head(0.0, 0.035, -0.045), 0.022 * h, 0.022 * h, "hair")
    for side, s in (("left", 1.0), ("right", -1.0)):
        eye = lm(f"{side}_eye")
        add(eye, eye, 0.0068 * h, 0.0068 * h, "eye")
        add(on_head(s * 0.009, 0.012, 0.047), on_head(s * 0.027, 0.013, 0.041), 0.0032 * h, 0.0028 * h, "brow")
        ear = lm(f"{side}_ear")
        add(ear, ear, 0.012 * h, 0.012 * h, "skin")
    add(on_head(0.0, 0.0, 0.047), lm("nose") - rh @ np.array([0.0, 0.0, 0.004 * h]), 0.006 * h, 0.0075 * h, "skin")
    lip_fwd = rh @ np.array([0.0, 0.0, 0.0085 * h])
    add(lm("mouth_left") + lip_fwd, lm("mouth_right") + lip_fwd,
        0.0042 * h, 0.0042 * h, "lip")

    caps = Capsules(
        np.array([it[0] for it in items]),
        np.array([it[1] for it in items]),
        np.array([it[2] for it in items], float),
        np.array([it[3] for it in items], float),
        [it[4] for it in items],
        [it[5] for it in items],
        np.array([it[6] for it in items], float),
        [it[7] for it in items],
    )
    el = Ellipsoids(
        np.array([e[0] for e in ells]),
        np.array([e[1] for e in ells]),
        np.array([e[2] for e in ells]),
        [e[3] for e in ells],
        [e[4] for e in ells],
        np.array([e[5] for e in ells], float),
        ["torso"] * len(ells),
    )
    return Surface(caps, el)
