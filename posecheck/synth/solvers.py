"""Exact pose solvers: the exercises whose fault geometry must be exact on the landmarks.

A solver turns a *progress* value and *drive* values into a full
:class:`~posecheck.synth.skeleton.Pose`. Progress goes 0 (rest) -> 1 (the rep's extreme:
top of a bridge, bottom of a squat, full reach of a bird dog; or the held position of a
hold). Poses are *solved*, not interpolated: hands, forearms, knees and feet that carry
weight stay on the floor while the hips move, and the geometry a spec measures hits the
commanded value exactly at progress 1, measured on the landmarks the specs use: one side's
shoulder-hip-knee line in a bridge and a side plank (supporting side), shoulder-hip-ankle in
a plank, the hip-knee-ankle angle and the hip-to-shoulder tilt of a squat, the hip-to-ankle
line and the line between both hips of a bird dog. The truth metrics each pose returns
(``hip_line_deg``, ``knee_angle_deg`` ...) are measured back from those landmarks.

*Drives* are the quantities a motion file's faults change (see each solver's
:attr:`PoseSolver.drives`): a fault ``change = { hip_line = -1.0 }`` of magnitude m sets the
``hip_line`` drive to -m. Everything else about an exercise (tempo, texts, camera, the
faults themselves) lives in its motion file (:mod:`posecheck.synth.motion_file`), which
names its solver: ``solver = "glute_bridge"``.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np

from posecheck.synth.skeleton import (
    HAIR_CENTRE,
    HAIR_SCALE,
    HEAD_CENTRE,
    Body,
    Pose,
    angle_deg,
    body_surface,
    elevation_deg,
    forward,
    frame_from_axes,
    hinge_x,
    leg_angles,
    limb_angles,
    line_offset_deg,
    rot_x,
    rot_y,
    rot_z,
    torso_shapes,
)


def _solve(f, lo: float, hi: float, tol: float = 1e-11, iters: int = 100) -> float:
    """Root of ``f`` in ``[lo, hi]`` (Illinois false position); ``f(lo)`` and ``f(hi)`` differ in sign."""
    flo, fhi = f(lo), f(hi)
    if flo == 0.0:
        return lo
    if fhi == 0.0:
        return hi
    if flo * fhi > 0:
        raise ValueError("pose solver: target outside the reachable range")
    side = 0
    x = lo
    for _ in range(iters):
        x = (lo * fhi - hi * flo) / (fhi - flo)
        fx = f(x)
        if abs(fx) < tol or hi - lo < tol:
            break
        if fx * fhi > 0:
            hi, fhi = x, fx
            if side == -1:
                flo *= 0.5
            side = -1
        else:
            lo, flo = x, fx
            if side == 1:
                fhi *= 0.5
            side = 1
    return x


def _lerp(a: float, b: float, p: float) -> float:
    return a + (b - a) * p


def _unit(v) -> np.ndarray:
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


_X = np.array([1.0, 0.0, 0.0])
_UP = np.array([0.0, 1.0, 0.0])
_SIDES = ("left", "right")


def _sgn(side: str) -> float:
    return 1.0 if side == "left" else -1.0


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


def flat_hand_ext(forearm: np.ndarray, side: str, pron: float) -> float:
    """Wrist extension (deg) that makes the hand's long axis horizontal for a given forearm
    frame and pronation, so a hand resting on the floor lies flat."""
    s = _sgn(side)
    m = forearm @ rot_y(-s * pron)
    a, b = (m @ np.array([1.0, 0.0, 0.0]))[1], (m @ np.array([0.0, -1.0, 0.0]))[1]
    return s * math.degrees(math.atan2(-b, a)) if abs(a) > 1e-12 else 0.0


def _pitch(v: np.ndarray, deg: float) -> np.ndarray:
    """``v`` turned ``deg`` degrees upward within the vertical plane that contains it."""
    v = np.asarray(v, float)
    horiz = math.hypot(v[0], v[2])
    el = math.atan2(v[1], horiz) + math.radians(deg)
    return np.array([v[0] / horiz * math.cos(el), math.sin(el), v[2] / horiz * math.cos(el)])


def _turn_z(v: np.ndarray, deg: float) -> np.ndarray:
    """``v`` rotated ``deg`` degrees about the world z axis (x toward y)."""
    return rot_z(deg) @ np.asarray(v, float)


def _mirror(v: np.ndarray) -> np.ndarray:
    """The right-side counterpart of a left-side point of a body symmetric about x = 0."""
    return np.array([-v[0], v[1], v[2]])


def _straighten(p: float) -> float:
    """Share of the hip sag removed at progress ``p`` of the lift into a forearm plank: the body
    rises first and the hips come into line last, so the body is in line only once the lift
    is (nearly) complete, the moment the labels call the start of the position."""
    return p * p


def chain_line_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Signed bend of the landmark chain a-b-c at ``b``: ``180 - angle(a, b, c)``, positive when
    ``b`` lies above the straight line a-c (world y up). This is the truth behind every
    ``*_line_deg`` metric: the spec's ``offset`` metrics measure the same point against the
    same line."""
    return line_offset_deg(a, b, c, _UP)


