"""Exercise motion scripts: keyframed joint angles over a rep or a hold, with injected faults.

Each exercise turns a *progress* value into a full :class:`~posecheck.synth.skeleton.Pose`:
for rep exercises progress goes 0 (rest) -> 1 (the rep's extreme: top of a bridge, bottom of
a squat, full reach of a bird dog) -> 0; for holds it goes 0 (resting on the floor) -> 1 (in
the held position). Poses are *solved*, not just interpolated: hands, forearms, knees and
feet that carry weight stay on the floor while the hips move, and the geometry that defines
a fault hits the commanded value exactly at progress 1, measured on the landmarks the specs
use: one side's shoulder-hip-knee line in a bridge and a side plank (supporting side),
shoulder-hip-ankle in a plank, the hip-knee-ankle angle and the hip-to-shoulder tilt of a
squat, the hip-to-ankle line and the line between both hips of a bird dog. The truth
metrics each pose returns (``hip_line_deg``, ``knee_angle_deg`` ...) are measured back from
those landmarks.

Faults are ``name:magnitude`` in degrees (see :data:`FAULTS`). In a rep exercise a fault
changes the rep's extreme; in a hold it is present in a time window, blended in and out
over :data:`FAULT_RAMP_S` centred on the window edges (the window edges are where half the
magnitude is reached, and that is the ground truth).

The timeline (:func:`build_timeline`) adds a short rest before and after, per-rep tempo
with a small seeded jitter, and cosine easing.
"""

from __future__ import annotations

import difflib
import math
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

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

#: A rep's "top/bottom phase" is where progress is at least this close to the extreme.
PEAK_PROGRESS = 0.9
#: Seconds over which a hold fault blends in or out (centred on the window edge).
FAULT_RAMP_S = 0.4
#: Relative per-rep tempo jitter (uniform +-), drawn from the request seed.
TEMPO_JITTER = 0.06


@dataclass(frozen=True)
class FaultDef:
    """One injectable form fault: its default and maximum magnitude (degrees), the channel it
    acts on (two faults on one channel cannot overlap) and what it means."""

    name: str
    default: float
    maximum: float
    channel: str
    meaning: str


FAULTS: dict[str, dict[str, FaultDef]] = {
    "glute_bridge": {
        "hips_too_low": FaultDef("hips_too_low", 15, 40, "hip_line",
                                 "top of the rep stops {m:g} deg short of the straight shoulder-hip-knee line"),
        "lumbar_arch": FaultDef("lumbar_arch", 15, 25, "hip_line",
                                "hips pushed {m:g} deg past the straight shoulder-hip-knee line at the top"),
    },
    "forearm_plank": {
        "hips_sagging": FaultDef("hips_sagging", 12, 30, "hip_line",
                                 "hips {m:g} deg below the shoulder-ankle line"),
        "hips_piked": FaultDef("hips_piked", 15, 40, "hip_line", "hips {m:g} deg above the shoulder-ankle line"),
    },
    "side_plank": {
        "hips_too_low": FaultDef("hips_too_low", 15, 30, "hip_line",
                                 "hips {m:g} deg below the shoulder-ankle line (toward the floor)"),
        "hips_too_high": FaultDef("hips_too_high", 15, 30, "hip_line",
                                  "hips {m:g} deg above the shoulder-ankle line"),
        "elbow_not_under_shoulder": FaultDef("elbow_not_under_shoulder", 20, 40, "support_arm",
                                             "supporting upper arm tilted {m:g} deg from vertical (elbow "
                                             "toward the head, not under the shoulder)"),
    },
    "bird_dog": {
        "leg_too_high": FaultDef("leg_too_high", 20, 45, "leg",
                                 "reaching leg raised {m:g} deg above horizontal"),
        "hips_not_level": FaultDef("hips_not_level", 15, 30, "pelvis",
                                   "pelvis rolled {m:g} deg about the spine toward the lifted leg"),
    },
    "squat": {
        "excessive_forward_lean": FaultDef("excessive_forward_lean", 20, 35, "lean",
                                           "trunk {m:g} deg more forward than a clean squat at the bottom"),
        "insufficient_depth": FaultDef("insufficient_depth", 30, 70, "depth",
                                       "bottom knee flexion {m:g} deg short of parallel depth"),
    },
}


