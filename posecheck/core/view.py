"""Which way the camera sees the body: side, front, rear or oblique, from world landmarks.

The body's forward direction is the cross product of its up axis (mid-hip → mid-shoulder)
and its left-right axis (right hip → left hip); it works the same standing, lying on the
back, on all fours or lying on one side. The angle between that direction and the
camera's line of sight gives the view.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.pose.landmarks import JOINT_INDEX, PoseFrame

_LS, _RS = JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"]
_LH, _RH = JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]


def facing_angle_deg(frame: PoseFrame) -> float:
    """0° = the person faces the camera, 90° = seen from the side, 180° = seen from behind."""
    if not frame.detected:
        return math.nan
    w = frame.world_xyz.astype(np.float64)
    up = (w[_LS] + w[_RS]) / 2 - (w[_LH] + w[_RH]) / 2
    across = w[_LH] - w[_RH]
    forward = np.cross(across, up)
    norm = np.linalg.norm(forward)
    if not norm > 0:
        return math.nan
    # MediaPipe world axes: x right, y down, z away from the camera; the camera looks along +z.
    to_camera = np.array([0.0, 0.0, -1.0])
    cos = float(np.dot(forward / norm, to_camera))
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


def view_name(angle_deg: float) -> str | None:
    """Name a facing angle: front < 30° ≤ oblique < 60° ≤ side ≤ 120° < oblique ≤ 150° < rear."""
    if not math.isfinite(angle_deg):
        return None
    if angle_deg < 30:
        return "front"
    if angle_deg < 60 or 120 < angle_deg <= 150:
        return "oblique"
    if angle_deg <= 120:
        return "side"
    return "rear"