def _foot_along(rsh: np.ndarray, toe_dir: np.ndarray) -> float:
    """Ankle dorsiflexion that points the foot's toe axis along ``toe_dir`` (which must be
    perpendicular to the shank frame's hinge axis)."""
    return -hinge_x(rsh, (0.0, 0.0, 1.0), toe_dir)


# --------------------------------------------------------------------------- solvers


class PoseSolver(ABC):
    """Base class: progress + drive values -> an exactly solved pose and its truth metrics.

    Class attributes, read by the motion-file loader: ``name`` (what ``solver = "..."``
    selects), ``drives`` (drive name -> what it does, in degrees, with its sign) and
    ``sides`` (the motion file ``sides`` value the solver is written for).
    """

    name: ClassVar[str]
    drives: ClassVar[dict[str, str]]
    sides: ClassVar[str] = "symmetric"

    def __init__(self, body: Body, side: str | None):
        """``side`` is the side of a one-sided motion (``left``/``right``), else None."""
        self.body = body

    @abstractmethod
    def pose(self, p: float, drives: dict[str, float], side: str | None) -> tuple[Pose, dict[str, float]]:
        """The pose at progress ``p`` (0 rest .. 1 extreme or held position) with the drive
        values in ``drives`` (missing ones are 0); ``side`` is the side the frame is done
        with (None for symmetric motions). Also returns the truth metrics."""


#: Registered solvers by name (filled by :func:`register_solver`).
SOLVERS: dict[str, type[PoseSolver]] = {}


def register_solver(cls: type[PoseSolver]) -> type[PoseSolver]:
    """Class decorator: make ``cls`` selectable as ``solver = "<cls.name>"`` in a motion file."""
    SOLVERS[cls.name] = cls
    return cls