@dataclass(frozen=True)
class FaultSpec:
    """A fault to inject: ``reps`` (1-based) limits it to some reps of a rep exercise;
    ``window_s`` (seconds from the start of the held position) limits it in a hold.
    ``None`` means every rep / the whole hold."""

    name: str
    magnitude_deg: float
    reps: tuple[int, ...] | None = None
    window_s: tuple[float, float] | None = None

    def to_text(self) -> str:
        """The ``name:magnitude[@...]`` form :func:`parse_fault` reads (numbers round-trip exactly)."""
        text = f"{self.name}:{_num(self.magnitude_deg)}"
        if self.reps is not None:
            text += "@reps=" + ",".join(str(r) for r in self.reps)
        if self.window_s is not None:
            text += f"@t={_num(self.window_s[0])}-{_num(self.window_s[1])}"
        return text


def _num(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _all_fault_names() -> list[str]:
    return sorted({n for table in FAULTS.values() for n in table})


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return f" (did you mean {close[0]!r}?)" if close else ""


def fault_def(exercise: str, name: str) -> FaultDef:
    """The :class:`FaultDef` of ``name`` for ``exercise``; ``ValueError`` naming valid ones."""
    if exercise not in FAULTS:
        raise ValueError(f"unknown exercise {exercise!r}{_suggest(exercise, sorted(FAULTS))}; "
                         f"valid: {', '.join(sorted(FAULTS))}")
    table = FAULTS[exercise]
    if name not in table:
        raise ValueError(f"unknown fault {name!r} for {exercise}{_suggest(name, sorted(table))}; "
                         f"valid faults for {exercise}: {', '.join(sorted(table))}")
    return table[name]


_FAULT_RE = re.compile(r"^\s*([a-z_]+)\s*(?::\s*([-+0-9.eE]+))?\s*((?:@[^@]*)*)$")


def parse_fault(text: str, exercise: str | None = None) -> FaultSpec:
    """Parse ``name[:magnitude][@reps=1,3][@t=2-6.5]`` into a :class:`FaultSpec`.

    The magnitude defaults to the fault's usual size. With ``exercise`` the name must be one
    of that exercise's faults; without it, any known fault name. Errors are ``ValueError``
    with the valid choices and a did-you-mean suggestion.
    """
    m = _FAULT_RE.match(text or "")
    if not m:
        raise ValueError(f"cannot read fault {text!r}; expected name:magnitude, e.g. 'hips_sagging:12'")
    name, mag_text, extras = m.group(1), m.group(2), m.group(3)
    if exercise is not None:
        fdef = fault_def(exercise, name)
    else:
        matches = [t[name] for t in FAULTS.values() if name in t]
        if not matches:
            known = _all_fault_names()
            raise ValueError(f"unknown fault {name!r}{_suggest(name, known)}; valid: {', '.join(known)}")
        fdef = matches[0]
    try:
        magnitude = float(mag_text) if mag_text is not None else float(fdef.default)
    except ValueError:
        raise ValueError(f"fault magnitude {mag_text!r} in {text!r} is not a number") from None
    if not 0.0 < magnitude <= fdef.maximum:
        raise ValueError(f"{name} magnitude must be in (0, {fdef.maximum:g}] degrees, got {magnitude:g}")
    reps = window = None
    for part in filter(None, extras.split("@")):
        key, _, value = part.partition("=")
        key = key.strip()
        try:
            if key == "reps":
                reps = tuple(sorted({int(v) for v in value.split(",") if v.strip()}))
                if not reps or reps[0] < 1:
                    raise ValueError
            elif key == "t":
                lo, hi = (float(v) for v in value.split("-"))
                if not 0.0 <= lo < hi:
                    raise ValueError
                window = (lo, hi)
            else:
                raise KeyError(key)
        except KeyError:
            raise ValueError(f"unknown fault option {key!r} in {text!r}; use @reps=1,3 or @t=2-6") from None
        except ValueError:
            raise ValueError(f"bad fault option {part!r} in {text!r}; use @reps=1,3 (1-based) or "
                             f"@t=start-end (seconds from the start of the hold, start < end)") from None
    return FaultSpec(name, magnitude, reps, window)


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


# --------------------------------------------------------------------------- exercises


class Exercise(ABC):
    """Base class: an exercise turns progress + fault amounts into a pose and truth metrics.

    ``phases`` are the default seconds of one rep: go, extreme, return, rest (rep
    exercises), or lift-in, lift-out (holds). ``lateral`` and ``heading`` are the
    horizontal world directions a camera at azimuth 0 ("side") and 90 ("front") sits in:
    the subject's left and front for standing, prone and supine exercises (front = the head
    end when lying), the feet end and the chest for the side plank.
    """

    name = ""
    mode = "reps"
    default_view = "side"
    phases: tuple[float, ...] = ()
    variant = ""
    rest_text = ""
    position_text = ""
    lateral = (1.0, 0.0, 0.0)
    heading = (0.0, 0.0, 1.0)

    def __init__(self, body: Body, side: str = "alternate"):
        self.body = body
        self.side = side

    @abstractmethod
    def pose(self, p: float, amounts: dict[str, float], side: str | None) -> tuple[Pose, dict[str, float]]:
        """The pose at progress ``p`` (0 rest .. 1 extreme or held position) with the faults'
        degrees in ``amounts``; ``side`` is the moving side of the rep. Also returns the
        exercise's truth metrics (``hip_line_deg`` etc.)."""

    def rep_sides(self, reps: int) -> list[str | None]:
        """Moving side of each rep (None for symmetric exercises)."""
        return [None] * reps


class Squat(Exercise):
    """Bodyweight squat to about parallel.

    Standing, facing +z; feet a little wider than the hips, toes turned out
    :attr:`TOE_OUT` deg, flat and planted; the knees track over the toes (each leg bends in
    the plane through its ankle, its toe direction and its hip). At the clean bottom the
    knee flexion is :attr:`KNEE` (knee angle 80 deg), the shank leans :attr:`SHANK` deg and
    the trunk (side hip -> side shoulder landmarks) is :attr:`LEAN` deg from vertical; knee
    flexion and shank lean scale with progress, the trunk lean goes from its standing value
    to the bottom value. ``insufficient_depth`` m makes the bottom knee angle m deg larger
    (the trunk lean is unchanged); ``excessive_forward_lean`` m makes the bottom trunk lean
    m deg larger. The arms hang relaxed.
    """

    name = "squat"
    phases = (1.1, 0.35, 1.0, 0.45)
    variant = "synthetic bodyweight squat, knees over turned-out toes"
    rest_text = "standing"
    KNEE, SHANK, LEAN = 100.0, 28.0, 40.0
    TOE_OUT = 20.0
    STANCE = 0.02
    ARMS = "hang"
    REACH = 90.0

    def __init__(self, body, side="alternate"):
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

    def pose(self, p, amounts, side):
        b = self.body
        knee_bottom = self.KNEE - amounts.get("insufficient_depth", 0.0)
        kf = p * knee_bottom
        phi_s = p * self.SHANK * knee_bottom / self.KNEE
        lean = _lerp(self.lean0, self.LEAN + amounts.get("excessive_forward_lean", 0.0), p)
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
            if self.ARMS == "forward":
                reach = math.radians(6.0 + (self.REACH - 6.0) * min(1.0, p * 1.25))
                flex, abd = limb_angles(rp, [g * 0.06, -math.cos(reach), math.sin(reach)], sd)
                ang.update({f"{sd}_shoulder_flex": flex, f"{sd}_shoulder_abd": abd, f"{sd}_elbow_flex": 8.0,
                            f"{sd}_forearm_pron": 15.0})
            else:
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


class GluteBridge(Exercise):
    """Glute bridge: supine, knees bent, feet flat; the hips rise about the shoulders.

    Lying along z with the feet toward +z (so the subject's left is +x); the "front" camera
    is at the head end (-z). The upper back stays on the floor and the feet stay planted.
    Each knee is placed in the vertical plane through the same side's shoulder and hip
    landmarks, so that side's shoulder-hip-knee chain bends only up or down; the hip lift is
    solved so the chain's signed bend (:func:`chain_line_deg`, the truth ``hip_line_deg``)
    reaches its target: 0 (a straight line) for a clean top, -m for ``hips_too_low`` (the
    hip m deg below the shoulder-knee line), +m for ``lumbar_arch``. The head rests on the
    floor (the neck flexes as the hips rise).
    """

    name = "glute_bridge"
    phases = (1.0, 1.0, 1.0, 0.5)
    variant = "synthetic glute bridge, arms on the floor"
    heading = (0.0, 0.0, -1.0)
    rest_text = "lying on the back, knees bent"
    SHIN_TILT_TOP = 10.0

    def __init__(self, body, side="alternate"):
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

    def pose(self, p, amounts, side):
        b = self.body
        top = amounts.get("lumbar_arch", 0.0) - amounts.get("hips_too_low", 0.0)
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


class ForearmPlank(Exercise):
    """Forearm plank: elbows under the shoulders, forearms flat, body straight, toes down.

    Prone along z, head toward +z (left = +x). The upper arms are vertical; the body pitch
    is solved so the toes touch the floor. Each leg is straight and lies in the vertical
    plane through the same side's shoulder and hip landmarks (the feet end up close
    together), at the signed bend of the shoulder-hip-ankle chain (:func:`chain_line_deg`,
    the truth ``hip_line_deg``): 0 clean, -m for ``hips_sagging`` (hip m deg below the
    shoulder-ankle line), +m for ``hips_piked``. At rest the hips lie on the floor (body
    propped on the forearms); lifting into the plank, the hips come into line last.
    """

    name = "forearm_plank"
    mode = "hold"
    phases = (1.2, 1.0)
    variant = "synthetic forearm plank"
    rest_text = "lying propped on the forearms, hips on the floor"
    position_text = "forearm plank"
    DORSI = 0.0

    def __init__(self, body, side="alternate"):
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

    def pose(self, p, amounts, side):
        target = amounts.get("hips_piked", 0.0) - amounts.get("hips_sagging", 0.0)
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


class SidePlank(Exercise):
    """Forearm side plank: supporting elbow under the shoulder, body straight, feet stacked.

    The subject lies along x with the chest facing +z, supported on the ``side`` forearm
    (default right: head toward -x). The body rise is solved so the lower ankle rests on the
    floor. The legs are straight and stacked; they bend sideways at the hips so that the
    supporting side's shoulder-hip-ankle chain (knee on it) has the signed bend
    (:func:`chain_line_deg`, the truth ``hip_line_deg``) of the fault: 0 clean (one straight
    line), -m for ``hips_too_low`` (hip m deg below the shoulder-ankle line, toward the
    floor), +m for ``hips_too_high``. ``elbow_not_under_shoulder`` tilts the supporting
    upper arm m deg from vertical toward the head. At rest the lower hip lies on the floor.
    """

    name = "side_plank"
    mode = "hold"
    default_view = "front"
    phases = (1.2, 1.0)
    variant = "synthetic forearm side plank, top arm along the body"
    rest_text = "lying on the side propped on the forearm, hip on the floor"
    position_text = "forearm side plank"

    def __init__(self, body, side="right"):
        super().__init__(body, "right" if side not in _SIDES else side)
        self.support = self.side
        self.sigma = 1.0 if self.support == "right" else -1.0
        self.lateral = (self.sigma, 0.0, 0.0)
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

    def pose(self, p, amounts, side):
        target = amounts.get("hips_too_high", 0.0) - amounts.get("hips_too_low", 0.0)
        phi = amounts.get("elbow_not_under_shoulder", 0.0) * p
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


class BirdDog(Exercise):
    """Bird dog: from all fours, reach the opposite arm forward and leg back to horizontal.

    Prone quadruped along z, head toward +z (left = +x); hands under the shoulders, knees
    under the hips. ``leg_too_high`` raises the reaching leg above horizontal;
    ``hips_not_level`` rolls the pelvis about its long axis, lifting the moving leg's hip
    (the chest stays level; the roll pivots about the supporting hip and a small spine
    flexion keeps the supporting hand on the floor). The side of a rep is the moving LEG.
    """

    name = "bird_dog"
    phases = (1.0, 1.2, 1.0, 0.5)
    variant = "synthetic bird dog, alternating sides"
    rest_text = "on all fours"

    def __init__(self, body, side="alternate"):
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

    def rep_sides(self, reps):
        if self.side in _SIDES:
            return [self.side] * reps
        first = "right" if self.side == "alternate_right" else "left"
        return [first if i % 2 == 0 else _other(first) for i in range(reps)]

    def _leg(self, rp: np.ndarray, sd: str) -> dict[str, float]:
        flex, abd = limb_angles(rp, [0.0, -1.0, 0.0], sd)
        rth = rp @ rot_x(-flex) @ rot_z(_sgn(sd) * abd)
        kf = hinge_x(rth, (0, -1, 0), self.shank_dir)
        return {"hip_flex": flex, "hip_abd": abd, "knee_flex": kf, "ankle_dorsi": self.rest_dorsi}

    def _arm(self, rc: np.ndarray, sd: str) -> dict[str, float]:
        flex, abd = limb_angles(rc, [0.0, -1.0, 0.0], sd)
        return {"shoulder_flex": flex, "shoulder_abd": abd, "elbow_flex": 0.0, "forearm_pron": 90.0,
                "wrist_ext": 90.0}

    def pose(self, p, amounts, side):
        b = self.body
        leg_side = side or "left"
        arm_side = _other(leg_side)
        g = _sgn(leg_side)
        # Roll the pelvis about its long axis by the angle that raises the line between the two
        # hip landmarks exactly hips_not_level deg (the pelvis axis is pitched by tau).
        lift = math.radians(amounts.get("hips_not_level", 0.0) * p)
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
        elev = amounts.get("leg_too_high", 0.0)
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


EXERCISES: dict[str, type[Exercise]] = {
    cls.name: cls for cls in (GluteBridge, BirdDog, ForearmPlank, SidePlank, Squat)
}


def make_exercise(name: str, body: Body, side: str | None = None) -> Exercise:
    """Instantiate the exercise ``name`` for ``body``; ``ValueError`` naming valid ones."""
    if name not in EXERCISES:
        raise ValueError(f"unknown exercise {name!r}{_suggest(name, sorted(EXERCISES))}; "
                         f"valid: {', '.join(sorted(EXERCISES))}")
    cls = EXERCISES[name]
    return cls(body, side) if side is not None else cls(body)


# --------------------------------------------------------------------------- timeline


def ease(u: float) -> float:
    """Cosine ease-in-out on [0, 1]."""
    u = min(1.0, max(0.0, u))
    return 0.5 - 0.5 * math.cos(math.pi * u)


_U_PEAK = math.acos(1.0 - 2.0 * PEAK_PROGRESS) / math.pi


@dataclass(frozen=True)
class Rep:
    """One rep: go ``t0->t1``, extreme ``t1->t2``, return ``t2->t3``, rest ``t3->t4`` (s)."""

    index: int
    t0: float
    t1: float
    t2: float
    t3: float
    t4: float
    side: str | None
    amounts: dict = field(default_factory=dict, compare=False)

    @property
    def peak_s(self) -> float:
        return 0.5 * (self.t1 + self.t2)

    @property
    def peak_window(self) -> tuple[float, float]:
        """Where progress >= :data:`PEAK_PROGRESS` (the top/bottom phase)."""
        return self.t0 + _U_PEAK * (self.t1 - self.t0), self.t2 + (1.0 - _U_PEAK) * (self.t3 - self.t2)

    def progress(self, t: float) -> float:
        if t < self.t0 or t >= self.t3:
            return 0.0
        if t < self.t1:
            return ease((t - self.t0) / (self.t1 - self.t0))
        if t <= self.t2:
            return 1.0
        return 1.0 - ease((t - self.t2) / (self.t3 - self.t2))


@dataclass(frozen=True)
class FaultWindow:
    """Where a fault is present (ground truth) and which spec / rep it came from."""

    name: str
    magnitude_deg: float
    from_s: float
    to_s: float
    rep: int | None = None


@dataclass
class Timeline:
    """Times of everything in a clip; :meth:`state` gives progress, side and fault amounts at t."""

    exercise: str
    mode: str
    duration_s: float
    reps: list[Rep]
    position: tuple[float, float] | None
    lift: tuple[float, float] | None
    lower: tuple[float, float] | None
    faults: list[FaultWindow]
    hold_specs: list[tuple[FaultSpec, float, float]]

    def state(self, t: float) -> tuple[float, str | None, dict[str, float], int | None]:
        """(progress, moving side, fault amounts in degrees, 1-based rep index or None)."""
        if self.mode == "reps":
            for rep in self.reps:
                if rep.t0 <= t < rep.t4:
                    return rep.progress(t), rep.side, dict(rep.amounts), rep.index
            if not self.reps:
                return 0.0, None, {}, None
            return 0.0, (self.reps[0] if t < self.reps[0].t0 else self.reps[-1]).side, {}, None
        lift, lower = self.lift, self.lower
        if t < lift[0] or t >= lower[1]:
            q = 0.0
        elif t < lift[1]:
            q = ease((t - lift[0]) / (lift[1] - lift[0]))
        elif t < lower[0]:
            q = 1.0
        else:
            q = 1.0 - ease((t - lower[0]) / (lower[1] - lower[0]))
        amounts: dict[str, float] = {}
        for spec, a, b in self.hold_specs:
            w = _window_weight(t, a, b, self.position)
            if w > 0.0:
                amounts[spec.name] = amounts.get(spec.name, 0.0) + spec.magnitude_deg * w
        return q, None, amounts, None


def _window_weight(t: float, a: float, b: float, position: tuple[float, float]) -> float:
    """Fault weight at ``t`` for window [a, b]: half-weight at the edges, cosine ramps of
    :data:`FAULT_RAMP_S`; an edge on the position window's edge has no ramp (the fault is
    there from the moment the position is reached / until it is left)."""
    r = FAULT_RAMP_S / 2.0
    if a > position[0] + 1e-9:
        if t < a - r:
            return 0.0
        if t < a + r:
            return ease((t - (a - r)) / (2 * r))
    if b < position[1] - 1e-9:
        if t > b + r:
            return 0.0
        if t > b - r:
            return 1.0 - ease((t - (b - r)) / (2 * r))
    return 1.0


def check_dosage(reps: int, hold_s: float, tempo_s: float | None) -> None:
    """Refuse rep counts, hold lengths and tempos outside what the scripts are made for."""
    if not 1 <= reps <= 200:
        raise ValueError(f"reps must be between 1 and 200, got {reps}")
    if not 0.5 <= hold_s <= 600.0:
        raise ValueError(f"hold_s must be between 0.5 and 600 seconds, got {hold_s}")
    if tempo_s is not None and not 1.0 <= tempo_s <= 20.0:
        raise ValueError(f"tempo_s must be between 1 and 20 seconds, got {tempo_s}")


def check_faults(exercise: str, reps: int, hold_s: float, faults: tuple[FaultSpec, ...]) -> None:
    """Refuse fault lists that cannot be shown: wrong limiter for the exercise's mode, reps or
    windows outside the clip, or two faults on one body part at the same time."""
    mode = EXERCISES[exercise].mode
    for spec in faults:
        fault_def(exercise, spec.name)
        if mode == "reps" and spec.window_s is not None:
            raise ValueError(f"{spec.name}: {exercise} is a rep exercise; limit faults with @reps=..., not @t=...")
        if mode == "hold" and spec.reps is not None:
            raise ValueError(f"{spec.name}: {exercise} is a hold; limit faults with @t=start-end, not @reps=...")
        if spec.reps is not None and spec.reps[-1] > reps:
            raise ValueError(f"{spec.name}: rep {spec.reps[-1]} does not exist (the clip has {reps} reps)")
        if spec.window_s is not None:
            lo, hi = spec.window_s
            if hi > hold_s + 1e-9:
                raise ValueError(f"{spec.name}: window {lo:g}-{hi:g} s ends after the {hold_s:g} s hold")
            if lo > 1e-9 and hi < hold_s - 1e-9 and hi - lo < FAULT_RAMP_S:
                raise ValueError(f"{spec.name}: a window shorter than {FAULT_RAMP_S} s cannot be shown")
    for i, f1 in enumerate(faults):
        for f2 in faults[i + 1:]:
            same = f1.name == f2.name or FAULTS[exercise][f1.name].channel == FAULTS[exercise][f2.name].channel
            if not same:
                continue
            if mode == "reps":
                r1 = set(f1.reps) if f1.reps is not None else set(range(1, reps + 1))
                r2 = set(f2.reps) if f2.reps is not None else set(range(1, reps + 1))
                clash = bool(r1 & r2)
            else:
                a1, b1 = f1.window_s or (0.0, hold_s)
                a2, b2 = f2.window_s or (0.0, hold_s)
                clash = a1 < b2 + FAULT_RAMP_S and a2 < b1 + FAULT_RAMP_S
            if clash:
                what = "given twice" if f1.name == f2.name else f"and {f2.name} act on the same body part and"
                apart = "reps" if mode == "reps" else f"time windows (at least {FAULT_RAMP_S} s apart)"
                raise ValueError(f"fault {f1.name} {what} overlap; give them different {apart}")


def build_timeline(
    exercise: Exercise,
    reps: int,
    hold_s: float,
    faults: tuple[FaultSpec, ...],
    *,
    tempo_s: float | None,
    lead_s: float,
    seed: int,
) -> Timeline:
    """Lay out rests, reps (or lift, hold, lower) and fault windows for one clip."""
    check_dosage(reps, hold_s, tempo_s)
    check_faults(exercise.name, reps, hold_s, faults)
    if exercise.mode == "reps":
        return _rep_timeline(exercise, reps, faults, tempo_s, lead_s, seed)
    return _hold_timeline(exercise, hold_s, faults, tempo_s, lead_s)


def _rep_timeline(ex, reps, faults, tempo_s, lead_s, seed) -> Timeline:
    base = np.array(ex.phases, float)
    if tempo_s is not None:
        base = base * (tempo_s / base.sum())
    rng = np.random.default_rng([seed, 7])
    jitter = 1.0 + TEMPO_JITTER * rng.uniform(-1.0, 1.0, size=reps)
    sides = ex.rep_sides(reps)
    out: list[Rep] = []
    windows: list[FaultWindow] = []
    t = lead_s
    for i in range(reps):
        go, peak, back, rest = base * jitter[i]
        amounts: dict[str, float] = {}
        for spec in faults:
            if spec.reps is None or (i + 1) in spec.reps:
                amounts[spec.name] = spec.magnitude_deg
        is_last = i == reps - 1
        rep = Rep(i + 1, t, t + go, t + go + peak, t + go + peak + back,
                  t + go + peak + back + (0.0 if is_last else rest), sides[i], amounts)
        lo, hi = rep.peak_window
        for name in sorted(amounts):
            windows.append(FaultWindow(name, amounts[name], lo, hi, rep.index))
        out.append(rep)
        t = rep.t4
    duration = t + lead_s
    return Timeline(ex.name, "reps", duration, out, None, None, None, windows, [])


def _hold_timeline(ex, hold_s, faults, tempo_s, lead_s) -> Timeline:
    lift_s, lower_s = ex.phases
    if tempo_s is not None:
        lift_s = lower_s = min(3.0, max(0.5, tempo_s / 3.0))
    lift = (lead_s, lead_s + lift_s)
    position = (lift[1], lift[1] + hold_s)
    lower = (position[1], position[1] + lower_s)
    specs: list[tuple[FaultSpec, float, float]] = []
    windows: list[FaultWindow] = []
    for spec in faults:
        lo, hi = spec.window_s if spec.window_s is not None else (0.0, hold_s)
        a, b = position[0] + lo, position[0] + hi
        specs.append((spec, a, b))
        windows.append(FaultWindow(spec.name, spec.magnitude_deg, a, b, None))
    windows.sort(key=lambda w: (w.from_s, w.name))
    return Timeline(ex.name, "hold", lower[1] + lead_s, [], position, lift, lower, windows, specs)
