"""Evaluate a spec's named metrics on one :class:`PoseFrame` for a given working side.

Joint templates are resolved here: ``side_hip`` → ``left_hip`` when the working side is
left, ``other_wrist`` → ``right_wrist``, ``mid_shoulder`` → the midpoint of both
shoulders. Every metric is visibility-gated: if any joint it needs is below the spec's
``min_visibility`` the value is NaN, so a joint the model is only guessing is never scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from posecheck.core import geometry
from posecheck.pose.landmarks import JOINT_INDEX, PoseFrame
from posecheck.specs.schema import MetricSpec

SIDES = ("left", "right")
OPPOSITE = {"left": "right", "right": "left"}


def resolve_joint(ref: str, side: str) -> tuple[int, ...]:
    """Landmark indices behind a joint reference (two for a ``mid_`` midpoint)."""
    if ref.startswith("side_"):
        return (JOINT_INDEX[f"{side}_{ref[5:]}"],)
    if ref.startswith("other_"):
        return (JOINT_INDEX[f"{OPPOSITE[side]}_{ref[6:]}"],)
    if ref.startswith("mid_"):
        return (JOINT_INDEX[f"left_{ref[4:]}"], JOINT_INDEX[f"right_{ref[4:]}"])
    return (JOINT_INDEX[ref],)


_TORSO = ((JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"]), (JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]))


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
        coords = frame.world_xyz if self.spec.space == "world" else frame.image_xy
        points = []
        for group in self.joints[side]:
            if any(not frame.visibility[i] >= min_visibility for i in group):
                return math.nan
            points.append(coords[group[0]] if len(group) == 1 else coords[list(group)].mean(axis=0))
        kind = self.spec.kind
        if kind == "angle":
            return geometry.angle_deg(*points)
        if kind == "tilt":
            return geometry.tilt_deg(points[0], points[1], self.spec.reference or "horizontal")
        if kind == "offset":
            return geometry.line_offset(*points)
        if kind == "height_diff":
            shoulders = coords[list(_TORSO[0])].mean(axis=0)
            hips = coords[list(_TORSO[1])].mean(axis=0)
            return geometry.height_diff(points[0], points[1], geometry.distance(shoulders, hips))
        if kind == "distance_ratio":
            denom = geometry.distance(points[2], points[3])
            return geometry.distance(points[0], points[1]) / denom if denom > 0 else math.nan
        if kind == "segment_angle":
            return geometry.segment_angle_deg(*points)
        raise AssertionError(f"unhandled metric kind {kind}")


def side_visibility(frame: PoseFrame, indices: dict[str, list[int]]) -> dict[str, float]:
    """Mean visibility of the joints a spec uses on each side (0 when nobody is there)."""
    if not frame.detected:
        return {s: 0.0 for s in SIDES}
    return {s: float(np.nanmean(frame.visibility[idx])) if idx else 0.0 for s, idx in indices.items()}
