"""From a request to frames, ground truth and a labels entry.

:func:`plan_clip` runs the motion script for every frame time (no pixels: fast), places the
camera and writes the labels entry; :func:`render_frames` rasterises the planned frames;
:func:`write_clip` does both and writes an ``.mp4``. Everything is a pure function of the
request: the same request and library versions give byte-identical frames.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field, fields

import cv2
import numpy as np

from posecheck.synth.camera import VIEWS, Camera, fit_camera, view_label
from posecheck.pose.landmarks import suggest
from posecheck.synth.motion import Exercise, FaultSpec, check_side, fault_def, make_exercise, parse_fault
from posecheck.synth.motion_file import Motion, load_motion
from posecheck.synth.options import SceneOptions, SubjectOptions, from_dict
from posecheck.synth.render import Renderer
from posecheck.synth.skeleton import LANDMARK_NAMES, Body, Pose, body_surface, forward
from posecheck.synth.timeline import PEAK_PROGRESS, Timeline, build_timeline, check_dosage, check_faults

#: The automatic camera distance is at least this many times the subject's height.
MIN_DISTANCE_PER_M = 1.2
#: Seconds of tolerance written into hold labels.
HOLD_TOLERANCE_S = 0.5
#: Bumped when a change alters the frames or labels produced for the same request.
GENERATOR_VERSION = 2


def request_to_dict(request) -> dict:
    """A request dataclass as JSON-friendly fields: subject and scene as dicts, size as a list."""
    d = {f.name: getattr(request, f.name) for f in fields(request)}
    d["subject"] = request.subject.to_dict()
    d["scene"] = request.scene.to_dict()
    d["size"] = list(request.size)
    return d


def request_fields(data: dict) -> dict:
    """The inverse of :func:`request_to_dict` for the fields every request has."""
    d = dict(data)
    d["subject"] = from_dict(SubjectOptions, d.get("subject", {}))
    d["scene"] = from_dict(SceneOptions, d.get("scene", {}))
    if "size" in d:
        d["size"] = tuple(d["size"])
    return d


@dataclass(frozen=True)
class SynthRequest:
    """Everything that defines a synthetic clip.

    ``faults`` accepts :class:`FaultSpec` objects or ``"name:magnitude[@reps=..][@t=a-b]"``
    strings. ``exercise`` is any exercise with a motion file
    (:func:`~posecheck.synth.motion_file.motion_names`). ``view`` and ``elevation_deg``
    None use the motion file's camera; ``azimuth_deg`` overrides the view's azimuth.
    ``side`` is the rep order of an alternating exercise (``alternate`` = left first,
    ``alternate_right``, ``left``, ``right``; the bird dog's side is its moving leg) or the
    side of a one-sided one (the side plank's supporting arm, ``right`` / ``left``).
    ``tempo_s`` is seconds per rep (holds: scales the lift and lowering); ``rest_between_s``
    overrides the rest between two reps. ``timing_faults`` names the spec's timing cues (too
    fast, no pause at the top) that the tempo is meant to trip: the labels expect each on
    every rep. ``lead_s`` is the rest before and after the set.
    """

    exercise: str
    reps: int = 5
    hold_s: float = 10.0
    faults: tuple = ()
    view: str | None = None
    azimuth_deg: float | None = None
    elevation_deg: float | None = None
    distance_m: float | None = None
    subject: SubjectOptions = field(default_factory=SubjectOptions)
    scene: SceneOptions = field(default_factory=SceneOptions)
    fps: float = 24.0
    size: tuple[int, int] = (640, 480)
    seed: int = 0
    tempo_s: float | None = None
    side: str | None = None
    lead_s: float = 1.0
    rest_between_s: float | None = None
    timing_faults: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        motion = load_motion(self.exercise)
        specs = tuple(parse_fault(f, motion) if isinstance(f, str) else f for f in self.faults)
        for spec in specs:
            if not isinstance(spec, FaultSpec):
                raise ValueError(f"faults must be FaultSpec or 'name:magnitude' strings, got {spec!r}")
            fdef = fault_def(motion, spec.name)
            if not 0.0 < spec.magnitude_deg <= fdef.max_deg:
                raise ValueError(f"{spec.name} magnitude must be in (0, {fdef.max_deg:g}] degrees")
        object.__setattr__(self, "faults", specs)
        check_dosage(self.reps, self.hold_s, self.tempo_s)
        check_faults(motion, self.reps, self.hold_s, specs)
        object.__setattr__(self, "size", tuple(int(v) for v in self.size))
        if self.view is not None and self.view not in VIEWS:
            raise ValueError(f"unknown view {self.view!r}{suggest(self.view, list(VIEWS))}; "
                             f"valid: {', '.join(VIEWS)} (or give azimuth_deg)")
        w, h = self.size
        if not (64 <= w <= 1920 and 64 <= h <= 1920 and w % 2 == 0 and h % 2 == 0):
            raise ValueError(f"size must be even numbers between 64 and 1920, got {self.size}")
        if not 1.0 <= self.fps <= 120.0:
            raise ValueError(f"fps must be between 1 and 120, got {self.fps}")
        if self.elevation_deg is not None and not -20.0 <= self.elevation_deg <= 75.0:
            raise ValueError(f"elevation_deg must be between -20 and 75, got {self.elevation_deg}")
        if self.distance_m is not None and not 0.8 <= self.distance_m <= 20.0:
            raise ValueError(f"distance_m must be between 0.8 and 20, got {self.distance_m}")
        if not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {self.seed!r}")
        if not 0.0 <= self.lead_s <= 10.0:
            raise ValueError(f"lead_s must be between 0 and 10, got {self.lead_s}")
        if self.rest_between_s is not None and not 0.0 <= self.rest_between_s <= 10.0:
            raise ValueError(f"rest_between_s must be between 0 and 10, got {self.rest_between_s}")
        object.__setattr__(self, "timing_faults", tuple(self.timing_faults))
        if (self.rest_between_s is not None or self.timing_faults) and motion.spec.mode != "reps":
            raise ValueError(f"{self.exercise} is a hold: it has no reps to rush or rest between; "
                             "leave out rest_between_s and timing_faults")
        if self.timing_faults and self.tempo_s is None:
            raise ValueError("timing_faults need a rushed set: give tempo_s (seconds per rep)")
        check_side(motion, self.side)

    @property
    def motion(self) -> Motion:
        """The exercise's motion file, as loaded now."""
        return load_motion(self.exercise)

    @property
    def default_view(self) -> str:
        """The view used when ``view`` is None: the motion file's."""
        return self.motion.spec.camera.view

    @property
    def azimuth(self) -> float:
        """The azimuth actually used (degrees)."""
        if self.azimuth_deg is not None:
            return float(self.azimuth_deg)
        return VIEWS[self.view or self.default_view]

    @property
    def elevation(self) -> float:
        """The camera elevation actually used (degrees)."""
        if self.elevation_deg is not None:
            return float(self.elevation_deg)
        return float(self.motion.spec.camera.elevation_deg)

    def to_dict(self) -> dict:
        """JSON-friendly form; :meth:`from_dict` rebuilds the identical request."""
        d = request_to_dict(self)
        d["faults"] = [spec.to_text() for spec in self.faults]
        d["timing_faults"] = list(self.timing_faults)
        return d

    @classmethod
    def from_dict(cls, data: dict) -> "SynthRequest":
        d = request_fields(data)
        d["faults"] = tuple(d.get("faults", ()))
        return cls(**d)


@dataclass
class FrameTruth:
    """Ground truth of one frame.

    ``joints_world`` ``(33, 3)`` metres in the world frame (y up); ``joints_px`` ``(33, 2)``
    pixels; ``visible`` ``(33,)`` in frame and not hidden behind the body; ``angles`` the
    commanded joint angles (degrees, :data:`~posecheck.synth.skeleton.ANGLE_NAMES`);
    ``metrics`` the exercise's truth values (e.g. ``hip_line_deg``, ``trunk_lean_deg``);
    ``faults`` names of the faults whose truth window contains ``t``.
    """

    index: int
    t: float
    joints_world: np.ndarray
    joints_px: np.ndarray
    visible: np.ndarray
    angles: dict[str, float]
    metrics: dict[str, float]
    progress: float
    rep: int | None
    side: str | None
    faults: tuple[str, ...]


@dataclass
class ClipPlan:
    """A clip with every frame's pose decided and the camera placed, but no pixels."""

    request: SynthRequest
    body: Body
    exercise: Exercise
    timeline: Timeline
    times: np.ndarray
    poses: list[Pose]
    metrics: list[dict]
    states: list[tuple[float, str | None, int | None]]
    joints_world: np.ndarray
    joints_px: np.ndarray
    camera: Camera
    footprint: tuple[float, float, float, float]
    mat: tuple[float, float, float, float] | None
    labels: dict

    @property
    def n_frames(self) -> int:
        return len(self.times)

    @property
    def duration_s(self) -> float:
        return self.n_frames / self.request.fps


def body_for(subject: SubjectOptions) -> Body:
    """The :class:`Body` (proportions and clothing cut) of a subject."""
    return Body(height=subject.height_m, build=subject.build, leg_scale=subject.leg_scale,
                arm_scale=subject.arm_scale, sleeve=subject.shirt, bottoms=subject.bottoms,
                hair_style=subject.hair_style)


def plan_clip(req: SynthRequest):
    """Solve every frame's pose, fit the camera and build the labels entry (no rendering).

    A :class:`~posecheck.synth.routine.RoutineRequest` gives a
    :class:`~posecheck.synth.routine.RoutinePlan`, which the functions below accept too."""
    if not isinstance(req, SynthRequest):
        from posecheck.synth.routine import RoutineRequest, plan_routine

        if isinstance(req, RoutineRequest):
            return plan_routine(req)
        raise TypeError(f"expected a SynthRequest or a RoutineRequest, got {type(req).__name__}")
    body = body_for(req.subject)
    ex = make_exercise(req.motion, body, req.side)
    tl = build_timeline(ex, req.reps, req.hold_s, req.faults, tempo_s=req.tempo_s, lead_s=req.lead_s,
                        seed=req.seed, rest_between_s=req.rest_between_s)
    n = int(math.floor(tl.duration_s * req.fps + 1e-9))
    times = np.arange(n, dtype=np.float64) / req.fps
    poses, metrics, states, joints = [], [], [], np.empty((n, len(LANDMARK_NAMES), 3))
    cache: dict = {}
    extent_pts = []
    for k, t in enumerate(times):
        p, side, amounts, rep = tl.state(float(t))
        key = (p, side, tuple(sorted(amounts.items())))
        if key not in cache:
            pose, met = ex.pose(p, amounts, side)
            kin = forward(body, pose)
            cache[key] = (pose, met, kin)
        pose, met, kin = cache[key]
        poses.append(pose)
        metrics.append({**{k: float(v) for k, v in met.items()}, "progress": float(p)})
        states.append((p, side, rep))
        joints[k] = kin.landmarks
        if k % 3 == 0 or k == n - 1:
            extent_pts.append(body_surface(body, kin).extremes())
    ext = np.concatenate(extent_pts)
    cam = fit_camera(ext, req.azimuth, req.elevation, req.size, req.scene.fov_deg, req.distance_m,
                     lateral=ex.lateral, heading=ex.heading, min_distance_m=MIN_DISTANCE_PER_M * body.height)
    foot = (float(ext[:, 0].min()), float(ext[:, 2].min()), float(ext[:, 0].max()), float(ext[:, 2].max()))
    use_mat = req.scene.mat if req.scene.mat is not None else ex.motion.spec.mat
    mat = _mat_rect(foot, body.height) if use_mat else None
    px = np.stack([cam.project(j)[0] for j in joints]) if n else np.empty((0, 33, 2))
    plan = ClipPlan(req, body, ex, tl, times, poses, metrics, states, joints, px, cam, foot, mat, {})
    plan.labels = build_labels(plan)
    return plan


def truth_pose_frames(plan: ClipPlan) -> list:
    """The ground truth as :class:`~posecheck.pose.landmarks.PoseFrame` objects, one per frame,
    in the pose contract's conventions: ``image_xy`` the projected landmarks (pixels),
    ``world_xyz`` metres centred between the hips with x to the camera's right, y down
    (gravity) and z away from the camera in the horizontal plane, visibility 1.

    Feeding these to an ``ExerciseSession`` runs a spec on perfect landmarks: what the spec
    would say if the pose model were exact. ``plan`` may be a routine's
    (:class:`~posecheck.synth.routine.RoutinePlan`): one frame per routine frame,
    transitions included.
    """
    from posecheck.pose.landmarks import PoseFrame

    right = plan.camera.rotation[0]
    away = plan.camera.rotation[2] * np.array([1.0, 0.0, 1.0])
    away /= np.linalg.norm(away)
    hips = [LANDMARK_NAMES.index("left_hip"), LANDMARK_NAMES.index("right_hip")]
    out = []
    for k, t in enumerate(plan.times):
        j = plan.joints_world[k] - plan.joints_world[k][hips].mean(axis=0)
        world = np.column_stack([j @ right, -j[:, 1], j @ away])
        out.append(PoseFrame.from_arrays(float(t), plan.joints_px[k], world, np.ones(len(LANDMARK_NAMES)),
                                         plan.request.size))
    return out


def _mat_rect(foot, height: float) -> tuple[float, float, float, float]:
    """Exercise mat under the subject's footprint: at least 1.05 x height long and 0.6 m wide."""
    x0, z0, x1, z1 = foot
    cx, cz = 0.5 * (x0 + x1), 0.5 * (z0 + z1)
    long_x = (x1 - x0) >= (z1 - z0)
    hl = max(0.5 * max(x1 - x0, z1 - z0) + 0.12, 0.525 * height)
    hw = max(0.5 * min(x1 - x0, z1 - z0) + 0.06, 0.3)
    return (cx, cz, hl, hw) if long_x else (cx, cz, hw, hl)


def _vis_tolerance(body: Body) -> np.ndarray:
    """Per-landmark depth tolerance (m) for the occlusion test: how far a joint centre may
    sit behind the visible surface on its own pixel."""
    h = body.height
    tol = np.full(len(LANDMARK_NAMES), 0.035 * h / 1.7)
    for i, name in enumerate(LANDMARK_NAMES):
        if name.endswith(("shoulder", "hip")):
            tol[i] = 0.12 * h / 1.7
        elif name.endswith(("elbow", "knee")):
            tol[i] = 0.07 * h / 1.7
        elif name.endswith(("wrist", "ankle", "heel", "foot_index")):
            tol[i] = 0.05 * h / 1.7
    return tol


def render_frames(plan: ClipPlan, start: int = 0, stop: int | None = None) -> Iterator[tuple[np.ndarray, FrameTruth]]:
    """Yield ``(bgr uint8 (H, W, 3), FrameTruth)`` for frames ``start``..``stop-1``."""
    req = plan.request
    renderer = Renderer(plan.camera, req.subject, req.scene, plan.footprint, plan.mat, req.seed)
    tol = _vis_tolerance(plan.body)
    stop = plan.n_frames if stop is None else min(stop, plan.n_frames)
    windows = plan.timeline.faults
    for k in range(max(start, 0), stop):
        kin = forward(plan.body, plan.poses[k])
        image, _ = renderer.render(body_surface(plan.body, kin), k)
        vis = renderer.visibility(kin.landmarks, tol)
        t = float(plan.times[k])
        p, side, rep = plan.states[k]
        active = tuple(sorted({w.name for w in windows if w.from_s <= t <= w.to_s}))
        yield image, FrameTruth(k, t, kin.landmarks.copy(), plan.joints_px[k].copy(), vis,
                                dict(plan.poses[k].angles), dict(plan.metrics[k]), p, rep, side, active)


def write_clip(req: SynthRequest, out_path: str | os.PathLike, truth_path: str | os.PathLike | None = None) -> dict:
    """Render ``req`` (a clip's or a routine's request) to an ``.mp4`` (OpenCV ``mp4v``) and
    return its labels entry.

    With ``truth_path`` the per-frame truth is also saved as ``.npz`` (times, joints_world,
    joints_px, visible, progress).
    """
    plan = plan_clip(req)
    w, h = req.size
    out_path = os.fspath(out_path)
    writer = cv2.VideoWriter(out_path, cv2.VideoWriter_fourcc(*"mp4v"), float(req.fps), (w, h))
    if not writer.isOpened():
        raise OSError(f"cannot open a video writer for {out_path!r}")
    vis = np.zeros((plan.n_frames, len(LANDMARK_NAMES)), bool)
    try:
        for image, truth in render_frames(plan):
            writer.write(image)
            vis[truth.index] = truth.visible
    finally:
        writer.release()
    if truth_path is not None:
        np.savez_compressed(os.fspath(truth_path), times=plan.times, joints_world=plan.joints_world,
                            joints_px=plan.joints_px, visible=vis,
                            progress=np.array([s[0] for s in plan.states]))
    entry = dict(plan.labels)
    entry = {"file": os.path.basename(out_path), **{k: v for k, v in entry.items() if k != "file"}}
    return entry


def add_to_labels(path: str | os.PathLike, entry: dict) -> None:
    """Add ``entry`` to a labels file (``{"schema": 1, "clips": [...]}``), replacing one of the same file."""
    import json
    from pathlib import Path

    path = Path(path)
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"schema": 1, "clips": []}
    data["clips"] = [c for c in data.get("clips", []) if c.get("file") != entry["file"]] + [entry]
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- labels


