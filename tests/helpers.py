"""Shared builders for synthetic pose traces: plain numpy, no cv2, no mediapipe, no video.

Conventions follow :mod:`posecheck.pose.landmarks`: image pixels with y down, world metres
with y down and z away from the camera. World landmarks are derived from the image
points (uniform scale, centred on the mid-hip) so image and world metrics agree, with
the near body side slightly closer to the camera than the far side.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np

from posecheck.core.session import ExerciseSession, FrameState, SessionResult
from posecheck.pose.landmarks import JOINT_INDEX, JOINT_NAMES, NUM_JOINTS, PoseFrame
from posecheck.specs.schema import ExerciseSpec

IMAGE_SIZE = (640, 480)
PX_PER_M = 400.0
Point = Sequence[float]


# -- single frames ---------------------------------------------------------------------------


def expand_joint(name: str) -> list[str]:
    """``"hip"`` -> both hips, ``"left_hip"`` -> itself."""
    if name in JOINT_INDEX:
        return [name]
    both = [f"left_{name}", f"right_{name}"]
    if all(n in JOINT_INDEX for n in both):
        return both
    raise KeyError(f"unknown joint {name!r}")


def _side_of(name: str) -> str | None:
    return "left" if name.startswith("left_") else "right" if name.startswith("right_") else None


def pose_frame(
    t: float,
    joints: Mapping[str, Point],
    *,
    near: str = "left",
    vis: float = 0.9,
    far_vis: float = 0.7,
    vis_overrides: Mapping[str, float] | None = None,
    world: Mapping[str, Point] | None = None,
    depth_m: float = 0.1,
    image_size: tuple[int, int] = IMAGE_SIZE,
    people: int = 1,
) -> PoseFrame:
    """A detected person from a few named image points (pixels).

    ``joints`` keys are joint names or unsided suffixes (``"hip"`` sets both hips).
    Unspecified joints are placed around the torso centre. ``near`` is the side facing the
    camera: its joints get visibility ``vis``, the far side ``far_vis``. World landmarks are
    the image points scaled to metres around the mid-hip, near side at ``z = -depth_m``;
    ``world`` overrides them per joint.
    """
    xy = np.full((NUM_JOINTS, 2), np.nan)
    for name, p in joints.items():
        for n in expand_joint(name):
            xy[JOINT_INDEX[n]] = p
    given = np.isfinite(xy[:, 0])
    if not given.any():
        raise ValueError("pose_frame needs at least one joint")
    torso_idx = [JOINT_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]
    torso_given = [i for i in torso_idx if given[i]]
    centre = xy[torso_given].mean(axis=0) if torso_given else xy[given].mean(axis=0)
    for i in np.flatnonzero(~given):
        xy[i] = centre + (((i % 5) - 2) * 3.0, ((i // 5) % 5 - 2) * 3.0)

    hips = [JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]]
    origin = xy[hips].mean(axis=0)
    w = np.zeros((NUM_JOINTS, 3))
    w[:, :2] = (xy - origin) / PX_PER_M
    v = np.full(NUM_JOINTS, vis)
    for i, name in enumerate(JOINT_NAMES):
        side = _side_of(name)
        if side is None:
            continue
        w[i, 2] = -depth_m if side == near else depth_m
        if side != near:
            v[i] = far_vis
    for name, p in (world or {}).items():
        for n in expand_joint(name):
            w[JOINT_INDEX[n]] = p
    for name, value in (vis_overrides or {}).items():
        for n in expand_joint(name):
            v[JOINT_INDEX[n]] = value
    return PoseFrame.from_arrays(t, xy, w, v, image_size=image_size, people=people)


def world_frame(t: float, world: Mapping[str, Point], vis: float = 0.9) -> PoseFrame:
    """A frame defined by world points (metres); image points are a plain projection."""
    w = np.zeros((NUM_JOINTS, 3))
    for name, p in world.items():
        for n in expand_joint(name):
            w[JOINT_INDEX[n]] = p
    xy = w[:, :2] * PX_PER_M + (320.0, 240.0)
    return PoseFrame.from_arrays(t, xy, w, np.full(NUM_JOINTS, vis))


def empty_frame(t: float) -> PoseFrame:
    return PoseFrame.empty(t, IMAGE_SIZE)


# -- driving signals --------------------------------------------------------------------------


def times(duration_s: float, fps: float = 30.0) -> np.ndarray:
    """Frame times ``0, 1/fps, ...`` covering ``duration_s``."""
    return np.arange(int(round(duration_s * fps))) / fps


def rep_signal(
    t: np.ndarray,
    rest_value: float,
    peak_values: Sequence[float],
    rep_s: float = 3.0,
    pause_s: float = 1.0,
    start_s: float = 1.0,
) -> np.ndarray:
    """One raised-cosine rep per entry of ``peak_values``, from ``rest_value`` to the peak
    and back, each lasting ``rep_s``, with ``pause_s`` at rest in between. Rep ``i``
    reaches its extreme at ``rep_peak_time(i, ...)``."""
    t = np.asarray(t, np.float64)
    out = np.full(t.shape, float(rest_value))
    for i, peak in enumerate(peak_values):
        t0 = start_s + i * (rep_s + pause_s)
        inside = (t >= t0) & (t <= t0 + rep_s)
        phase = (t[inside] - t0) / rep_s
        out[inside] = rest_value + (peak - rest_value) * (1 - np.cos(2 * np.pi * phase)) / 2
    return out


def rep_peak_time(i: int, rep_s: float = 3.0, pause_s: float = 1.0, start_s: float = 1.0) -> float:
    return start_s + i * (rep_s + pause_s) + rep_s / 2


def rep_duration(n: int, rep_s: float = 3.0, pause_s: float = 1.0, start_s: float = 1.0, tail_s: float = 1.0) -> float:
    """Clip length for ``n`` reps of :func:`rep_signal` plus a tail at rest."""
    return start_s + n * rep_s + (n - 1) * pause_s + tail_s


def jitter(values: np.ndarray, sigma: float, seed: int = 0) -> np.ndarray:
    """Add seeded Gaussian noise."""
    rng = np.random.default_rng(seed)
    return np.asarray(values, np.float64) + rng.normal(0.0, sigma, np.shape(values))


def in_spans(t: np.ndarray, spans: Iterable[tuple[float, float]]) -> np.ndarray:
    """Mask of times inside any half-open span ``[a, b)``."""
    t = np.asarray(t, np.float64)
    mask = np.zeros(t.shape, bool)
    for a, b in spans:
        mask |= (t >= a - 1e-9) & (t < b - 1e-9)
    return mask


# -- frame sequences --------------------------------------------------------------------------


def with_gaps(frames: list[PoseFrame], spans: Iterable[tuple[float, float]]) -> list[PoseFrame]:
    """Replace the frames inside the spans by frames in which nobody was detected."""
    t = np.array([f.t for f in frames])
    gone = in_spans(t, spans)
    return [PoseFrame.empty(f.t, f.image_size) if g else f for f, g in zip(frames, gone, strict=True)]


def with_low_visibility(frames: list[PoseFrame], mask: np.ndarray, vis: float = 0.2) -> list[PoseFrame]:
    """Frames where ``mask`` is true keep their points but every joint gets visibility ``vis``."""
    out = []
    for f, low in zip(frames, mask, strict=True):
        if low:
            f = PoseFrame(f.t, f.image_xy, f.world_xyz, np.full(NUM_JOINTS, vis, np.float32), f.image_size, f.people)
        out.append(f)
    return out


def near_side_schedule(t: np.ndarray, first: str = "left", switch_at_s: Sequence[float] = ()) -> list[str]:
    """Which body side faces the camera at each time, switching sides at the given times."""
    other = {"left": "right", "right": "left"}
    out = []
    for ti in t:
        side = first
        for s in switch_at_s:
            if ti >= s:
                side = other[side]
        out.append(side)
    return out


def run_session(spec: ExerciseSpec, frames: Iterable[PoseFrame]) -> tuple[list[FrameState], SessionResult]:
    session = ExerciseSession(spec)
    states = [session.update(f) for f in frames]
    return states, session.result()


# -- exercise poses (side view, head to the left unless stated) ---------------------------------


def bridge_joints(hip_angle_deg: float, near: str = "left") -> dict[str, Point]:
    """Lying on the back, feet flat: shoulders and knees fixed, hips raised until the
    shoulder-hip-knee angle is ``hip_angle_deg`` (isosceles triangle). The hip's offset
    from the knee-shoulder line is then ``-cot(angle / 2) / 2`` of the line length.
    ``near`` is the side toward the camera: it decides which end of the picture the head is at."""
    theta = math.radians(min(max(hip_angle_deg, 60.0), 179.5))
    s = np.array([150.0, 400.0])
    k = np.array([450.0, 330.0])
    m, half = (s + k) / 2, np.linalg.norm(k - s) / 2
    d = (k - s) / (2 * half)
    down = np.array([-d[1], d[0]])  # normal pointing to larger y (the floor side)
    h = half / math.tan(theta / 2)
    hip = m + h * down
    joints = {
        "shoulder": s, "hip": hip, "knee": k, "ankle": (470.0, 440.0), "heel": (465.0, 445.0),
        "foot_index": (500.0, 445.0), "elbow": (230.0, 440.0), "wrist": (310.0, 445.0),
        "nose": (90.0, 390.0), "ear": (110.0, 395.0),
    }
    # Lying on the back with the left side toward the camera, the head is on the image's
    # right (with the right side toward it, on the left): the chest must point up in 3D.
    if near == "right":
        return joints
    return {name: (IMAGE_SIZE[0] - float(p[0]), float(p[1])) for name, p in joints.items()}


def bridge_offset(hip_angle_deg: float) -> float:
    """The glute bridge ``hip_line`` metric for :func:`bridge_joints` at this angle."""
    return -1.0 / math.tan(math.radians(hip_angle_deg) / 2) / 2


def plank_joints(sag: float = 0.0) -> dict[str, Point]:
    """Forearm plank: elbows under the shoulders, hip on the shoulder-ankle line moved
    ``sag`` line lengths towards the floor (so ``body_line`` = ``-sag``), knee halfway
    between hip and ankle (knee angle 180)."""
    s = np.array([150.0, 300.0])
    a = np.array([520.0, 390.0])
    d = a - s
    length = np.linalg.norm(d)
    down = np.array([-d[1], d[0]]) / length
    hip = s + 0.45 * d + sag * length * down
    return {
        "shoulder": s, "elbow": (150.0, 390.0), "wrist": (230.0, 392.0), "hip": hip,
        "knee": (hip + a) / 2, "ankle": a, "heel": (530.0, 392.0), "foot_index": (545.0, 396.0),
        "nose": (110.0, 320.0), "ear": (130.0, 305.0),
    }


def standing_joints() -> dict[str, Point]:
    """Standing upright (out of any floor position)."""
    return {
        "shoulder": (300.0, 100.0), "elbow": (300.0, 180.0), "wrist": (300.0, 250.0), "hip": (300.0, 250.0),
        "knee": (300.0, 330.0), "ankle": (300.0, 410.0), "heel": (295.0, 415.0), "foot_index": (320.0, 415.0),
        "nose": (310.0, 60.0), "ear": (300.0, 65.0),
    }


def bird_dog_joints(left_hip_angle: float, right_hip_angle: float) -> dict[str, Point]:
    """On all fours; each leg's shoulder-hip-knee angle is given (90 = knee under the hip,
    180 = leg reaching straight back). The shin stays horizontal behind the knee; the thigh
    is 0.85 torso lengths, as in an adult."""
    s, h, b = np.array([200.0, 250.0]), np.array([400.0, 250.0]), 170.0
    out: dict[str, Point] = {
        "shoulder": s, "hip": h, "elbow": (200.0, 300.0), "wrist": (200.0, 350.0),
        "nose": (160.0, 240.0), "ear": (180.0, 235.0),
    }
    for side, angle in (("left", left_hip_angle), ("right", right_hip_angle)):
        th = math.radians(angle)
        knee = h + b * np.array([-math.cos(th), math.sin(th)])
        out[f"{side}_knee"] = knee
        out[f"{side}_ankle"] = knee + (b, 0.0)
        out[f"{side}_heel"] = knee + (b + 5.0, 0.0)
        out[f"{side}_foot_index"] = knee + (b + 5.0, 10.0)
    return out


def side_plank_joints(lower: str = "left") -> dict[str, Point]:
    """Side plank seen from the front, lying on the ``lower`` side: that side's shoulder,
    hip and knee are on one straight line with the elbow stacked under the shoulder; the
    upper arm rests along the body (its upper_arm tilt is ~76 deg from vertical)."""
    upper = "right" if lower == "left" else "left"

    def line(y0: float) -> dict[str, np.ndarray]:
        s, k = np.array([200.0, y0]), np.array([560.0, y0 + 30.0])
        return {"shoulder": s, "hip": s + (k - s) * (200.0 / 360.0), "knee": k, "ankle": k + (80.0, 5.0)}

    out: dict[str, Point] = {}
    for name, p in line(330.0).items():
        out[f"{lower}_{name}"] = p
    for name, p in line(280.0).items():
        out[f"{upper}_{name}"] = p
    out[f"{lower}_elbow"], out[f"{lower}_wrist"] = (200.0, 400.0), (280.0, 405.0)
    out[f"{upper}_elbow"], out[f"{upper}_wrist"] = (280.0, 300.0), (380.0, 300.0)
    out["nose"] = (140.0, 300.0)
    return out


def frames_from(
    t: np.ndarray,
    joints_at: Callable[[int, float], Mapping[str, Point]],
    near: Sequence[str] | str = "left",
    **kw,
) -> list[PoseFrame]:
    """Build one frame per time from ``joints_at(index, t)``."""
    nears = [near] * len(t) if isinstance(near, str) else list(near)
    return [pose_frame(float(ti), joints_at(i, float(ti)), near=nears[i], **kw) for i, ti in enumerate(t)]


class RecordingEngine:
    """A voice engine that keeps what it was asked to say (and is never busy)."""

    def __init__(self):
        self.texts: list[str] = []

    def start(self, text):
        self.texts.append(text)

    def busy(self):
        return False

    def close(self):
        pass
