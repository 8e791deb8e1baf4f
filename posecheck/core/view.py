"""Which way the camera sees the body: side, front, rear or oblique, from world landmarks.

Which way a person faces is told by the chest while it points across the room (standing,
sitting, lying on one side) and by the head while the chest points at the ceiling or the
floor (lying on the back or front, on all fours, hinged forward): a person on all fours
faces the camera when their head points at it, and is seen from the side when their long
axis runs across the image. The heading blends the two by how upright the chest is, and the
angle between that heading and the camera's line of sight gives the view.
"""

from __future__ import annotations

import math
from collections import Counter, deque

import numpy as np

from posecheck.pose.landmarks import JOINT_INDEX, PoseFrame

_LS, _RS = JOINT_INDEX["left_shoulder"], JOINT_INDEX["right_shoulder"]
_LH, _RH = JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]
#: Within this many degrees of head-on the camera sees the front (or, from behind, the rear).
FRONT_WITHIN_DEG = 22.5


def facing_angle_deg(frame: PoseFrame) -> float:
    """0° = the person faces the camera, 90° = seen from the side, 180° = seen from behind.

    The chest direction (right hip → left hip crossed with hips → shoulders) counts while it
    is level, the head direction (hips → shoulders) while the chest is vertical; both are
    taken along the floor (MediaPipe world axes: x right, y down, z away from the camera).
    The chest alone reads a person lying or on all fours as "side" from every camera, so a
    cue meant for a head-on camera would never be judged and one meant for the side would be
    judged head-on.
    """
    if not frame.detected:
        return math.nan
    w = frame.world_xyz.astype(np.float64)
    up = (w[_LS] + w[_RS]) / 2 - (w[_LH] + w[_RH]) / 2
    chest = np.cross(w[_LH] - w[_RH], up)
    chest_norm, up_norm = np.linalg.norm(chest), np.linalg.norm(up)
    if not (chest_norm > 0 and up_norm > 0):
        return math.nan
    chest, up = chest / chest_norm, up / up_norm
    head_weight = _head_weight(math.degrees(math.acos(min(1.0, abs(chest[1])))))
    heading = chest * (1.0 - head_weight) + up * head_weight
    heading_x, heading_z = heading[0], heading[2]
    if not math.hypot(heading_x, heading_z) > 1e-9:
        return math.nan
    return math.degrees(math.atan2(abs(heading_x), -heading_z))


def _head_weight(chest_from_vertical_deg: float) -> float:
    """How much the head direction decides the heading: all of it with the chest within 30 deg
    of the vertical, none past 60, smoothly between. A side plank's chest, level but tilted
    up to 30 deg by the camera's height and the model's depth, stays with the chest alone."""
    x = min(1.0, max(0.0, (60.0 - chest_from_vertical_deg) / 30.0))
    return x * x * (3.0 - 2.0 * x)


def view_name(angle_deg: float) -> str | None:
    """Name a facing angle: front < 22.5° ≤ oblique < 60° ≤ side ≤ 120° < oblique ≤ 157.5° < rear.

    Front and rear are as narrow as the synthetic clips' view names (within 22.5° of head-on):
    the model reads a camera at 45° as 20-32° on some bodies, and a cue judged from the front
    only (a hip line across the picture) must not be judged there. Side stays wide, as people
    label a plank filmed 30° off the side "side"."""
    if not math.isfinite(angle_deg):
        return None
    if angle_deg < FRONT_WITHIN_DEG:
        return "front"
    if angle_deg < 60 or 120 < angle_deg <= 180 - FRONT_WITHIN_DEG:
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
