"""The timeline of a clip: rests, reps (or lift, hold, lower) and fault windows over time.

:func:`build_timeline` adds a short rest before and after the set, per-rep tempo from the
motion file with a small seeded jitter, and cosine easing of progress. In a rep exercise a
fault changes the extreme of the reps it is given for; in a hold it is present in a time
window, blended in and out over :data:`FAULT_RAMP_S` centred on the window edges (the
window edges are where half the magnitude is reached, and that is the ground truth).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from posecheck.synth.motion import Exercise, FaultSpec, fault_def
from posecheck.synth.motion_file import Motion

#: A rep's "top/bottom phase" is where progress is at least this close to the extreme.
PEAK_PROGRESS = 0.9
#: Seconds over which a hold fault blends in or out (centred on the window edge).
FAULT_RAMP_S = 0.4
#: Relative per-rep tempo jitter (uniform +-), drawn from the request seed.
TEMPO_JITTER = 0.06


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


def check_faults(motion: Motion, reps: int, hold_s: float, faults: tuple[FaultSpec, ...]) -> None:
    """Refuse fault lists that cannot be shown: unknown faults, wrong limiter for the
    exercise's mode, reps or windows outside the clip, or two faults on one channel (body
    part) at the same time."""
    exercise, mode, table = motion.name, motion.spec.mode, motion.spec.faults
    for spec in faults:
        fault_def(motion, spec.name)
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
            same = f1.name == f2.name or table[f1.name].channel == table[f2.name].channel
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
    rest_between_s: float | None = None,
) -> Timeline:
    """Lay out rests, reps (or lift, hold, lower) and fault windows for one clip.

    ``tempo_s`` scales every phase of a rep, the rest between reps included, to that many
    seconds; ``rest_between_s`` then sets the rest on its own (a rushed rep followed by a
    pause, which is how people rush: a quick jerk, a breath, the next one)."""
    check_dosage(reps, hold_s, tempo_s)
    check_faults(exercise.motion, reps, hold_s, faults)
    if exercise.mode == "reps":
        return _rep_timeline(exercise, reps, faults, tempo_s, lead_s, seed, rest_between_s)
    return _hold_timeline(exercise, hold_s, faults, tempo_s, lead_s)


def _rep_timeline(ex, reps, faults, tempo_s, lead_s, seed, rest_between_s=None) -> Timeline:
    base = np.array(ex.phases, float)
    if tempo_s is not None:
        base = base * (tempo_s / base.sum())
    if rest_between_s is not None:
        base[3] = rest_between_s
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

