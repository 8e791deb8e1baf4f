"""Exercises from motion files, and the faults a request injects into them.

:func:`make_exercise` reads the motion file of an exercise
(:mod:`posecheck.synth.motion_file`) and builds an :class:`Exercise` for one body: it turns
a *progress* value (0 rest -> 1 the rep's extreme or the held position) and the amounts of
the active faults into a :class:`~posecheck.synth.skeleton.Pose` and the pose's truth
metrics, through an exact solver (:mod:`posecheck.synth.solvers`) or angle keyframes
(:mod:`posecheck.synth.keyframed`), whichever the file selects.

Faults are ``name:magnitude`` in degrees, the names and sizes a motion file's ``[faults]``
define (:func:`parse_fault`); a fault of magnitude m adds m times its ``change``
coefficients to the drives or joint angles they name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from posecheck.pose.landmarks import suggest
from posecheck.synth.keyframed import KeyframedPoser
from posecheck.synth.motion_file import Fault, Motion, SolverMotion, load_motion, load_motion_file, motion_files
from posecheck.synth.skeleton import Body, Pose
from posecheck.synth.solvers import SOLVERS, PoseSolver


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


def fault_def(motion: Motion, name: str) -> Fault:
    """The fault ``name`` of ``motion``; ``ValueError`` naming the valid ones."""
    table = motion.spec.faults
    if name not in table:
        exercise = motion.name
        raise ValueError(f"unknown fault {name!r} for {exercise}{suggest(name, sorted(table))}; "
                         f"valid faults for {exercise}: {', '.join(sorted(table)) or '(none)'}")
    return table[name]


def _any_fault(name: str) -> Fault:
    """The fault ``name`` of the first exercise (alphabetically) that has one."""
    motions = [load_motion_file(path) for _, path in sorted(motion_files().items())]
    for motion in motions:
        if name in motion.spec.faults:
            return motion.spec.faults[name]
    known = sorted({n for m in motions for n in m.spec.faults})
    raise ValueError(f"unknown fault {name!r}{suggest(name, known)}; valid: {', '.join(known)}")


_FAULT_RE = re.compile(r"^\s*([a-z_]+)\s*(?::\s*([-+0-9.eE]+))?\s*((?:@[^@]*)*)$")


def parse_fault(text: str, exercise: str | Motion | None = None) -> FaultSpec:
    """Parse ``name[:magnitude][@reps=1,3][@t=2-6.5]`` into a :class:`FaultSpec`.

    The magnitude defaults to the fault's usual size. With ``exercise`` (a name or a loaded
    motion) the name must be one of that exercise's faults; without it, any known fault
    name. Errors are ``ValueError`` with the valid choices and a did-you-mean suggestion.
    """
    m = _FAULT_RE.match(text or "")
    if not m:
        raise ValueError(f"cannot read fault {text!r}; expected name:magnitude, e.g. 'hips_sagging:12'")
    name, mag_text, extras = m.group(1), m.group(2), m.group(3)
    if exercise is None:
        fdef = _any_fault(name)
    else:
        fdef = fault_def(load_motion(exercise) if isinstance(exercise, str) else exercise, name)
    try:
        magnitude = float(mag_text) if mag_text is not None else float(fdef.default_deg)
    except ValueError:
        raise ValueError(f"fault magnitude {mag_text!r} in {text!r} is not a number") from None
    if not 0.0 < magnitude <= fdef.max_deg:
        raise ValueError(f"{name} magnitude must be in (0, {fdef.max_deg:g}] degrees, got {magnitude:g}")
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


def check_side(motion: Motion, side: str | None) -> None:
    """Refuse a request ``side`` the motion does not offer, naming the valid ones."""
    valid = motion.spec.side_choices()
    if side is not None and side not in valid:
        raise ValueError(f"side {side!r} does not apply to {motion.name}"
                         + (f"; valid: {', '.join(valid)}" if valid else "; leave it unset"))


class Exercise:
    """One exercise performed by one body: the motion file's settings plus the poser that
    turns progress and fault amounts into poses.

    ``side`` is the request's choice: for alternating motions the rep order
    (``alternate`` = left first, ``alternate_right``) or a single side for every rep
    (``left``/``right``); for one-sided motions the side the exercise is done with. None
    takes the motion's default. ``lateral`` and ``heading`` are the horizontal world
    directions a camera at azimuth 0 ("side") and 90 ("front") sits in.
    """

    def __init__(self, motion: Motion, body: Body, side: str | None = None):
        check_side(motion, side)
        spec = motion.spec
        self.motion = motion
        self.name = motion.name
        choices = spec.side_choices()
        self.side = side if side is not None else (choices[0] if choices else None)
        self.fixed_side = self.side if spec.sides == "one_side" else None
        self.poser: PoseSolver | KeyframedPoser = (
            SOLVERS[spec.solver](body, self.fixed_side) if isinstance(spec, SolverMotion) else KeyframedPoser(spec, body)
        )
        self.lateral, self.heading = spec.directions(self.fixed_side)

    @property
    def mode(self) -> str:
        return self.motion.spec.mode

    @property
    def phases(self) -> tuple[float, ...]:
        """Default seconds of one rep (go, extreme, return, rest) or of a hold's lift and lowering."""
        return self.motion.spec.phases

    @property
    def default_view(self) -> str:
        return self.motion.spec.camera.view

    @property
    def variant(self) -> str:
        return self.motion.spec.text.variant

    @property
    def rest_text(self) -> str:
        return self.motion.spec.text.rest

    @property
    def position_text(self) -> str:
        return self.motion.spec.text.position or ""

    def rep_sides(self, reps: int) -> list[str | None]:
        """Moving side of each rep (None for symmetric motions)."""
        sides = self.motion.spec.sides
        if sides == "symmetric":
            return [None] * reps
        if self.side in ("left", "right"):
            return [self.side] * reps
        first = "right" if self.side == "alternate_right" else "left"
        second = "left" if first == "right" else "right"
        return [first if i % 2 == 0 else second for i in range(reps)]

    def changes(self, amounts: dict[str, float]) -> dict[str, float]:
        """What the active faults change: the sum of their ``change`` coefficients times their
        amounts in degrees, by solver drive or keyframe channel name."""
        out: dict[str, float] = {}
        for name, fault in self.motion.spec.faults.items():
            magnitude = amounts.get(name)
            if magnitude:
                for key, per_degree in fault.change.items():
                    out[key] = out.get(key, 0.0) + per_degree * magnitude
        return out

    def pose(self, p: float, amounts: dict[str, float], side: str | None = None) -> tuple[Pose, dict[str, float]]:
        """The pose at progress ``p`` with the faults' degrees in ``amounts``; ``side`` is the
        rep's moving side (None: the one-sided motion's side, or symmetric). Also returns the
        truth metrics."""
        return self.poser.pose(p, self.changes(amounts), side if side is not None else self.fixed_side)


def make_exercise(name: str | Motion, body: Body, side: str | None = None) -> Exercise:
    """The exercise ``name`` (or an already loaded motion) for ``body``; ``ValueError`` naming
    the valid exercises."""
    return Exercise(load_motion(name) if isinstance(name, str) else name, body, side)