def _r(x: float) -> float:
    return round(float(x), 3)


def _subtract(window: tuple[float, float], cuts: list[tuple[float, float]]) -> list[list[float]]:
    """Parts of ``window`` not covered by ``cuts``."""
    out = [list(window)]
    for a, b in sorted(cuts):
        nxt = []
        for lo, hi in out:
            if b <= lo or a >= hi:
                nxt.append([lo, hi])
                continue
            if a > lo:
                nxt.append([lo, a])
            if b < hi:
                nxt.append([b, hi])
        out = nxt
    return [w for w in out if w[1] - w[0] > 1e-9]


def dosage_labels(ex: Exercise, tl: Timeline, offset_s: float = 0.0) -> tuple[dict, str]:
    """The labels fields of one exercise's timeline (reps or hold fields, ``active_windows_s``
    and ``faults``), every time shifted by ``offset_s``, and a sentence describing the
    timeline. A clip's entry uses them as they are; a routine's ``segments`` use them with
    the segment's start time."""
    def at(x: float) -> float:
        return _r(x + offset_s)

    faults = []
    for w in tl.faults:
        meaning = fault_def(ex.motion, w.name).meaning.format(m=w.magnitude_deg)
        where = (f"rep {w.rep}: from reaching {PEAK_PROGRESS:.0%} of the extreme until leaving it"
                 if w.rep is not None else "half magnitude at the window edges")
        faults.append({"fault": w.name, "from_s": at(w.from_s), "to_s": at(w.to_s),
                       "evidence": f"synthetic: {meaning} ({where})"})
    entry: dict = {}
    o = offset_s
    start = f"{o:.2f}" if o else "0"
    if tl.mode == "reps":
        reps = tl.reps
        sides = [r.side for r in reps]
        per_side = ({"left": sides.count("left"), "right": sides.count("right")}
                    if ex.motion.spec.sides != "symmetric" else None)
        entry.update({
            "reps": len(reps), "partial_reps": 0, "reps_tolerance": 0,
            "rep_peaks_s": [at(r.peak_s) for r in reps], "partial_rep_peaks_s": [],
            "per_side": per_side,
            "hold_s": None, "hold_window_s": None, "hold_windows_s": None, "hold_tolerance_s": None,
            "position_s": None, "position_windows_s": None,
            "active_windows_s": [[at(reps[0].t0), at(reps[-1].t3)]],
        })
        timeline_text = (f"{ex.rest_text} {start}-{o + reps[0].t0:.2f} s; {len(reps)} reps "
                         f"{o + reps[0].t0:.2f}-{o + reps[-1].t3:.2f} s; {ex.rest_text} to the end")
    else:
        pos = (at(tl.position[0]), at(tl.position[1]))
        cuts = [(max(f["from_s"], pos[0]), min(f["to_s"], pos[1])) for f in faults
                if fault_def(ex.motion, f["fault"]).costs_good_form]
        good = _subtract(pos, cuts)
        hold_s = round(sum(b - a for a, b in good), 3)
        main = max(good, key=lambda w: (w[1] - w[0], -w[0])) if good else None
        entry.update({
            "reps": None, "partial_reps": None, "reps_tolerance": None,
            "rep_peaks_s": [], "partial_rep_peaks_s": [], "per_side": None,
            "hold_s": hold_s, "hold_window_s": main, "hold_windows_s": good,
            "hold_tolerance_s": HOLD_TOLERANCE_S,
            "position_s": round(pos[1] - pos[0], 3), "position_windows_s": [list(pos)],
            "active_windows_s": [list(pos)],
        })
        timeline_text = (f"{ex.rest_text} {start}-{o + tl.lift[0]:.2f} s; moves into the {ex.position_text} "
                         f"{o + tl.lift[0]:.2f}-{o + tl.lift[1]:.2f} s; holds {o + tl.position[0]:.2f}-"
                         f"{o + tl.position[1]:.2f} s; lowers {o + tl.lower[0]:.2f}-{o + tl.lower[1]:.2f} s; "
                         f"{ex.rest_text} to the end")
    entry["faults"] = faults
    return entry, timeline_text


