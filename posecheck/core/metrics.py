"""Evaluate a spec's named metrics on one :class:`PoseFrame` for a given working side.

Joint templates are resolved here: ``side_hip`` → ``left_hip`` when the working side is
left, ``other_wrist`` → ``right_wrist``, ``mid_shoulder`` → the midpoint of both
shoulders. Every metric is visibility-gated: if any joint it needs is below the spec's
``min_visibility`` the value is NaN, so a joint the model is only guessing is never scored.

Each metric kind is one function in :data:`METRIC_FUNCTIONS`, registered by the name the
spec schema declares in :data:`posecheck.specs.schema.METRIC_KINDS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from posecheck.core import geometry
from posecheck.pose.landmarks import JOINT_INDEX, PoseFrame
from posecheck.specs.schema import METRIC_KINDS, MetricSpec

SIDES = ("left", "right")
OPPOSITE = {"left": "right", "right": "left"}

_LS, _RS = JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"]
_LH, _RH = JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]
_BODY_AXES_JOINTS = (_LS, _RS, _LH, _RH)


def resolve_joint(ref: str, side: str) -> tuple[int, ...]:
    """Landmark indices behind a joint reference (two for a ``mid_`` midpoint)."""
    if ref.startswith("side_"):
        return (JOINT_INDEX[f"{side}_{ref[5:]}"],)
    if ref.startswith("other_"):
        return (JOINT_INDEX[f"{OPPOSITE[side]}_{ref[6:]}"],)
    if ref.startswith("mid_"):
        return (JOINT_INDEX[f"left_{ref[4:]}"], JOINT_INDEX[f"right_{ref[4:]}"])
    return (JOINT_INDEX[ref],)


@dataclass(frozen=True)
class FrameGeometry:
    """The frame-wide quantities some metric kinds need besides their own joints.

    ``coords`` are the landmarks in the metric's space; ``world`` the 3D world landmarks
    (for the body's directions, which need depth); ``torso`` the shoulder-hip distance in
    ``coords`` units.
    """

    coords: np.ndarray
    world: np.ndarray
    torso: float
    image: bool

    def forward(self) -> np.ndarray:
        """The horizontal direction the body faces, in the metric's space (see :func:`geometry.body_forward`).

        In image space the world direction is projected onto the picture (x right, y down);
        when it points mostly at or away from the camera the image cannot show it: NaN.
        """
        f = geometry.body_forward(self.world[_LH], self.world[_RH], geometry.WORLD_UP)
        if not self.image:
            return f
        flat = f[:2]
        return flat / np.linalg.norm(flat) if np.linalg.norm(flat) > 0.3 else np.full(2, np.nan)

    def up(self) -> np.ndarray:
        return geometry.WORLD_UP if not self.image else np.array([0.0, -1.0])


MetricFunction = Callable[[list[np.ndarray], MetricSpec, FrameGeometry], float]


def _angle(p, spec, g):
    return geometry.angle_deg(*p)


def _tilt(p, spec, g):
    return geometry.tilt_deg(p[0], p[1], spec.reference or "horizontal")


def _elevation(p, spec, g):
    return geometry.elevation_deg(p[0], p[1])


def _lean(p, spec, g):
    return geometry.signed_lean_deg(p[0], p[1], g.forward())


def _ahead(p, spec, g):
    if not g.torso > 0:
        return math.nan
    return float(np.dot(np.asarray(p[0], np.float64) - p[1], g.forward())) / g.torso


def _trunk_axis(w: np.ndarray) -> np.ndarray:
    """From mid-hip to mid-shoulder, in the world landmarks ``w``."""
    return (w[_LS] + w[_RS]) / 2 - (w[_LH] + w[_RH]) / 2


def _chest(g) -> np.ndarray:
    """Where the chest points, 3D: the shoulder line, not the hip line, since the chest stays
    flat in a supine twist while the pelvis turns."""
    w = g.world.astype(np.float64)
    return geometry.body_forward(w[_LS], w[_RS], _trunk_axis(w))


def _out_of_plane_deg(direction: np.ndarray, normal: np.ndarray) -> float:
    """Signed angle of ``direction`` out of the plane whose unit normal is ``normal``."""
    n = float(np.linalg.norm(direction))
    if not (n > 0 and np.isfinite(normal).all()):
        return math.nan
    return math.degrees(math.asin(max(-1.0, min(1.0, float(np.dot(direction, normal)) / n))))


def _facing(p, spec, g):
    return _out_of_plane_deg(geometry.WORLD_UP, _chest(g))


def _rise(p, spec, g):
    # Body-relative, so the model's tilted "up" (it follows the camera) does not enter.
    return _out_of_plane_deg(np.asarray(p[1], np.float64) - p[0], _chest(g))


def _roll(p, spec, g):
    # Measured in the plane square to the trunk and against a body line (the shoulders, which
    # stay on the floor in a supine twist), so neither the model's camera-tilted "up" nor a
    # pelvis the model turns too little enters.
    axis = _trunk_axis(g.world.astype(np.float64))
    if not np.linalg.norm(axis) > 0:
        return math.nan
    axis = axis / np.linalg.norm(axis)
    segment = np.asarray(p[1], np.float64) - p[0]
    across = np.asarray(p[2], np.float64) - p[3]
    segment = segment - np.dot(segment, axis) * axis
    across = across - np.dot(across, axis) * axis
    if not np.linalg.norm(across) > 0:
        return math.nan
    return _out_of_plane_deg(segment, across / np.linalg.norm(across))


def _offset(p, spec, g):
    toward = g.forward() if spec.toward == "forward" else g.up()
    return geometry.signed_offset(p[0], p[1], p[2], toward)


def _height_diff(p, spec, g):
    return geometry.height_diff(p[0], p[1], g.torso)


def _distance_ratio(p, spec, g):
    denom = geometry.distance(p[2], p[3])
    return geometry.distance(p[0], p[1]) / denom if denom > 0 else math.nan


def _segment_angle(p, spec, g):
    return geometry.segment_angle_deg(*p)


#: One function per metric kind declared in the spec schema.
METRIC_FUNCTIONS: dict[str, MetricFunction] = {
    "angle": _angle,
    "tilt": _tilt,
    "elevation": _elevation,
    "lean": _lean,
    "ahead": _ahead,
    "facing": _facing,
    "rise": _rise,
    "roll": _roll,
    "offset": _offset,
    "height_diff": _height_diff,
    "distance_ratio": _distance_ratio,
    "segment_angle": _segment_angle,
}
assert set(METRIC_FUNCTIONS) == set(METRIC_KINDS), "every metric kind in the schema needs a function here"

#: Kinds that need the body's facing direction (shoulders and hips visible) besides their joints.
_NEEDS_FACING = {name for name, kind in METRIC_KINDS.items() if kind.body_axes}


@dataclass(frozen=True)
class CompiledMetric:
    """A metric spec with joint indices resolved for both working sides."""

    name: str
    spec: MetricSpec
    joints: dict[str, tuple[tuple[int, ...], ...]]

    @classmethod
    def compile(cls, name: str, spec: MetricSpec) -> CompiledMetric:
        return cls(name, spec, {s: tuple(resolve_joint(j, s) for j in spec.joints) for s in SIDES})

    def uses_side(self) -> bool:
        return any(j.startswith(("side_", "other_")) for j in self.spec.joints)

    def joint_indices(self, side: str) -> list[int]:
        return sorted({i for group in self.joints[side] for i in group})

    def evaluate(self, frame: PoseFrame, side: str, min_visibility: float) -> float:
        """The metric's value on ``frame`` (NaN if nobody is there or a joint is not visible)."""
        if not frame.detected:
            return math.nan
        image = self.spec.space == "image"
        coords = frame.image_xy if image else frame.world_xyz
        points = []
        for group in self.joints[side]:
            if any(not frame.visibility[i] >= min_visibility for i in group):
                return math.nan
            points.append(coords[group[0]] if len(group) == 1 else (coords[group[0]] + coords[group[1]]) * 0.5)
        if self.spec.kind in _NEEDS_FACING or self.spec.toward == "forward":
            if any(not frame.visibility[i] >= min_visibility for i in _BODY_AXES_JOINTS):
                return math.nan
        g = FrameGeometry(coords, frame.world_xyz, torso_length(coords), image)
        return float(METRIC_FUNCTIONS[self.spec.kind](points, self.spec, g))


def torso_length(coords: np.ndarray) -> float:
    """Mid-shoulder to mid-hip distance in the units of ``coords`` (33 landmarks, image or
    world): the body length that heights and offsets are measured in."""
    return geometry.distance((coords[_LS] + coords[_RS]) * 0.5, (coords[_LH] + coords[_RH]) * 0.5)


def side_visibility(frame: PoseFrame, indices: dict[str, list[int]]) -> dict[str, float]:
    """Mean visibility of the joints a spec uses on each side (0 when nobody is there)."""
    if not frame.detected:
        return {s: 0.0 for s in SIDES}
    return {s: float(np.nanmean(frame.visibility[idx])) if idx else 0.0 for s, idx in indices.items()}