@register_solver
class Squat(PoseSolver):
    """Bodyweight squat to about parallel.

    Standing, facing +z; feet a little wider than the hips, toes turned out
    :attr:`TOE_OUT` deg, flat and planted; the knees track over the toes (each leg bends in
    the plane through its ankle, its toe direction and its hip). At the clean bottom the
    knee flexion is :attr:`KNEE` (knee angle 80 deg), the shank leans :attr:`SHANK` deg and
    the trunk (side hip -> side shoulder landmarks) is :attr:`LEAN` deg from vertical; knee
    flexion and shank lean scale with progress, the trunk lean goes from its standing value
    to the bottom value. The ``knee_angle`` drive makes the bottom knee angle larger (the
    trunk lean is unchanged); ``trunk_lean`` makes the bottom trunk lean larger. The arms
    hang relaxed.
    """

    name = "squat"
    drives = {
        "knee_angle": "bottom hip-knee-ankle angle this many deg more open (shallower)",
        "trunk_lean": "bottom hip-to-shoulder tilt from vertical this many deg larger",
    }
    KNEE, SHANK, LEAN = 100.0, 28.0, 40.0
    TOE_OUT = 20.0
    STANCE = 0.02

    def __init__(self, body, side=None):
        super().__init__(body, side)
        b = body
        self.ankle = np.array([b.hip_half_width + self.STANCE * b.height, b.ankle_height, 0.0])
        psi = math.radians(self.TOE_OUT)
        self.toe = np.array([math.sin(psi), 0.0, math.cos(psi)])
        dx = b.shoulder_half_width - b.hip_half_width
        self.lean0 = math.degrees(math.atan2(dx, b.trunk_length))

    def _leg(self, kf: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
        """Left hip and knee for knee flexion ``kf`` with the hip ``alpha`` deg behind the ankle."""
        b, a = self.body, self.ankle
        d = math.sqrt(b.thigh**2 + b.shank**2 + 2.0 * b.thigh * b.shank * math.cos(math.radians(kf)))
        r = math.sqrt(d * d - (b.hip_half_width - a[0]) ** 2)
        al = math.radians(alpha)
        hip = np.array([b.hip_half_width, a[1] + r * math.cos(al), -r * math.sin(al)])
        ax1 = (hip - a) / d
        ax2 = _unit(self.toe - np.dot(self.toe, ax1) * ax1)
        along = (b.shank**2 - b.thigh**2 + d * d) / (2.0 * d)
        knee = a + along * ax1 + math.sqrt(max(b.shank**2 - along * along, 0.0)) * ax2
        return hip, knee

    def _shank_lean(self, kf: float, alpha: float) -> float:
        """Forward lean of the shank from vertical (negative = knee behind the ankle)."""
        shank = self._leg(kf, alpha)[1] - self.ankle
        return math.degrees(math.atan2(float(np.dot(shank, self.toe)), shank[1]))

    def _trunk(self, lean: float) -> float:
        """Pelvis pitch that tilts the side hip -> shoulder landmark line ``lean`` deg from vertical."""
        b = self.body
        dx, t = b.shoulder_half_width - b.hip_half_width, b.trunk_length
        if lean <= self.lean0:
            return 0.0
        return _solve(lambda th: math.degrees(math.atan2(math.hypot(dx, t * math.sin(math.radians(th))),
                                                         t * math.cos(math.radians(th)))) - lean, 0.0, 89.0)

    def pose(self, p, drives, side):
        b = self.body
        knee_bottom = self.KNEE - drives.get("knee_angle", 0.0)
        kf = p * knee_bottom
        phi_s = p * self.SHANK * knee_bottom / self.KNEE
        lean = _lerp(self.lean0, self.LEAN + drives.get("trunk_lean", 0.0), p)
        alpha = _solve(lambda al: self._shank_lean(kf, al) - phi_s, -30.0, 70.0)
        hip, knee = self._leg(kf, alpha)
        theta = self._trunk(lean)
        rp = rot_x(theta)
        root = np.array([0.0, hip[1], hip[2]])
        ang = {"neck_flex": -0.55 * theta}
        for sd in _SIDES:
            m = (lambda v: v) if sd == "left" else _mirror
            toe = m(self.toe)
            leg = leg_angles(rp, m(hip), m(knee), m(self.ankle), sd, np.cross(m(hip) - m(self.ankle), toe))
            for k, v in leg.items():
                ang[f"{sd}_{k}"] = v
            g = _sgn(sd)
            rsh = rp @ rot_x(-leg["hip_flex"]) @ rot_z(g * leg["hip_abd"]) @ rot_y(g * leg["hip_rot"]) \
                @ rot_x(leg["knee_flex"])
            ang[f"{sd}_ankle_dorsi"] = _foot_along(rsh, toe)
            flex, abd = limb_angles(rp, [g * 0.12, -1.0, 0.1], sd)
            ang.update({f"{sd}_shoulder_flex": flex, f"{sd}_shoulder_abd": abd,
                        f"{sd}_elbow_flex": 12.0 * p + 6.0, f"{sd}_forearm_pron": 10.0})
        pose = Pose(root, rp, ang)
        kin = forward(b, pose)
        s_l, h_l, k_l, a_l = (kin.lm(f"left_{j}") for j in ("shoulder", "hip", "knee", "ankle"))
        trunk = s_l - h_l
        return pose, {
            "knee_angle_deg": angle_deg(h_l, k_l, a_l),
            "hip_angle_deg": angle_deg(s_l, h_l, k_l),
            "trunk_lean_deg": 90.0 - elevation_deg(trunk),
            "shank_lean_deg": 90.0 - elevation_deg(k_l - a_l),
            "pelvis_pitch_deg": theta,
            "depth": p * knee_bottom / self.KNEE,
        }


@register_solver
class GluteBridge(PoseSolver):
    """Glute bridge: supine, knees bent, feet flat; the hips rise about the shoulders.

    Lying along z with the feet toward +z (so the subject's left is +x); the "front" camera
    is at the head end (-z). The upper back stays on the floor and the feet stay planted.
    Each knee is placed in the vertical plane through the same side's shoulder and hip
    landmarks, so that side's shoulder-hip-knee chain bends only up or down; the hip lift is
    solved so the chain's signed bend (:func:`chain_line_deg`, the truth ``hip_line_deg``)
    reaches the ``hip_line`` drive at the top: 0 (a straight line) when clean, negative with
    the hip below the shoulder-knee line, positive above it. The head rests on the floor
    (the neck flexes as the hips rise).
    """

    name = "glute_bridge"
    drives = {"hip_line": "signed bend of the shoulder-hip-knee line at the top, + = hip above the line"}
    SHIN_TILT_TOP = 10.0

    def __init__(self, body, side=None):
        super().__init__(body, side)
        b = body
        reach = math.hypot(b.trunk_length, b.shoulder_half_width - b.hip_half_width) + b.thigh
        tilt = math.radians(self.SHIN_TILT_TOP)
        ky = b.ankle_height + b.shank * math.cos(tilt)
        theta_top = 0.4
        for _ in range(6):
            ys = self._back_y(theta_top)
            kz = math.sqrt(reach**2 - (ky - ys) ** 2)
            theta_top = math.atan2(ky - ys, kz)
        self.ankle = np.array([b.hip_half_width, b.ankle_height, kz + b.shank * math.sin(tilt)])
        self.theta_rest = _solve(lambda t: self._back_y(t) + b.trunk_length * math.sin(t) - self._seat_y(t),
                                 -0.4, 0.6)
        # Feet under the knees of the straight top (the knees converge a little toward the
        # midline to stay in the shoulder-hip planes).
        for _ in range(3):
            theta = _solve(lambda t: self._geom(t)[3] - 0.0, self.theta_rest, self._reach_limit())
            self.ankle[0] = self._geom(theta)[2][0]
        self.theta_max = self._reach_limit()
        self.line_rest = self._geom(self.theta_rest)[3]

    def _reach_limit(self) -> float:
        th = self.theta_rest
        while self._geom(th + math.radians(0.25)) is not None and th < math.radians(80):
            th += math.radians(0.25)
        return th

    def _frames(self, theta: float):
        sup = np.array([0.0, -math.sin(theta), -math.cos(theta)])
        rp = frame_from_axes(_X, sup)
        root = -self.body.trunk_length * sup
        waist = root + rp @ np.array([0.0, self.body.waist_fraction * self.body.trunk_length, 0.0])
        return rp, root, waist

    def _back_y(self, theta: float) -> float:
        """Height of the mid-shoulder point when the upper back, tilted by ``theta``, rests on the floor."""
        b = self.body
        rp, root, waist = self._frames(theta)
        ells, (g0, _, gr) = torso_shapes(b, root, rp, waist, rp)
        low = min(c[1] - math.sqrt(float(np.sum((ax[1] * semi) ** 2))) for c, ax, semi, *_ in ells[1:])
        return -min(low, g0[1] - gr)

    def _seat_y(self, theta: float) -> float:
        """Height of the hip centre when the pelvis, tilted by ``theta``, rests on the floor."""
        rp, root, waist = self._frames(theta)
        c, ax, semi, *_ = torso_shapes(self.body, root, rp, waist, rp)[0][0]
        return -(c[1] - root[1] - math.sqrt(float(np.sum((ax[1] * semi) ** 2))))

    def _geom(self, theta: float):
        """Left (shoulder, hip, knee, hip_line_deg) for trunk angle ``theta`` (mid-shoulder at
        z = 0); None if the leg cannot reach the planted ankle."""
        b = self.body
        s_mid = np.array([0.0, self._back_y(theta), 0.0])
        h_mid = s_mid + b.trunk_length * np.array([0.0, math.sin(theta), math.cos(theta)])
        sh = s_mid + np.array([b.shoulder_half_width, 0.0, 0.0])
        hip = h_mid + np.array([b.hip_half_width, 0.0, 0.0])
        along = _unit([hip[0] - sh[0], 0.0, hip[2] - sh[2]])
        normal = np.cross(along, [0.0, 1.0, 0.0])
        rel = self.ankle - hip
        w, v, off = float(np.dot(rel, along)), float(rel[1]), float(np.dot(rel, normal))
        d = math.hypot(w, v)
        r2 = math.sqrt(b.shank**2 - off * off)
        if d >= b.thigh + r2 - 1e-6 or d <= abs(b.thigh - r2):
            return None
        a = (b.thigh**2 - r2**2 + d * d) / (2 * d)
        up = math.sqrt(max(b.thigh**2 - a * a, 0.0))
        e = np.array([w, v]) / d
        kw, kv = a * e + up * np.array([-e[1], e[0]])
        knee = hip + kw * along + np.array([0.0, kv, 0.0])
        return sh, hip, knee, chain_line_deg(sh, hip, knee)

    def pose(self, p, drives, side):
        b = self.body
        top = drives.get("hip_line", 0.0)
        target = _lerp(self.line_rest, top, p)
        theta = _solve(lambda t: self._geom(t)[3] - target, self.theta_rest - 1e-9, self.theta_max)
        sh, hip, knee, line = self._geom(theta)
        root = np.array([0.0, hip[1], hip[2]])
        ys = sh[1]
        rp = frame_from_axes(_X, np.array([0.0, ys, 0.0]) - root)
        ang: dict[str, float] = {}
        for sd in _SIDES:
            m = (lambda v: v) if sd == "left" else _mirror
            leg = leg_angles(rp, m(hip), m(knee), m(self.ankle), sd)
            for k, v in leg.items():
                ang[f"{sd}_{k}"] = v
            g = _sgn(sd)
            rsh = rp @ rot_x(-leg["hip_flex"]) @ rot_z(g * leg["hip_abd"]) @ rot_y(g * leg["hip_rot"]) \
                @ rot_x(leg["knee_flex"])
            hinge = rsh[:, 0]
            ang[f"{sd}_ankle_dorsi"] = _foot_along(rsh, _unit(np.cross(hinge, [0.0, 1.0, 0.0])))
            drop = ys - b.hand_radius
            horiz = math.sqrt(b.arm_length**2 - drop**2)
            arm = [g * 0.2 * horiz, -drop, 0.98 * horiz]
            flex, abd = limb_angles(rp, arm, sd)
            ang.update({f"{sd}_shoulder_flex": flex, f"{sd}_shoulder_abd": abd, f"{sd}_elbow_flex": 0.0,
                        f"{sd}_forearm_pron": 90.0})
            rfa = rp @ rot_x(-flex) @ rot_z(g * abd)
            ang[f"{sd}_wrist_ext"] = flat_hand_ext(rfa, sd, 90.0)
        ang["neck_flex"] = self._neck_on_floor(rp, root)
        return Pose(root, rp, ang), {
            "hip_line_deg": line,
            "shoulder_hip_knee_deg": angle_deg(sh, hip, knee),
            "knee_flex_deg": ang["left_knee_flex"],
            "trunk_rise_deg": math.degrees(theta),
        }

    def _neck_on_floor(self, rc: np.ndarray, root: np.ndarray) -> float:
        """Neck flexion that rests the back of the head (hair) on the floor.

        The head-centre height is ``K + R cos(nf - phi)`` in the flexion ``nf``; take the
        solution below ``phi`` (the flexion that lifts the head highest), or ``phi`` itself
        when the floor cannot be reached (the head then hovers slightly at steep lifts).
        """
        b, h = self.body, self.body.height
        neck = root + rc @ np.array([0.0, b.trunk_length + b.neck_length, 0.0])
        v = (np.array(HEAD_CENTRE) + np.array(HAIR_CENTRE)) * h
        big_a = rc[1, 1] * v[1] + rc[1, 2] * v[2]
        big_b = rc[1, 2] * v[1] - rc[1, 1] * v[2]
        amp, phi = math.hypot(big_a, big_b), math.atan2(big_b, big_a)
        ratio = (HAIR_SCALE * b.head_radius - neck[1] - rc[1, 0] * v[0]) / amp
        nf = phi - math.acos(min(1.0, max(-1.0, ratio)))
        return min(math.degrees(nf), 85.0)


@register_solver
class ForearmPlank(PoseSolver):
    """Forearm plank: elbows under the shoulders, forearms flat, body straight, toes down.

    Prone along z, head toward +z (left = +x). The upper arms are vertical; the body pitch
    is solved so the toes touch the floor. Each leg is straight and lies in the vertical
    plane through the same side's shoulder and hip landmarks (the feet end up close
    together), at the signed bend of the shoulder-hip-ankle chain (:func:`chain_line_deg`,
    the truth ``hip_line_deg``) given by the ``hip_line`` drive: 0 clean, negative with the
    hip below the shoulder-ankle line, positive above it. At rest the hips lie on the floor
    (body propped on the forearms); lifting into the plank, the hips come into line last.
    """

    name = "forearm_plank"
    drives = {"hip_line": "signed bend of the shoulder-hip-ankle line, + = hip above the line"}
    DORSI = 0.0

    def __init__(self, body, side=None):
        super().__init__(body, side)
        b = body
        self.re = b.forearm_radius[0]
        self.s = np.array([0.0, self.re + b.upper_arm, 0.0])
        self.line_rest = _solve(lambda line: self._trunk_low(line), -70.0, 0.0, tol=1e-7)

    def _trunk_low(self, line: float) -> float:
        """Lowest point of the torso for the chain bend ``line`` (0 = hips on the floor)."""
        pose, _ = self._pose_for(line)
        return body_surface(self.body, forward(self.body, pose)).lowest(("torso",))

    def _parts(self, beta: float, line: float):
        """Mid-hip, pelvis frame and left (shoulder, hip, leg direction) for trunk pitch ``beta``."""
        b = self.body
        i = np.array([0.0, -math.sin(beta), -math.cos(beta)])
        hip = self.s + b.trunk_length * i
        rp = frame_from_axes(_X, -i)
        sh_l = self.s + np.array([b.shoulder_half_width, 0.0, 0.0])
        hip_l = hip + np.array([b.hip_half_width, 0.0, 0.0])
        leg = _pitch(hip_l - sh_l, -line)
        return hip, rp, sh_l, hip_l, leg

    def _geom(self, line: float):
        """(beta, mid-hip, pelvis frame, left shoulder, left hip, left leg direction) with the
        toes on the floor."""
        b = self.body
        toe_local = np.array([0.0, -(b.ankle_height - b.toe_radius), b.toe_forward - b.toe_radius])

        def toe_y(beta):
            _, rp, _, hip_l, leg = self._parts(beta, line)
            flex, abd = limb_angles(rp, leg, "left")
            rth = rp @ rot_x(-flex) @ rot_z(abd)
            return (hip_l + b.leg_length * leg + rth @ rot_x(-self.DORSI) @ toe_local)[1] - b.toe_radius

        beta = _solve(toe_y, math.radians(-30), math.radians(75))
        return (beta, *self._parts(beta, line))

    def pose(self, p, drives, side):
        target = drives.get("hip_line", 0.0)
        return self._pose_for(_lerp(self.line_rest, target, _straighten(p)))

    def _pose_for(self, line: float):
        b = self.body
        beta, hip, rp, sh_l, hip_l, leg = self._geom(line)
        slope = (self.re - b.forearm_radius[1]) / b.forearm
        ang: dict[str, float] = {"neck_flex": -8.0}
        for sd in _SIDES:
            flex, abd = limb_angles(rp, leg if sd == "left" else _mirror(leg), sd)
            ang.update({f"{sd}_hip_flex": flex, f"{sd}_hip_abd": abd, f"{sd}_ankle_dorsi": self.DORSI})
            flex, abd = limb_angles(rp, [0.0, -1.0, 0.0], sd)
            rua = rp @ rot_x(-flex) @ rot_z(_sgn(sd) * abd)
            ef = -hinge_x(rua, (0, -1, 0), [0.0, -slope, 1.0])
            ang.update({f"{sd}_shoulder_flex": flex, f"{sd}_shoulder_abd": abd, f"{sd}_elbow_flex": ef,
                        f"{sd}_forearm_pron": 80.0})
            ang[f"{sd}_wrist_ext"] = flat_hand_ext(rua @ rot_x(-ef), sd, 80.0)
        ankle_l = hip_l + b.leg_length * leg
        return Pose(hip, rp, ang), {
            "hip_line_deg": chain_line_deg(sh_l, hip_l, ankle_l),
            "shoulder_hip_ankle_deg": angle_deg(sh_l, hip_l, ankle_l),
            "body_pitch_deg": math.degrees(beta),
            "upper_arm_tilt_deg": 0.0,
        }


@register_solver
class SidePlank(PoseSolver):
    """Forearm side plank: supporting elbow under the shoulder, body straight, feet stacked.

    The subject lies along x with the chest facing +z, supported on the ``side`` forearm
    (right: head toward -x; left: head toward +x). The body rise is solved so the lower ankle
    rests on the floor. The legs are straight and stacked; they bend sideways at the hips so
    that the supporting side's shoulder-hip-ankle chain (knee on it) has the signed bend
    (:func:`chain_line_deg`, the truth ``hip_line_deg``) of the ``hip_line`` drive: 0 clean
    (one straight line), negative with the hip below the shoulder-ankle line (toward the
    floor), positive above it. The ``upper_arm_tilt`` drive tilts the supporting upper arm
    from vertical toward the head. At rest the lower hip lies on the floor.
    """

    name = "side_plank"
    drives = {
        "hip_line": "signed bend of the supporting side's shoulder-hip-ankle line, + = hip above the line",
        "upper_arm_tilt": "supporting upper arm tilted this many deg from vertical, elbow toward the head",
    }
    sides = "one_side"

    def __init__(self, body, side):
        super().__init__(body, side)
        self.support = side
        self.sigma = 1.0 if self.support == "right" else -1.0
        b = body
        self.re = b.forearm_radius[0]
        self.r_ank = 1.2 * b.shank_radius[1]
        self.line_rest = _solve(self._trunk_low, -70.0, 0.0, tol=1e-7)

    def _trunk_low(self, line: float) -> float:
        """Lowest point of the torso for the chain bend ``line`` (0 = hip on the floor)."""
        pose, _ = self._pose_for(line, 0.0)
        return body_surface(self.body, forward(self.body, pose)).lowest(("torso",))

    def _axes(self, beta: float):
        u = np.array([-self.sigma * math.cos(beta), math.sin(beta), 0.0])
        f = np.array([0.0, 0.0, 1.0])
        return u, np.cross(u, f)

    def _geom(self, line: float, phi: float):
        """(beta, mid-hip, pelvis frame, supporting shoulder, supporting hip, leg direction)."""
        b = self.body
        pr = math.radians(phi)

        def parts(beta):
            u, lf = self._axes(beta)
            s = np.array([0.0, self.re + b.upper_arm * math.cos(pr) + b.shoulder_half_width * math.cos(beta), 0.0])
            hip = s - b.trunk_length * u
            supp_sh = s - self.sigma * b.shoulder_half_width * lf
            supp_hip = hip - self.sigma * b.hip_half_width * lf
            leg = _turn_z(_unit(supp_hip - supp_sh), -self.sigma * line)
            ankle = supp_hip + b.leg_length * leg
            return hip, u, lf, supp_sh, supp_hip, leg, ankle

        beta = _solve(lambda bt: parts(bt)[6][1] - self.r_ank, math.radians(-20), math.radians(70))
        hip, u, lf, supp_sh, supp_hip, leg, _ = parts(beta)
        return beta, hip, frame_from_axes(lf, u), supp_sh, supp_hip, leg

    def pose(self, p, drives, side):
        target = drives.get("hip_line", 0.0)
        phi = drives.get("upper_arm_tilt", 0.0) * p
        return self._pose_for(_lerp(self.line_rest, target, p), phi)

    def _pose_for(self, line: float, phi: float):
        b = self.body
        beta, hip, rp, supp_sh, supp_hip, leg = self._geom(line, phi)
        sup, top = self.support, _other(self.support)
        ang: dict[str, float] = {}
        # The top leg rests on the lower one: it converges so the ankles touch.
        across = _unit(rp[:, 0] * self.sigma - np.dot(rp[:, 0] * self.sigma, leg) * leg)
        spread = 2.0 * b.hip_half_width * float(np.dot(rp[:, 0] * self.sigma, across))
        gamma = math.asin((spread - 2.0 * self.r_ank) / b.leg_length)
        top_leg = math.cos(gamma) * leg - math.sin(gamma) * across
        for sd, d in ((sup, leg), (top, top_leg)):
            flex, abd = limb_angles(rp, d, sd)
            ang.update({f"{sd}_hip_flex": flex, f"{sd}_hip_abd": abd})
        pr = math.radians(phi)
        arm = [-self.sigma * math.sin(pr), -math.cos(pr), 0.0]
        flex, abd = limb_angles(rp, arm, sup)
        rua = rp @ rot_x(-flex) @ rot_z(_sgn(sup) * abd)
        slope = (self.re - b.forearm_radius[1]) / b.forearm
        ef = -hinge_x(rua, (0, -1, 0), [0.0, -slope, 1.0])
        ang.update({f"{sup}_shoulder_flex": flex, f"{sup}_shoulder_abd": abd, f"{sup}_elbow_flex": ef,
                    f"{sup}_forearm_pron": 90.0})
        ang[f"{sup}_wrist_ext"] = flat_hand_ext(rua @ rot_x(-ef), sup, 90.0)
        ang.update({f"{top}_shoulder_flex": 4.0, f"{top}_shoulder_abd": 12.0, f"{top}_elbow_flex": 8.0,
                    f"{top}_forearm_pron": 80.0})
        ankle = supp_hip + b.leg_length * leg
        return Pose(hip, rp, ang), {
            "hip_line_deg": chain_line_deg(supp_sh, supp_hip, ankle),
            "shoulder_hip_ankle_deg": angle_deg(supp_sh, supp_hip, ankle),
            "upper_arm_tilt_deg": phi,
            "body_rise_deg": math.degrees(beta),
        }


@register_solver
class BirdDog(PoseSolver):
    """Bird dog: from all fours, reach the opposite arm forward and leg back to horizontal.

    Prone quadruped along z, head toward +z (left = +x); hands under the shoulders, knees
    under the hips. The ``leg_elevation`` drive raises the reaching leg above horizontal;
    ``pelvis_roll`` rolls the pelvis about its long axis, lifting the moving leg's hip (the
    chest stays level; the roll pivots about the supporting hip and a small spine flexion
    keeps the supporting hand on the floor). The side of a rep is the moving LEG.
    """

    name = "bird_dog"
    drives = {
        "leg_elevation": "reaching leg (hip to ankle) this many deg above horizontal",
        "pelvis_roll": "line between the hips rolled this many deg, the moving leg's hip up",
    }
    sides = "alternating"

    def __init__(self, body, side=None):
        super().__init__(body, side)
        b = body
        self.yw = b.hand_radius
        self.yk = b.shank_radius[0]
        ys = self.yw + b.arm_length
        self.yh = self.yk + b.thigh
        self.tau = math.asin((ys - self.yh) / b.trunk_length)
        self.rp0 = frame_from_axes(_X, [0.0, math.sin(self.tau), math.cos(self.tau)])
        self.hip0 = np.array([0.0, self.yh, 0.0])
        ya = 1.2 * b.shank_radius[1]
        fall = (self.yk - ya) / b.shank
        self.shank_dir = np.array([0.0, -fall, -math.sqrt(1 - fall * fall)])
        toe_local = np.array([0.0, -(b.ankle_height - b.toe_radius), b.toe_forward - b.toe_radius])
        flex, _ = limb_angles(self.rp0, [0.0, -1.0, 0.0], "left")
        rth = self.rp0 @ rot_x(-flex)
        kf = hinge_x(rth, (0, -1, 0), self.shank_dir)
        rsh = rth @ rot_x(kf)
        knee = np.array([0.0, self.yk, 0.0])
        ankle = knee + b.shank * self.shank_dir
        self.rest_dorsi = _solve(lambda d: (ankle + rsh @ rot_x(-d) @ toe_local)[1] - b.toe_radius, -150.0, -40.0)

    def _leg(self, rp: np.ndarray, sd: str) -> dict[str, float]:
        flex, abd = limb_angles(rp, [0.0, -1.0, 0.0], sd)
        rth = rp @ rot_x(-flex) @ rot_z(_sgn(sd) * abd)
        kf = hinge_x(rth, (0, -1, 0), self.shank_dir)
        return {"hip_flex": flex, "hip_abd": abd, "knee_flex": kf, "ankle_dorsi": self.rest_dorsi}

    def _arm(self, rc: np.ndarray, sd: str) -> dict[str, float]:
        flex, abd = limb_angles(rc, [0.0, -1.0, 0.0], sd)
        return {"shoulder_flex": flex, "shoulder_abd": abd, "elbow_flex": 0.0, "forearm_pron": 90.0,
                "wrist_ext": 90.0}

    def pose(self, p, drives, side):
        b = self.body
        leg_side = side or "left"
        arm_side = _other(leg_side)
        g = _sgn(leg_side)
        # Roll the pelvis about its long axis by the angle that raises the line between the two
        # hip landmarks exactly pelvis_roll deg (the pelvis axis is pitched by tau).
        lift = math.radians(drives.get("pelvis_roll", 0.0) * p)
        roll = math.degrees(math.asin(math.sin(lift) / math.cos(self.tau)))
        rp = self.rp0 @ rot_y(g * roll)
        sup_leg = _other(leg_side)
        sup_hip0 = self.hip0 + self.rp0 @ np.array([_sgn(sup_leg) * b.hip_half_width, 0.0, 0.0])
        root = sup_hip0 - rp @ np.array([_sgn(sup_leg) * b.hip_half_width, 0.0, 0.0])
        upper = (1.0 - b.waist_fraction) * b.trunk_length
        waist = root + rp @ np.array([0.0, b.waist_fraction * b.trunk_length, 0.0])
        sup_arm = leg_side
        target_sh = self.yw + b.arm_length

        def chest(eps):
            return rp @ rot_x(eps) @ rot_y(-g * roll)

        def sh_err(eps):
            return (waist + chest(eps) @ np.array([_sgn(sup_arm) * b.shoulder_half_width, upper, 0.0]))[1] - target_sh

        eps = 0.0 if roll == 0.0 else _solve(sh_err, -15.0, 30.0)
        rc = chest(eps)
        ang: dict[str, float] = {"spine_flex": eps, "spine_rot": -g * roll, "neck_flex": -12.0}
        for k, v in self._leg(rp, sup_leg).items():
            ang[f"{sup_leg}_{k}"] = v
        for k, v in self._arm(rc, sup_arm).items():
            ang[f"{sup_arm}_{k}"] = v
        elev = drives.get("leg_elevation", 0.0)
        er = math.radians(elev)
        rest = self._leg(rp, leg_side)
        flex, abd = limb_angles(rp, [0.0, math.sin(er), -math.cos(er)], leg_side)
        reach = {"hip_flex": flex, "hip_abd": abd, "knee_flex": 0.0, "ankle_dorsi": -35.0}
        for k in rest:
            ang[f"{leg_side}_{k}"] = _lerp(rest[k], reach[k], p)
        rest = self._arm(rc, arm_side)
        flex, abd = limb_angles(rc, [0.0, 0.0, 1.0], arm_side)
        reach = {"shoulder_flex": flex, "shoulder_abd": abd, "elbow_flex": 0.0, "forearm_pron": 0.0,
                 "wrist_ext": 0.0}
        for k in rest:
            ang[f"{arm_side}_{k}"] = _lerp(rest[k], reach[k], p)
        pose = Pose(root, rp, ang)
        kin = forward(b, pose)
        leg_vec = kin.lm(f"{leg_side}_ankle") - kin.lm(f"{leg_side}_hip")
        arm_vec = kin.lm(f"{arm_side}_wrist") - kin.lm(f"{arm_side}_shoulder")
        return pose, {
            "leg_elevation_deg": math.degrees(math.atan2(leg_vec[1], math.hypot(leg_vec[0], leg_vec[2]))),
            "arm_elevation_deg": math.degrees(math.atan2(arm_vec[1], math.hypot(arm_vec[0], arm_vec[2]))),
            "pelvis_roll_deg": elevation_deg(g * (kin.lm("left_hip") - kin.lm("right_hip"))),
            "reach": p,
            "moving_leg_left": 1.0 if leg_side == "left" else 0.0,
        }
