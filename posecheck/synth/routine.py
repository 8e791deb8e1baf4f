"""Routines: several exercises in one clip, one subject, one room, one camera, exact truth.

A :class:`RoutineRequest` is an ordered list of :class:`Segment` objects (an exercise with
its own reps or hold seconds, faults, and optionally its camera view, side and tempo) plus
what they share: subject, scene, seed, frame rate, size, camera elevation and distance, the
rest at each end of a segment (``rest_s``) and the transition between segments
(``transition_s``). The text form, as ``posecheck synth --routine`` reads it
(:func:`parse_routine`)::

    glute_bridge:reps=3,dead_bug:reps=4:fault=back_arching:20@reps=2,forearm_plank:hold=8,squat:reps=3:view=front

Segments are separated by commas, a segment's options by colons: ``reps=N``,
``hold=SECONDS``, ``fault=NAME[:DEGREES][@reps=1,3][@t=2-6]`` (repeatable, the syntax of
``--fault``), ``view=VIEW``, ``side=SIDE``, ``tempo=SECONDS``.

Timeline: segment 1 (rest, reps or hold, rest), transition, segment 2 ... Each segment is
laid out exactly as a single clip of its exercise (:func:`~posecheck.synth.timeline.build_timeline`
with ``lead_s = rest_s``), shifted to its start time, so its truth is the single clip's truth
plus an offset.

Placement: the camera never moves; a segment's view is obtained by turning the subject
about the vertical axis (the side view of a plank and the front view of a squat are the
same camera, with the subject turned by 90 deg). Every segment's floor area is centred on
the same spot of the room.

Transitions: the body moves from the last pose of one segment to the first pose of the next
through intermediate postures of a small posture graph (standing, crouching, kneeling,
seated, on all fours, prone, supine, lying on either side: standing to supine sits down
first, standing to a plank kneels and goes on all fours, supine to prone rolls over a side
or, when the head must end where the feet were, sits up, crouches and goes on all fours).
Between two postures the joint angles (hips, knees and spine folding early and unfolding
late) and the root position are interpolated and the root orientation turned along the
shortest rotation, with cosine easing; each move gets a share of the transition's time in
proportion to how far it moves the body. Every frame the body is then raised or lowered so
its lowest surface point is where the two postures' own floor placements put it (on the
floor), so transitions are continuous and stay on the floor. They are not meant to look
like a real person getting up or down, only to be trackable.

:func:`plan_routine` returns a :class:`RoutinePlan`, which :func:`~posecheck.synth.clip.render_frames`,
:func:`~posecheck.synth.clip.truth_pose_frames` and :func:`~posecheck.synth.clip.write_clip`
accept like a single clip's plan (:func:`~posecheck.synth.clip.plan_clip` plans a routine
request too). Its labels entry carries a ``segments`` list (see ``docs/labels.md``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields

import cv2
import numpy as np

from posecheck.pose.landmarks import suggest
from posecheck.synth.camera import VIEWS, Camera, fit_camera, view_label
from posecheck.synth.clip import (
    GENERATOR_VERSION,
    MIN_DISTANCE_PER_M,
    SynthRequest,
    _mat_rect,
    _r,
    body_for,
    dosage_labels,
    request_fields,
    request_to_dict,
)
from posecheck.synth.keyframed import BASES, mirror_pose
from posecheck.synth.motion import Exercise, make_exercise, parse_fault
from posecheck.synth.motion_file import load_motion
from posecheck.synth.options import SceneOptions, SubjectOptions
from posecheck.synth.skeleton import LANDMARK_NAMES, Body, Pose, body_surface, forward, rot_y
from posecheck.synth.timeline import FaultWindow, Timeline, build_timeline, ease

#: Default seconds of a transition between two segments.
TRANSITION_S = 2.0
#: Default seconds of rest at each end of a segment (a single clip's ``lead_s``).
REST_S = 1.0
#: Most segments a routine may have.
MAX_SEGMENTS = 20
#: The exercise name a routine's labels entry carries (no spec has it: batch lists it as skipped).
ROUTINE_EXERCISE = "routine"
#: The fixed camera's horizontal direction (from the subject): +x.
_CAMERA_DIR = (1.0, 0.0, 0.0)
_CAMERA_HEADING = (0.0, 0.0, 1.0)

_OPTIONS = ("reps", "hold", "fault", "view", "side", "tempo")
_OPTION_HELP = ("reps=N, hold=SECONDS, fault=NAME[:DEGREES][@reps=1,3][@t=2-6] (repeatable), "
                f"view=<{'|'.join(VIEWS)}>, side=SIDE, tempo=SECONDS")


# --------------------------------------------------------------------------- request


@dataclass(frozen=True)
class Segment:
    """One exercise of a routine. ``reps`` only for rep exercises, ``hold_s`` only for holds
    (None: 5 reps / 10 s, a single clip's defaults); ``faults`` as a single clip's
    (``FaultSpec`` or ``"name:magnitude[@reps=..][@t=a-b]"``); ``view`` None takes the
    routine's view, else the motion file's; ``side`` and ``tempo_s`` as in
    :class:`~posecheck.synth.clip.SynthRequest`."""

    exercise: str
    reps: int | None = None
    hold_s: float | None = None
    faults: tuple = ()
    view: str | None = None
    side: str | None = None
    tempo_s: float | None = None

    def __post_init__(self) -> None:
        motion = load_motion(self.exercise)
        mode = motion.spec.mode
        if mode == "hold" and self.reps is not None:
            raise ValueError(f"{self.exercise} is a hold; give hold=SECONDS, not reps")
        if mode == "reps" and self.hold_s is not None:
            raise ValueError(f"{self.exercise} is a rep exercise; give reps=N, not hold")
        if self.reps is not None and (isinstance(self.reps, bool) or not isinstance(self.reps, int)):
            raise ValueError(f"reps must be a whole number, got {self.reps!r}")
        specs = tuple(parse_fault(f, motion) if isinstance(f, str) else f for f in self.faults)
        object.__setattr__(self, "faults", specs)
        if self.view is not None and self.view not in VIEWS:
            raise ValueError(f"unknown view {self.view!r}{suggest(self.view, list(VIEWS))}; valid: {', '.join(VIEWS)}")

    def to_text(self) -> str:
        """The segment in :func:`parse_routine`'s syntax (round-trips)."""
        parts = [self.exercise]
        if self.reps is not None:
            parts.append(f"reps={self.reps}")
        if self.hold_s is not None:
            parts.append(f"hold={_num(self.hold_s)}")
        parts += [f"fault={spec.to_text()}" for spec in self.faults]
        for key, value in (("view", self.view), ("side", self.side)):
            if value is not None:
                parts.append(f"{key}={value}")
        if self.tempo_s is not None:
            parts.append(f"tempo={_num(self.tempo_s)}")
        return ":".join(parts)

    def to_dict(self) -> dict:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["faults"] = [spec.to_text() for spec in self.faults]
        return d


def _num(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


@dataclass(frozen=True)
class RoutineRequest:
    """Everything that defines a routine clip (see the module docstring).

    ``segments`` accepts :class:`Segment` objects, dicts of their fields, or segment texts
    (``"dead_bug:reps=4"``). ``view`` is the default view of segments without their own;
    ``elevation_deg`` None uses the largest of the segments' motion-file elevations (one
    camera for floor and standing work looks down enough for the floor); ``rest_s`` is the
    rest at each end of every segment, ``transition_s`` the time between two segments.
    Errors are one-line ``ValueError`` naming the segment: ``routine segment 2 (dead_bug): ...``.
    """

    segments: tuple
    view: str | None = None
    elevation_deg: float | None = None
    distance_m: float | None = None
    subject: SubjectOptions = field(default_factory=SubjectOptions)
    scene: SceneOptions = field(default_factory=SceneOptions)
    fps: float = 24.0
    size: tuple[int, int] = (640, 480)
    seed: int = 0
    transition_s: float = TRANSITION_S
    rest_s: float = REST_S

    def __post_init__(self) -> None:
        segs = self.segments
        if isinstance(segs, str):
            segs = parse_routine(segs)
        segs = tuple(segs)
        if not segs:
            raise ValueError("a routine needs at least one segment, e.g. 'glute_bridge:reps=3,forearm_plank:hold=8'")
        if len(segs) > MAX_SEGMENTS:
            raise ValueError(f"a routine has at most {MAX_SEGMENTS} segments, got {len(segs)}")
        out = []
        for i, seg in enumerate(segs):
            name = seg.exercise if isinstance(seg, Segment) else seg.get("exercise") if isinstance(seg, dict) else None
            try:
                if isinstance(seg, str):
                    (seg,) = parse_routine(seg, first=i + 1)
                elif isinstance(seg, dict):
                    d = dict(seg)
                    d["faults"] = tuple(d.get("faults", ()))
                    seg = Segment(**d)
                elif not isinstance(seg, Segment):
                    raise ValueError(f"expected a Segment, a dict or a segment text, got {seg!r}")
            except ValueError as exc:
                raise ValueError(_in_segment(i, name, exc)) from None
            except TypeError as exc:
                raise ValueError(_in_segment(i, name, f"bad segment fields: {exc}")) from None
            out.append(seg)
        object.__setattr__(self, "segments", tuple(out))
        object.__setattr__(self, "size", tuple(int(v) for v in self.size))
        if self.view is not None and self.view not in VIEWS:
            raise ValueError(f"unknown view {self.view!r}{suggest(self.view, list(VIEWS))}; valid: {', '.join(VIEWS)}")
        if not 0.5 <= self.transition_s <= 10.0:
            raise ValueError(f"a transition lasts 0.5 to 10 seconds, got {self.transition_s:g}")
        if not 0.0 <= self.rest_s <= 10.0:
            raise ValueError(f"the rest at each end of a segment lasts 0 to 10 seconds, got {self.rest_s:g}")
        for i in range(len(self.segments)):
            try:
                self.clip_request(i)  # the single-clip checks: dosage, faults, side, size, fps, seed ...
            except ValueError as exc:
                msg = str(exc).replace("lead_s", "rest_s")
                raise ValueError(_in_segment(i, self.segments[i].exercise, msg)) from None

    @property
    def elevation(self) -> float:
        """The camera elevation actually used (degrees)."""
        if self.elevation_deg is not None:
            return float(self.elevation_deg)
        return max(float(load_motion(s.exercise).spec.camera.elevation_deg) for s in self.segments)

    def clip_request(self, i: int) -> SynthRequest:
        """Segment ``i`` as a single clip's request (same subject, room, seed and camera
        elevation; ``lead_s`` is the routine's ``rest_s``)."""
        seg = self.segments[i]
        return SynthRequest(
            seg.exercise,
            reps=seg.reps if seg.reps is not None else 5,
            hold_s=seg.hold_s if seg.hold_s is not None else 10.0,
            faults=seg.faults,
            view=seg.view if seg.view is not None else self.view,
            elevation_deg=self.elevation,
            distance_m=self.distance_m,
            subject=self.subject,
            scene=self.scene,
            fps=self.fps,
            size=self.size,
            seed=self.seed,
            tempo_s=seg.tempo_s,
            side=seg.side,
            lead_s=self.rest_s,
        )

    def to_text(self) -> str:
        """The segments in :func:`parse_routine`'s syntax."""
        return ",".join(s.to_text() for s in self.segments)

    def to_dict(self) -> dict:
        """JSON-friendly form; :meth:`from_dict` rebuilds the identical request."""
        d = request_to_dict(self)
        d["segments"] = [s.to_dict() for s in self.segments]
        return d

    @classmethod
    def from_dict(cls, data: dict) -> "RoutineRequest":
        d = request_fields(data)
        d["segments"] = tuple(d.get("segments", ()))
        return cls(**d)


def _in_segment(i: int, name, exc) -> str:
    what = f" ({name})" if isinstance(name, str) and name else ""
    return f"routine segment {i + 1}{what}: {exc}"


def request_from_dict(data: dict) -> SynthRequest | RoutineRequest:
    """The request a labels entry's ``synth.request`` records, a single clip's or a routine's."""
    return RoutineRequest.from_dict(data) if "segments" in data else SynthRequest.from_dict(data)


# --------------------------------------------------------------------------- text form

_SEGMENT_SPLIT = re.compile(r",(?=\s*[A-Za-z])")  # not the commas of @reps=1,3
_OPTION_SPLIT = re.compile(r":(?=\s*[A-Za-z_][A-Za-z0-9_]*\s*=)")  # not the colon of name:degrees


def parse_routine(text: str, first: int = 1) -> tuple[Segment, ...]:
    """Read ``exercise[:option=value...][,exercise...]`` into segments (see the module
    docstring); one-line ``ValueError`` naming the segment and the valid choices."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty routine; give segments like 'glute_bridge:reps=3,forearm_plank:hold=8'")
    out = []
    for i, part in enumerate(_SEGMENT_SPLIT.split(text.strip())):
        index = first - 1 + i
        tokens = [t.strip() for t in _OPTION_SPLIT.split(part.strip())]
        name = tokens[0]
        try:
            out.append(_segment(name, tokens[1:]))
        except ValueError as exc:
            raise ValueError(_in_segment(index, name if re.fullmatch(r"[a-z_][a-z0-9_]*", name) else None,
                                         exc)) from None
    return tuple(out)


def _segment(name: str, options: list[str]) -> Segment:
    if not name:
        raise ValueError("missing exercise name; segments look like 'dead_bug:reps=4'")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(f"cannot read {name!r} as an exercise name; segments look like 'dead_bug:reps=4', "
                         f"options {_OPTION_HELP}")
    kw: dict = {"faults": []}
    for option in options:
        key, eq, value = option.partition("=")
        key, value = key.strip(), value.strip()
        if key not in _OPTIONS:
            raise ValueError(f"unknown option {key!r}{suggest(key, list(_OPTIONS))}; options: {_OPTION_HELP}")
        if not value:
            raise ValueError(f"{key}= needs a value; options: {_OPTION_HELP}")
        if key == "fault":
            kw["faults"].append(value)
            continue
        if key in kw:
            raise ValueError(f"{key} given twice; keep one")
        if key == "reps":
            try:
                kw["reps"] = int(value)
            except ValueError:
                raise ValueError(f"reps={value!r} is not a whole number") from None
        elif key in ("hold", "tempo"):
            try:
                number = float(value)
            except ValueError:
                raise ValueError(f"{key}={value!r} is not a number of seconds") from None
            if not math.isfinite(number):
                raise ValueError(f"{key}={value!r} is not a number of seconds")
            kw["hold_s" if key == "hold" else "tempo_s"] = number
        else:
            kw[key] = value
    kw["faults"] = tuple(kw["faults"])
    return Segment(name, **kw)


# --------------------------------------------------------------------------- rotations


def _quat(m: np.ndarray) -> np.ndarray:
    """Unit quaternion (w, x, y, z) of a rotation matrix."""
    t = np.trace(m)
    if t > 0.0:
        s = 2.0 * math.sqrt(t + 1.0)
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * math.sqrt(max(1.0 + m[i, i] - m[j, j] - m[k, k], 1e-300))
        q = [0.0, 0.0, 0.0, 0.0]
        q[0] = (m[k, j] - m[j, k]) / s
        q[1 + i] = 0.25 * s
        q[1 + j] = (m[j, i] + m[i, j]) / s
        q[1 + k] = (m[k, i] + m[i, k]) / s
    q = np.array(q, float)
    return q / np.linalg.norm(q)


def _matrix(q: np.ndarray) -> np.ndarray:
    w, x, y, z = q
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
        [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
        [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
    ])


def slerp(r0: np.ndarray, r1: np.ndarray, w: float) -> np.ndarray:
    """The rotation a fraction ``w`` of the way from ``r0`` to ``r1`` along the shortest turn
    (exactly ``r0`` at 0 and ``r1`` at 1)."""
    if w <= 0.0:
        return np.array(r0, float)
    if w >= 1.0:
        return np.array(r1, float)
    q0, q1 = _quat(r0), _quat(r1)
    d = float(np.dot(q0, q1))
    if d < 0.0:
        q1, d = -q1, -d
    if d > 0.9999995:
        q = q0 + w * (q1 - q0)
    else:
        th = math.acos(min(1.0, d))
        q = (math.sin((1.0 - w) * th) * q0 + math.sin(w * th) * q1) / math.sin(th)
    return _matrix(q / np.linalg.norm(q))


def rotation_deg(r0: np.ndarray, r1: np.ndarray) -> float:
    """Angle (degrees) of the rotation taking ``r0`` to ``r1``."""
    c = (float(np.trace(np.asarray(r0).T @ np.asarray(r1))) - 1.0) / 2.0
    return math.degrees(math.acos(max(-1.0, min(1.0, c))))


def _yaw_to(d: np.ndarray, target=_CAMERA_DIR) -> np.ndarray:
    """Rotation about the vertical that turns the horizontal direction ``d`` onto ``target``."""
    ang = math.degrees(math.atan2(target[0], target[2]) - math.atan2(d[0], d[2]))
    return rot_y(ang)


# --------------------------------------------------------------------------- postures


#: The posture graph transitions walk: which postures a body moves between directly.
POSTURE_GRAPH: dict[str, tuple[str, ...]] = {
    "standing": ("kneeling", "crouching", "seated"),
    "crouching": ("standing", "seated", "quadruped", "kneeling"),
    "kneeling": ("standing", "quadruped", "crouching"),
    "seated": ("supine", "crouching", "standing", "side_left", "side_right"),
    "quadruped": ("prone", "kneeling", "crouching"),
    "prone": ("quadruped", "side_left", "side_right"),
    "supine": ("seated", "side_left", "side_right"),
    "side_left": ("supine", "prone", "seated"),
    "side_right": ("supine", "prone", "seated"),
}
#: Postures in which the body may turn about the vertical (in this order of preference).
TURNABLE = ("standing", "seated", "kneeling", "crouching", "quadruped")
#: A heading mismatch up to this many degrees is spread over a transition instead of a turn.
SMALL_TURN_DEG = 20.0
#: Cost (degrees-like) of each intermediate posture and factor on a turn made lying down.
_VIA_COST, _LYING_TURN_FACTOR = 20.0, 3.0

#: Heading change (deg, about +y) of the natural move from one posture to the next, in the
#: postures' own conventions (keyframed BASES: standing, crouching, kneeling and seated face +z, supine
#: lies with the head toward -z, prone and on all fours with the head toward +z, on a side
#: with the head toward +x (left side) or -x (right side) and the chest toward +z). Rolling
#: from the back onto a side and on to the front keeps the head where it was, which in these
#: conventions is a half turn; every other move keeps the heading.
_EDGE_TURN: dict[tuple[str, str], float] = {
    ("supine", "side_left"): 90.0, ("supine", "side_right"): -90.0,
    ("side_left", "prone"): 90.0, ("side_right", "prone"): -90.0,
}


def _edge_turn(a: str, b: str) -> float:
    if (a, b) in _EDGE_TURN:
        return _EDGE_TURN[a, b]
    return -_EDGE_TURN.get((b, a), 0.0)


def _wrap(deg: float) -> float:
    """``deg`` in (-180, 180]."""
    d = (deg + 180.0) % 360.0 - 180.0
    return 180.0 if d == -180.0 else d


def posture_class(body: Body, pose: Pose) -> str:
    """Which node of :data:`POSTURE_GRAPH` a pose is in, from the pelvis orientation and height
    (and the knees, to tell kneeling from seated)."""
    left, up, ant = pose.root_rot[:, 0], pose.root_rot[:, 1], pose.root_rot[:, 2]
    h = body.height
    if up[1] > 0.7:
        if pose.root_pos[1] > 0.4 * h:
            return "standing"
        knees = 0.5 * (pose.a("left_knee_flex") + pose.a("right_knee_flex"))
        hips = 0.5 * (pose.a("left_hip_flex") + pose.a("right_hip_flex"))
        return "kneeling" if knees > 45.0 and hips < 45.0 else "seated"
    if ant[1] > 0.5:
        return "supine"
    if ant[1] < -0.5:
        return "quadruped" if pose.root_pos[1] > 0.18 * h else "prone"
    return "side_left" if left[1] < 0.0 else "side_right"


#: Sitting on the floor with the knees up, hands toward the knees: the seated posture of
#: transitions (the keyframed base sits with straight legs, which would have to swing through
#: a long arc on the way to kneeling or standing). With these angles the soles rest flat
#: about as low as the seat, for any body (the proportions scale with height).
_SEATED_TUCKED = {f"{side}_{name}": value for side in ("left", "right")
                  for name, value in (("hip_flex", 130.0), ("knee_flex", 85.0), ("ankle_dorsi", -40.0),
                                      ("shoulder_flex", 45.0), ("elbow_flex", 30.0))}


#: A deep crouch on flat feet, trunk leaning forward, arms forward: between sitting on the
#: floor and kneeling or going on all fours (the body does not stand up in between).
_CROUCHING = {"spine_flex": 25.0, **{f"{side}_{name}": value for side in ("left", "right")
              for name, value in (("hip_flex", 115.0), ("knee_flex", 130.0), ("ankle_dorsi", 18.0),
                                  ("shoulder_flex", 60.0), ("elbow_flex", 20.0))}}


def _posture_pose(body: Body, name: str) -> Pose:
    """The named posture (pelvis at the origin, heading 0)."""
    base = {"side_left": "side_lying", "side_right": "side_lying", "crouching": "standing"}.get(name, name)
    frame, angles = BASES[base].posture(body)
    if name == "seated":
        angles = dict(_SEATED_TUCKED)
    elif name == "crouching":
        angles = dict(_CROUCHING)
    pose = Pose(np.zeros(3), frame, angles)
    return mirror_pose(pose) if name == "side_right" else pose


def heading_deg(frame: np.ndarray, rot: np.ndarray) -> float:
    """The turn about the vertical (deg) that brings the posture frame ``frame`` closest to
    the pelvis orientation ``rot`` (closed form: maximises the trace of their product)."""
    m = np.asarray(rot) @ np.asarray(frame).T
    return math.degrees(math.atan2(m[0, 2] - m[2, 0], m[0, 0] + m[2, 2]))


def posture_paths(start: str, goal: str, max_nodes: int = 6) -> list[list[str]]:
    """Every path from ``start`` to ``goal`` in :data:`POSTURE_GRAPH` with at most
    ``max_nodes`` postures and no posture twice (but for ``start == goal``: ``[start, start]``
    is the direct move), shortest first."""
    out: list[list[str]] = [[start, goal]] if start == goal else []

    def walk(path: list[str]) -> None:
        if len(path) > 1 and path[-1] == goal:
            out.append(path)
            return
        if len(path) >= max_nodes:
            return
        for nxt in POSTURE_GRAPH[path[-1]]:
            if nxt not in path or (nxt == goal and len(path) >= 2):
                walk(path + [nxt])

    walk([start])
    return sorted(out, key=len)


def _lowest(body: Body, pose: Pose) -> tuple[float, np.ndarray, np.ndarray]:
    """(lowest surface height, landmarks, surface extremes) of a pose."""
    kin = forward(body, pose)
    ext = body_surface(body, kin).extremes()
    return float(ext[:, 1].min()), kin.landmarks, ext


@dataclass
class _Key:
    """A posture a transition passes through: the placed pose and its lowest surface height."""

    pose: Pose
    low: float


#: Joints that fold early and unfold late in a transition (:func:`_fold_first`).
_FOLDING = ("spine_flex",) + tuple(f"{side}_{j}" for side in ("left", "right") for j in ("hip_flex", "knee_flex"))


def _fold_first(name: str, value: float, change: float, w: float) -> float:
    """Share of the change of joint ``name`` done at fraction ``w`` of a move: hips, knees and
    spine flex early and extend late, so the body stays compact in the middle of a move (legs
    straightening before the pelvis has turned upright would stand the body up on its feet
    between two floor postures); other joints move evenly."""
    if name not in _FOLDING or change == 0.0:
        return w
    folding = abs(value + change) > abs(value)
    return 1.0 - (1.0 - w) ** 2 if folding else w * w


def _blend(body: Body, a: _Key, b: _Key, w: float) -> tuple[Pose, np.ndarray, np.ndarray]:
    """The pose a fraction ``w`` from ``a`` to ``b`` (exactly ``a`` at 0, ``b`` at 1), its
    lowest point at the interpolated floor placement; also its landmarks and surface extremes."""
    names = set(a.pose.angles) | set(b.pose.angles)
    angles = {}
    for n in sorted(names):
        # joint angles enter the kinematics through rotations only: take the short way round
        d = _wrap(b.pose.a(n) - a.pose.a(n))
        angles[n] = a.pose.a(n) + _fold_first(n, a.pose.a(n), d, w) * d
    pose = Pose((1.0 - w) * a.pose.root_pos + w * b.pose.root_pos, slerp(a.pose.root_rot, b.pose.root_rot, w), angles)
    low, lms, ext = _lowest(body, pose)
    dy = 0.0 if w in (0.0, 1.0) else ((1.0 - w) * a.low + w * b.low) - low
    shift = np.array([0.0, dy, 0.0])
    pose.root_pos = pose.root_pos + shift
    return pose, lms + shift, ext + shift


#: Samples per leg when measuring how far its fastest landmark travels.
_LEG_SAMPLES = 8


#: Degrees of joint or pelvis rotation that count as much as a metre of landmark travel.
_DEG_PER_M = 120.0


def _leg_length(body: Body, a: _Key, b: _Key) -> float:
    """How much there is to move from ``a`` to ``b``: how far (m) the landmark that travels
    furthest moves (sampled), or the largest joint angle change or the pelvis rotation (at
    :data:`_DEG_PER_M`), whichever is more."""
    pts = np.array([_blend(body, a, b, w)[1] for w in np.linspace(0.0, 1.0, _LEG_SAMPLES + 1)])
    travel = float(np.linalg.norm(np.diff(pts, axis=0), axis=2).sum(axis=0).max())
    names = set(a.pose.angles) | set(b.pose.angles)
    joint = max((abs(_wrap(b.pose.a(n) - a.pose.a(n))) for n in names), default=0.0)
    turn = rotation_deg(a.pose.root_rot, b.pose.root_rot)
    return max(travel, joint / _DEG_PER_M, turn / _DEG_PER_M)


@dataclass
class _Route:
    """A candidate route: postures with their headings, where a turn in place happens (index
    in ``path``, None: no turn) and by how much, and the penalty of turning while lying."""

    path: list[str]
    headings: list[float]
    turn_at: int | None
    turn: float
    penalty: float


class Transition:
    """The move from the placed pose ``start`` to the placed pose ``end``.

    The route is the cheapest walk through :data:`POSTURE_GRAPH` (up to four intermediate
    postures): each move keeps the body's heading as the postures' conventions say
    (:data:`_EDGE_TURN`); what heading is left over at the end is spread over the route when
    small, else made up by a turn in place in the route's posture that best allows one
    (:data:`TURNABLE`; the start or end pose itself when it is that posture). The cost adds
    up the pelvis rotations, a constant per intermediate posture and a penalty for turning
    while lying, so supine to prone on the same side of the camera sits up, crouches and goes
    on all fours (the head must end where the feet were), while supine to prone facing the
    other way rolls over.
    """

    def __init__(self, body: Body, start: Pose, end: Pose, start_low: float, end_low: float):
        self.body = body
        a, b = posture_class(body, start), posture_class(body, end)
        frames = {name: _posture_pose(body, name) for name in POSTURE_GRAPH}
        psi_a = heading_deg(frames[a].root_rot, start.root_rot)
        psi_b = heading_deg(frames[b].root_rot, end.root_rot)
        best: tuple[float, _Route] | None = None
        for path in posture_paths(a, b):
            route = self._route(path, psi_a, psi_b)
            rots = [rot for _, rot in self._plan(route, start, end, frames)]
            cost = sum(rotation_deg(r0, r1) for r0, r1 in zip(rots, rots[1:]))
            cost += _VIA_COST * (len(path) - 2) + route.penalty
            if best is None or cost < best[0] - 1e-9:
                best = (cost, route)
        self.route = best[1]
        self.path = self.route.path
        self.keys = self._keys(self.route, start, end, start_low, end_low, frames)
        # each move gets time in proportion to how far its fastest landmark travels (plus a
        # little), so every move of the transition has about the same top speed
        weights = [_leg_length(body, k0, k1) + 0.05 for k0, k1 in zip(self.keys, self.keys[1:])]
        self.bounds = np.concatenate([[0.0], np.cumsum(weights) / sum(weights)])
        self.bounds[-1] = 1.0

    @staticmethod
    def _route(path: list[str], psi_a: float, psi_b: float) -> _Route:
        """Headings along ``path`` and where the leftover turn is made."""
        heads = [psi_a]
        for p, q in zip(path, path[1:]):
            heads.append(heads[-1] + _edge_turn(p, q))
        delta = _wrap(psi_b - heads[-1])
        spots = [i for i, n in enumerate(path) if n in TURNABLE]
        if abs(delta) > SMALL_TURN_DEG and spots:
            turn_at = min(spots, key=lambda i: (TURNABLE.index(path[i]), i))
            heads = [h + (delta if k > turn_at else 0.0) for k, h in enumerate(heads)]
            return _Route(path, heads, turn_at, delta, 0.0)
        m = len(path) - 1
        heads = [h + delta * k / m for k, h in enumerate(heads)]
        penalty = _LYING_TURN_FACTOR * abs(delta) if abs(delta) > SMALL_TURN_DEG else 0.0
        return _Route(path, heads, None, 0.0, penalty)

    @staticmethod
    def _plan(route: _Route, start: Pose, end: Pose, frames: dict[str, Pose]) -> list[tuple[int, np.ndarray]]:
        """``(index in the path, pelvis orientation)`` of every key of the route: the turn is
        two keys of the same posture."""
        n = len(route.path)
        out: list[tuple[int, np.ndarray]] = []
        for k, name in enumerate(route.path):
            if 0 < k < n - 1:
                rot = rot_y(route.headings[k]) @ frames[name].root_rot
            else:
                rot = start.root_rot if k == 0 else end.root_rot
            if route.turn_at == k == n - 1:  # turn in the end pose: arrive unturned
                out.append((k, rot_y(-route.turn) @ rot))
            out.append((k, rot))
            if route.turn_at == k < n - 1:
                out.append((k, rot_y(route.turn) @ rot))
        return out

    def _keys(self, route: _Route, start: Pose, end: Pose, start_low: float, end_low: float,
              frames: dict[str, Pose]) -> list[_Key]:
        """The placed postures of the route."""
        body, n = self.body, len(route.path)
        keys: list[_Key] = []
        for k, rot in self._plan(route, start, end, frames):
            if k == 0:
                keys.append(_Key(Pose(start.root_pos, rot, dict(start.angles)), start_low))
            elif k == n - 1:
                keys.append(_Key(Pose(end.root_pos, rot, dict(end.angles)), end_low))
            else:
                frac = k / (n - 1)
                pos = (1.0 - frac) * start.root_pos + frac * end.root_pos
                pose = Pose(np.array([pos[0], 0.0, pos[2]]), rot, dict(frames[route.path[k]].angles))
                low, _, _ = _lowest(body, pose)
                pose.root_pos = pose.root_pos - np.array([0.0, low, 0.0])
                keys.append(_Key(pose, 0.0))
        keys[0], keys[-1] = _Key(start, start_low), _Key(end, end_low)  # the very poses of the segments
        return keys

    def at(self, u: float) -> tuple[Pose, np.ndarray, np.ndarray]:
        """Pose, landmarks and surface extremes at fraction ``u`` of the transition's time."""
        u = min(1.0, max(0.0, u))
        j = min(int(np.searchsorted(self.bounds, u, side="right")) - 1, len(self.keys) - 2)
        lo, hi = self.bounds[j], self.bounds[j + 1]
        return _blend(self.body, self.keys[j], self.keys[j + 1], ease((u - lo) / (hi - lo)))


# --------------------------------------------------------------------------- plan


@dataclass
class SegmentPlan:
    """One segment placed in the routine: its single-clip request, exercise and timeline
    (local times), its start and end in the routine (``from_s``/``to_s``, rests included),
    and the turn and shift that place its poses in the room."""

    index: int
    request: SynthRequest
    exercise: Exercise
    timeline: Timeline
    from_s: float
    to_s: float
    turn: np.ndarray
    shift: np.ndarray


@dataclass
class RoutineTimeline:
    """What the renderer and the labels need of a routine's timeline: the segments, the
    transitions' ``(from_s, to_s)`` and every fault window in routine time."""

    duration_s: float
    segments: list[SegmentPlan]
    transitions: list[tuple[float, float]]
    faults: list[FaultWindow]


@dataclass
class RoutinePlan:
    """A routine with every frame's pose decided and the camera placed, but no pixels; the
    fields :func:`~posecheck.synth.clip.render_frames` and
    :func:`~posecheck.synth.clip.truth_pose_frames` read are a single clip's.
    ``frame_segment`` is the segment index of every frame (-1 in a transition)."""

    request: RoutineRequest
    body: Body
    timeline: RoutineTimeline
    times: np.ndarray
    poses: list[Pose]
    metrics: list[dict]
    states: list[tuple[float, str | None, int | None]]
    joints_world: np.ndarray
    joints_px: np.ndarray
    camera: Camera
    footprint: tuple[float, float, float, float]
    mat: tuple[float, float, float, float] | None
    frame_segment: np.ndarray
    transitions: list[Transition]
    labels: dict

    @property
    def segments(self) -> list[SegmentPlan]:
        return self.timeline.segments

    @property
    def n_frames(self) -> int:
        return len(self.times)

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.request.fps


def _placed(pose: Pose, turn: np.ndarray, shift: np.ndarray) -> Pose:
    return Pose(turn @ pose.root_pos + shift, turn @ pose.root_rot, dict(pose.angles))


def plan_routine(req: RoutineRequest) -> RoutinePlan:
    """Lay out the segments and transitions, solve every frame's pose, fit the one camera and
    build the labels entry (no rendering)."""
    body = body_for(req.subject)
    fps = req.fps
    segs: list[SegmentPlan] = []
    t = 0.0
    for i in range(len(req.segments)):
        sreq = req.clip_request(i)
        ex = make_exercise(sreq.motion, body, sreq.side)
        tl = build_timeline(ex, sreq.reps, sreq.hold_s, sreq.faults, tempo_s=sreq.tempo_s, lead_s=req.rest_s,
                            seed=req.seed)
        az = math.radians(sreq.azimuth)
        d = math.cos(az) * np.asarray(ex.lateral, float) + math.sin(az) * np.asarray(ex.heading, float)
        if i:
            t += req.transition_s
        segs.append(SegmentPlan(i, sreq, ex, tl, t, t + tl.duration_s, _yaw_to(d), np.zeros(3)))
        t += tl.duration_s
    duration = t
    n = int(math.floor(duration * fps + 1e-9))
    times = np.arange(n, dtype=np.float64) / fps
    frame_segment = np.full(n, -1, dtype=np.int64)
    for seg in segs:
        frame_segment[(times >= seg.from_s) & (times < seg.to_s)] = seg.index

    # Segment poses, turned; cached by state like plan_clip; then centred on the room's spot.
    caches: list[dict] = []
    ends: list[tuple] = []
    for seg in segs:
        cache: dict = {}

        def solve(local: float, seg=seg, cache=cache):
            p, side, amounts, rep = seg.timeline.state(local)
            key = (p, side, tuple(sorted(amounts.items())))
            if key not in cache:
                pose, met = seg.exercise.pose(p, amounts, side)
                pose = _placed(pose, seg.turn, np.zeros(3))
                low, lms, ext = _lowest(body, pose)
                cache[key] = [pose, met, lms, ext, low]
            return key, (p, side, rep)

        keys = [solve(float(tk) - seg.from_s) for tk in times[frame_segment == seg.index]]
        first, _ = solve(0.0)
        last, _ = solve(seg.timeline.duration_s)
        ext = np.concatenate([v[3] for v in cache.values()])
        centre = 0.5 * (ext.min(axis=0) + ext.max(axis=0))
        seg.shift = np.array([-centre[0], 0.0, -centre[2]])
        for v in cache.values():
            v[0] = Pose(v[0].root_pos + seg.shift, v[0].root_rot, v[0].angles)
            v[2] = v[2] + seg.shift
            v[3] = v[3] + seg.shift
        caches.append(cache)
        ends.append((keys, cache[first], cache[last]))

    transitions = [Transition(body, ends[i][2][0], ends[i + 1][1][0], ends[i][2][4], ends[i + 1][1][4])
                   for i in range(len(segs) - 1)]
    poses: list[Pose] = []
    metrics: list[dict] = []
    states: list[tuple] = []
    joints = np.empty((n, len(LANDMARK_NAMES), 3))
    # camera fit on every third frame (as a single clip) and the segments' end poses
    extent_pts = [e[1][3] for e in ends] + [e[2][3] for e in ends]
    seg_frames = [iter(e[0]) for e in ends]
    for k, tk in enumerate(times):
        s = int(frame_segment[k])
        if s >= 0:
            key, state = next(seg_frames[s])
            pose, met, lms, _, _ = caches[s][key]
            poses.append(pose)
            metrics.append({**{name: float(v) for name, v in met.items()}, "progress": float(state[0])})
            states.append(state)
            joints[k] = lms
            if k % 3 == 0 or k == n - 1:
                extent_pts.append(caches[s][key][3])
            continue
        i = max(j for j in range(len(segs)) if segs[j].to_s <= tk + 1e-12)
        u = (float(tk) - segs[i].to_s) / req.transition_s
        pose, lms, ext = transitions[i].at(u)
        poses.append(pose)
        metrics.append({"progress": 0.0})
        states.append((0.0, None, None))
        joints[k] = lms
        if k % 3 == 0 or k == n - 1:
            extent_pts.append(ext)
    # a routine repeats many surface points (rests, holds): the camera fit only needs each once
    # (to the centimetre)
    ext = np.unique(np.round(np.concatenate(extent_pts), 2), axis=0)
    cam = fit_camera(ext, 0.0, req.elevation, req.size, req.scene.fov_deg, req.distance_m,
                     lateral=_CAMERA_DIR, heading=_CAMERA_HEADING, min_distance_m=MIN_DISTANCE_PER_M * body.height)
    foot = (float(ext[:, 0].min()), float(ext[:, 2].min()), float(ext[:, 0].max()), float(ext[:, 2].max()))
    use_mat = req.scene.mat if req.scene.mat is not None else any(s.exercise.motion.spec.mat for s in segs)
    mat = _mat_rect(foot, body.height) if use_mat else None
    px = np.stack([cam.project(j)[0] for j in joints]) if n else np.empty((0, 33, 2))
    windows = sorted((FaultWindow(w.name, w.magnitude_deg, w.from_s + s.from_s, w.to_s + s.from_s, w.rep)
                      for s in segs for w in s.timeline.faults), key=lambda w: (w.from_s, w.name))
    rtl = RoutineTimeline(duration, segs, [(a.to_s, b.from_s) for a, b in zip(segs, segs[1:])], windows)
    plan = RoutinePlan(req, body, rtl, times, poses, metrics, states, joints, px, cam, foot, mat, frame_segment,
                       transitions, {})
    plan.labels = routine_labels(plan)
    return plan


# --------------------------------------------------------------------------- labels


def segment_labels(seg: SegmentPlan) -> dict:
    """The ``segments`` entry of one segment: its exercise, window, view and the single-clip
    dosage fields (reps or hold, faults, active windows) in routine time."""
    sreq, ex = seg.request, seg.exercise
    fields_, _ = dosage_labels(ex, seg.timeline, seg.from_s)
    entry = {
        "exercise": ex.motion.exercise,
        "from_s": _r(seg.from_s),
        "to_s": _r(seg.to_s),
        "mode": ex.mode,
        "view": view_label(sreq.azimuth),
        "variant": ex.variant + (" with injected " + ", ".join(s.to_text() for s in sreq.faults)
                                 if sreq.faults else ""),
        "side": ex.side,
    }
    entry.update(fields_)
    return entry


def routine_labels(plan: RoutinePlan) -> dict:
    """The labels entry of a routine clip: whole-clip fields where they make sense across
    exercises (``active_windows_s``, ``faults``, context), ``segments`` for the rest."""
    req, rtl = plan.request, plan.timeline
    segments = [segment_labels(s) for s in rtl.segments]
    for i, entry in enumerate(segments):
        for f in entry["faults"]:
            f.setdefault("segment", i)
    views = {e["view"] for e in segments}
    w, h = req.size
    px = plan.joints_px
    visible = bool(np.all((px[..., 0] >= 0) & (px[..., 0] <= w - 1) & (px[..., 1] >= 0) & (px[..., 1] <= h - 1)))
    steps = "; ".join(f"{e['exercise']} {e['from_s']:.2f}-{e['to_s']:.2f} s" for e in segments)
    return {
        "file": None,
        "exercise": ROUTINE_EXERCISE,
        "variant": "synthetic routine: " + ", ".join(s.to_text() for s in req.segments),
        "mode": "mixed",
        "view": views.pop() if len(views) == 1 else "mixed",
        "reps": None, "partial_reps": None, "reps_tolerance": None,
        "rep_peaks_s": [], "partial_rep_peaks_s": [], "per_side": None,
        "hold_s": None, "hold_window_s": None, "hold_windows_s": None, "hold_tolerance_s": None,
        "position_s": None, "position_windows_s": None,
        "active_windows_s": [win for e in segments for win in e["active_windows_s"]],
        "faults": [f for e in segments for f in e["faults"]],
        "segments": segments,
        "transition_windows_s": [[_r(a), _r(b)] for a, b in rtl.transitions],
        "whole_body_visible": True if visible else "partial",
        "camera_cuts": False,
        "confidence": "high",
        "notes": (f"Synthetic routine from posecheck.synth (seed {req.seed}, one camera at elevation "
                  f"{req.elevation:g} deg, {req.fps:g} fps): {steps}; {req.transition_s:g} s transitions between "
                  f"segments, {req.rest_s:g} s rest at each end of a segment. Each segment's times are exact from "
                  "its motion script, as in a single clip; the whole-clip reps and hold are null (see segments)."),
        "duration_s": _r(plan.duration_s),
        "synth": {
            "generator": "posecheck.synth",
            "generator_version": GENERATOR_VERSION,
            "kind": "routine",
            "seed": req.seed,
            "elevation_deg": req.elevation,
            "distance_m": round(float(np.linalg.norm(plan.camera.position - plan.camera.target)), 4),
            "segments": [{"exercise": s.request.exercise, "view": s.request.view or s.exercise.default_view,
                          "azimuth_deg": s.request.azimuth} for s in rtl.segments],
            "transitions": [{"from_s": _r(a), "to_s": _r(b), "postures": tr.path}
                            for (a, b), tr in zip(rtl.transitions, plan.transitions)],
            "subject": req.subject.to_dict(),
            "scene": req.scene.to_dict(),
            "versions": {"numpy": np.__version__, "opencv": cv2.__version__},
            "request": req.to_dict(),
        },
    }