def build_labels(plan: ClipPlan) -> dict:
    """The labels entry (posecheck's expectations format) for a planned clip."""
    req, tl, ex = plan.request, plan.timeline, plan.exercise
    fps, dur = req.fps, plan.duration_s
    fields_, timeline_text = dosage_labels(ex, tl)
    faults = fields_.pop("faults") + _timing_fault_labels(req, tl)
    entry: dict = {
        "file": None,
        "exercise": ex.motion.exercise,
        "variant": ex.variant + (" with injected " + ", ".join(s.to_text() for s in req.faults) if req.faults else "")
        + (f", rushed at {req.tempo_s:g} s per rep" if req.timing_faults else ""),
        "mode": ex.mode,
        "view": view_label(req.azimuth),
    }
    entry.update(fields_)
    visible = _in_frame(plan)
    entry.update({
        "faults": faults,
        "whole_body_visible": True if visible else "partial",
        "camera_cuts": False,
        "confidence": "high",
        "notes": (f"Synthetic clip from posecheck.synth (seed {req.seed}, azimuth {req.azimuth:g} deg, "
                  f"elevation {req.elevation:g} deg, {fps:g} fps). {timeline_text[0].upper() + timeline_text[1:]}. "
                  "All times are exact from the motion script: "
                  + ("a rep peak is the middle of the rep's held extreme; fault windows span where the rep is "
                     "within 10% of its extreme." if tl.mode == "reps"
                     else "fault windows are where the fault is at least half its magnitude.")),
        "duration_s": _r(dur),
        "synth": {
            "generator": "posecheck.synth",
            "generator_version": GENERATOR_VERSION,
            "seed": req.seed,
            "view": req.view or ex.default_view,
            "azimuth_deg": req.azimuth,
            "elevation_deg": req.elevation,
            "distance_m": round(float(np.linalg.norm(plan.camera.position - plan.camera.target)), 4),
            "faults": [{"fault": s.name, "magnitude_deg": s.magnitude_deg,
                        "reps": list(s.reps) if s.reps is not None else None,
                        "window_s": list(s.window_s) if s.window_s is not None else None} for s in req.faults],
            "subject": req.subject.to_dict(),
            "scene": req.scene.to_dict(),
            "versions": {"numpy": np.__version__, "opencv": cv2.__version__},
            "request": req.to_dict(),
        },
    })
    return entry


def _timing_fault_labels(req: SynthRequest, tl: Timeline) -> list[dict]:
    """Each timing fault of a rushed set, expected over every rep (start to end of the return)."""
    return [{"fault": name, "from_s": _r(rep.t0), "to_s": _r(rep.t3),
             "evidence": f"synthetic: rushed set, {req.tempo_s:g} s per rep (rep {rep.index})"}
            for rep in tl.reps for name in req.timing_faults]


def _in_frame(plan: ClipPlan) -> bool:
    """True when every landmark of every frame projects inside the image."""
    if plan.n_frames == 0:
        return True
    w, h = plan.request.size
    px = plan.joints_px
    return bool(np.all((px[..., 0] >= 0) & (px[..., 0] <= w - 1) & (px[..., 1] >= 0) & (px[..., 1] <= h - 1)))


