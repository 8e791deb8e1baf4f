"""Which way the camera sees the body: side, front, rear or oblique, from world landmarks.

The body's forward direction is the cross product of its up axis (mid-hip → mid-shoulder)
and its left-right axis (right hip → left hip); it works the same standing, lying on the
back, on all fours or lying on one side. The angle between that direction and the
camera's line of sight gives the view.
"""

from __future__ import annotations

import math
from collections import Counter, deque

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


class ViewTracker:
    """The camera view, steady against landmark jitter: ``update()`` on every frame.

    The facing angle comes from the model's depth, which jitters by centimetres from frame to
    frame: a side plank filmed at 52-58 deg (oblique) read 61-82 deg (side) on single frames.
    Near a boundary a per-frame view flips back and forth, and a cue limited to some views is
    judged on the odd frame where it cannot be trusted. The view here is the one seen on the
    most frames of the last ``window_s`` seconds; it changes only when another view has more
    frames there (a tie keeps it). Frames without a person give None; after
    ``reset_after_s`` without one, the next person starts afresh.
    """

    def __init__(self, window_s: float = 1.0, reset_after_s: float = 1.0):
        if not 0 < window_s <= 10:
            raise ValueError(f"window_s must be in (0, 10] seconds, got {window_s}")
        self.window_s = window_s
        self.reset_after_s = reset_after_s
        self._recent: deque[tuple[float, str]] = deque()
        self._view: str | None = None

    def update(self, frame: PoseFrame) -> str | None:
        """The view of this frame (None when nobody, or no body axes, is seen)."""
        raw = view_name(facing_angle_deg(frame))
        if raw is None:
            return None
        if self._recent and frame.t - self._recent[-1][0] > self.reset_after_s:
            self._recent.clear()
            self._view = None
        self._recent.append((frame.t, raw))
        while frame.t - self._recent[0][0] > self.window_s:
            self._recent.popleft()
        counts = Counter(view for _, view in self._recent).most_common()
        leader_clear = len(counts) == 1 or counts[0][1] > counts[1][1]
        if self._view is None or (counts[0][0] != self._view and leader_clear):
            self._view = counts[0][0]
        return self._view
