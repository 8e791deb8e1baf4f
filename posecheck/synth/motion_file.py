"""Motion files: how the synthetic subject performs one exercise, one TOML file each.

``exercise_specs/motions/<name>.toml`` sits beside the spec ``exercise_specs/<name>.toml``
of the same name; adding an exercise to the renderer is writing that one file. Search path,
as for specs: the ``motions/`` subfolder of every ``$POSECHECK_SPECS`` folder
(``os.pathsep``-separated), then of the checkout's ``exercise_specs/``, then of the copy
packaged in the wheel (``posecheck/_specs``); earlier folders win.

A file holds::

    schema_version = 1
    # variant_of = "side_plank"    # a variant of another exercise (file side_plank_straight_arm.toml):
                                   # its clips are labelled, judged and swept with that spec
    mode = "reps"                  # or "hold"
    sides = "symmetric"            # "alternating" (per rep) or "one_side" (+ default_side)
    body = "keyframed"             # or "solver" + solver = "glute_bridge"
    base = "supine"                # keyframed: see posecheck.synth.keyframed.BASES
    mat = true                     # exercise mat under the subject (default true)

    [tempo]                        # seconds: reps go_s, extreme_s, return_s, rest_s;
    go_s = 1.0                     # holds lift_s, lower_s
    extreme_s = 0.8
    return_s = 1.0
    rest_s = 0.4

    [camera]
    view = "side"                  # default view
    elevation_deg = 12.0           # default camera elevation
    # lateral = [1.0, 0.0, 0.0]    # solver motions only: the world directions the side
    # heading = [0.0, 0.0, 1.0]    # and front cameras sit in (keyframed: from the base)

    [text]
    variant = "synthetic knees-to-chest"
    rest = "lying on the back"
    # position = "..."             # holds: what the held position is called

    [[keyframes]]                  # keyframed: channels at progress `at` (the base posture
    at = 1.0                       # is progress 0 unless a keyframe sets it); the last
    [keyframes.angles]             # keyframe is at 1.0. [keyframes.offsets] sets values
    both_hip_flex = 120.0          # relative to the base posture.
    both_knee_flex = 130.0

    [faults.knees_not_to_chest]    # a fault, named like the spec cue it should trigger
    default_deg = 20.0
    max_deg = 40.0
    channel = "hip"                # faults on one channel may not overlap in time
    change = { both_hip_flex = -1.0 }   # degrees per degree of magnitude, at progress 1
    meaning = "hip flexion {m:g} deg short at the top"
    # costs_good_form = false      # the spec's cue is a reminder (severity info)

    [[samples]]                    # a curated clip of sample_videos/ (`posecheck samples`)
    name = "kneeschest_clean_side"
    view = "side"
    seed = 5                       # subject, room and tempo jitter are drawn from it
    reps = 2                       # or hold_s = 7.0; faults = ["name:deg@reps=2"]

    [[samples]]                    # a rushed set: every rep is expected to trip the
    name = "kneeschest_rushed_side"  # spec's timing cues named in timing_faults
    view = "side"
    seed = 6
    tempo_s = 1.4                  # seconds per rep
    rest_between_s = 0.8           # the pause between reps (default: scaled with the tempo)
    timing_faults = ["too_fast"]
    # side = "left"                # sided motions: rep order or side, as SynthRequest.side

Sided motions (``alternating``, ``one_side``) are written for the moving side on the left
and use ``moving_`` / ``other_`` / ``both_`` angle prefixes; the right side is the mirror
image. The ``lateral``/``heading`` of a one-sided solver motion are likewise given for the
left side. A solver motion's ``change`` keys are the solver's drives
(:attr:`posecheck.synth.solvers.PoseSolver.drives`).

Every problem is one :class:`MotionFileError` line: ``file: field: what is wrong`` and how
to fix it.
"""

from __future__ import annotations

import math
import os
import tomllib
import types
from abc import abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

from posecheck.errors import SpecError
from posecheck.pose.landmarks import suggest
from posecheck.synth.camera import VIEWS
from posecheck.synth.keyframed import BASES, resolve_channel, resolve_landmark
from posecheck.synth.solvers import SOLVERS

#: The motion file format's version (``schema_version`` in every file).
SCHEMA_VERSION = 1
_REPO_SPECS = Path(__file__).resolve().parents[2] / "exercise_specs"
_PACKAGED_SPECS = Path(__file__).resolve().parents[1] / "_specs"
_REP_TEMPO = ("go_s", "extreme_s", "return_s", "rest_s")
_HOLD_TEMPO = ("lift_s", "lower_s")

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Direction = tuple[float, float, float]


class MotionFileError(SpecError, ValueError):
    """A motion file is missing, unreadable or invalid; one line per problem naming file and field.

    A motion file is half of an exercise's data, so the CLI reports it as a spec error (exit 14).
    """


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Fault(_Strict):
    """One injectable fault: its magnitude range (degrees), the channel it occupies (two
    faults on one channel may not overlap), what it changes per degree of magnitude, and a
    sentence for the labels with ``{m:g}`` for the magnitude. ``costs_good_form = false``
    when the spec's cue is a reminder (severity ``info``) that good-form time ignores: a
    hold's labels then keep the faulty seconds as good form."""

    default_deg: float = Field(gt=0.0, le=90.0)
    max_deg: float = Field(gt=0.0, le=90.0)
    channel: Identifier
    change: dict[str, float] = Field(min_length=1)
    meaning: str = Field(min_length=1)
    costs_good_form: bool = True

    @field_validator("meaning")
    @classmethod
    def _mentions_magnitude(cls, text: str) -> str:
        try:
            formatted = text.format(m=1.5)
        except (KeyError, IndexError, ValueError):
            raise ValueError("write the magnitude as {m:g} and double any other brace ({{ }})") from None
        if formatted == text:
            raise ValueError("say how big the fault is: include {m:g} (the magnitude in degrees)")
        return text

    @model_validator(mode="after")
    def _default_within_max(self) -> Fault:
        if self.default_deg > self.max_deg:
            raise ValueError(f"default_deg {self.default_deg:g} is above max_deg {self.max_deg:g}; lower it or raise max_deg")
        return self


class Tempo(_Strict):
    """Seconds of one rep (go, extreme, return, rest) or of a hold's lift and lowering."""

    go_s: float | None = Field(None, gt=0.0, le=20.0)
    extreme_s: float | None = Field(None, gt=0.0, le=20.0)
    return_s: float | None = Field(None, gt=0.0, le=20.0)
    rest_s: float | None = Field(None, gt=0.0, le=20.0)
    lift_s: float | None = Field(None, gt=0.0, le=20.0)
    lower_s: float | None = Field(None, gt=0.0, le=20.0)


class Camera(_Strict):
    """Default view and elevation; the horizontal world directions of the side (azimuth 0)
    and front (azimuth 90) cameras."""

    view: Literal[tuple(VIEWS)]  # type: ignore[valid-type]
    elevation_deg: float = Field(ge=-20.0, le=75.0)
    lateral: Direction | None = None
    heading: Direction | None = None

    @model_validator(mode="after")
    def _horizontal_and_perpendicular(self) -> Camera:
        for name in ("lateral", "heading"):
            v = getattr(self, name)
            if v is not None and (v[1] != 0.0 or abs(math.hypot(v[0], v[2]) - 1.0) > 1e-9):
                raise ValueError(f"{name} must be a horizontal unit vector [x, 0, z], got {list(v)}")
        if self.lateral is not None and self.heading is not None:
            if abs(self.lateral[0] * self.heading[0] + self.lateral[2] * self.heading[2]) > 1e-9:
                raise ValueError("lateral and heading must be perpendicular")
        return self


class Text(_Strict):
    """Words for the labels: the clip's variant, the rest pose, the held position (holds)."""

    variant: str = Field(min_length=1)
    rest: str = Field(min_length=1)
    position: str | None = Field(None, min_length=1)


Angle = Annotated[float, Field(ge=-180.0, le=180.0)]


class Keyframe(_Strict):
    """Channel values (degrees) at one progress value: ``angles`` as they are, ``offsets``
    added to the base posture's value (for bases whose posture depends on the body, such as
    ``quadruped``: ``both_shoulder_flex = 20`` keeps the arms vertical under a chest
    flexed 20 deg)."""

    at: float = Field(ge=0.0, le=1.0)
    angles: dict[str, Angle] = Field(default_factory=dict)
    offsets: dict[str, Angle] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _something_set(self) -> Keyframe:
        if not self.angles and not self.offsets:
            raise ValueError("set at least one channel in [keyframes.angles] or [keyframes.offsets]")
        return self

    def channels(self) -> list[tuple[str, str, float]]:
        """``(table, name, value)`` for every channel the keyframe sets."""
        return [("angles", n, v) for n, v in self.angles.items()] + [("offsets", n, v) for n, v in self.offsets.items()]


class SampleClip(_Strict):
    """One curated clip of this exercise in ``sample_videos/``: its file stem and how to render it."""

    name: Identifier
    view: Literal[tuple(VIEWS)]  # type: ignore[valid-type]
    seed: int = Field(ge=0)
    faults: list[str] = Field(default_factory=list, description="name:degrees[@reps=..|@t=a-b], as `synth --fault`")
    reps: int = Field(3, ge=1, le=30)
    hold_s: float = Field(7.0, gt=0.0, le=120.0)
    side: str | None = Field(None, description="rep order or side, as `SynthRequest.side` [default: the motion's]")
    tempo_s: float | None = Field(None, ge=1.0, le=20.0, description="seconds per rep, for a rushed set")
    rest_between_s: float | None = Field(None, ge=0.0, le=10.0, description="rest between reps (default: the tempo's)")
    timing_faults: list[Identifier] = Field(
        default_factory=list, description="the spec's timing cues this tempo trips, expected on every rep")


class _Motion(_Strict):
    """What every motion file holds, whatever its body."""

    schema_version: Literal[SCHEMA_VERSION]  # type: ignore[valid-type]
    variant_of: Identifier | None = Field(
        None, description="the spec this motion is a variant of (default: the spec named like the file)")
    mode: Literal["reps", "hold"]
    sides: Literal["symmetric", "alternating", "one_side"]
    default_side: Literal["left", "right"] | None = None
    mat: bool = True
    tempo: Tempo
    camera: Camera
    text: Text
    faults: dict[Identifier, Fault] = Field(default_factory=dict)
    samples: list[SampleClip] = Field(default_factory=list, description="the curated clips of sample_videos/")

    @model_validator(mode="after")
    def _consistent(self) -> _Motion:
        need, other = (_REP_TEMPO, _HOLD_TEMPO) if self.mode == "reps" else (_HOLD_TEMPO, _REP_TEMPO)
        for name in need:
            if getattr(self.tempo, name) is None:
                raise ValueError(f"tempo.{name}: a {self.mode} motion needs {', '.join(need)}; add it")
        for name in other:
            if getattr(self.tempo, name) is not None:
                raise ValueError(f"tempo.{name}: not used by a {self.mode} motion (it takes {', '.join(need)}); remove it")
        if (self.mode == "hold") != (self.text.position is not None):
            fix = "add it (what the held position is called)" if self.mode == "hold" else "remove it (holds only)"
            raise ValueError(f"text.position: {fix}")
        if (self.sides == "one_side") != (self.default_side is not None):
            fix = "add it (left or right)" if self.sides == "one_side" else 'remove it (only for sides = "one_side")'
            raise ValueError(f"default_side: {fix}")
        for i, sample in enumerate(self.samples):
            if sample.side is not None and sample.side not in self.side_choices():
                valid = ", ".join(self.side_choices()) or "none: leave it out (a symmetric motion)"
                raise ValueError(f"samples[{i}].side: {sample.side!r} is not a side of this motion; valid: {valid}")
            for name in ("timing_faults", "rest_between_s"):
                if getattr(sample, name) not in (None, []) and self.mode != "reps":
                    raise ValueError(f"samples[{i}].{name}: a hold has no reps to rush or rest between; remove it")
            if sample.timing_faults and sample.tempo_s is None:
                raise ValueError(f"samples[{i}].timing_faults: a timing fault needs a rushed set; "
                                 "add tempo_s (seconds per rep)")
        return self

    @property
    def phases(self) -> tuple[float, ...]:
        """Tempo in the timeline's order: go, extreme, return, rest; or lift, lower."""
        return tuple(getattr(self.tempo, n) for n in (_REP_TEMPO if self.mode == "reps" else _HOLD_TEMPO))

    def side_choices(self) -> tuple[str, ...]:
        """Values a request's ``side`` may take, the default first (empty: no choice)."""
        if self.sides == "alternating":
            return ("alternate", "alternate_right", "left", "right")
        if self.sides == "one_side":
            return (self.default_side, "right" if self.default_side == "left" else "left")
        return ()

    def directions(self, side: str | None) -> tuple[Direction, Direction]:
        """(lateral, heading) camera directions for a motion done with ``side``: the file's
        (or the base's) left-side directions, mirrored for the right side of a one-sided motion."""
        lateral, heading = self._directions()
        if self.sides == "one_side" and side == "right":
            return (0.0 - lateral[0], lateral[1], lateral[2]), (0.0 - heading[0], heading[1], heading[2])
        return lateral, heading

    @abstractmethod
    def _directions(self) -> tuple[Direction, Direction]:
        """The camera directions of the left-side version."""


class SolverMotion(_Motion):
    """A motion whose poses come from an exact solver (:mod:`posecheck.synth.solvers`)."""

    body: Literal["solver"]
    solver: str

    @model_validator(mode="after")
    def _solver_fits(self) -> SolverMotion:
        if self.solver not in SOLVERS:
            raise ValueError(f"solver: unknown solver {self.solver!r}{suggest(self.solver, sorted(SOLVERS))}; "
                             f"known: {', '.join(sorted(SOLVERS))}")
        cls = SOLVERS[self.solver]
        if self.sides != cls.sides:
            raise ValueError(f'sides: solver {self.solver} is written for sides = "{cls.sides}"; use that')
        for name, fault in self.faults.items():
            for key in fault.change:
                if key not in cls.drives:
                    raise ValueError(f"faults.{name}.change.{key}: not a drive of solver {self.solver}"
                                     f"{suggest(key, list(cls.drives))}; drives: {', '.join(cls.drives)}")
        for name in ("lateral", "heading"):
            if getattr(self.camera, name) is None:
                raise ValueError(f"camera.{name}: a solver motion must give it (a horizontal unit vector [x, 0, z])")
        return self

    def _directions(self) -> tuple[Direction, Direction]:
        return self.camera.lateral, self.camera.heading


class KeyframedMotion(_Motion):
    """A motion given as joint-angle keyframes over progress (:mod:`posecheck.synth.keyframed`)."""

    body: Literal["keyframed"]
    base: Literal[tuple(BASES)]  # type: ignore[valid-type]
    anchor: str | None = None
    keyframes: list[Keyframe] = Field(min_length=1)

    @model_validator(mode="after")
    def _channels_fit(self) -> KeyframedMotion:
        for name in ("lateral", "heading"):
            if getattr(self.camera, name) is not None:
                raise ValueError(f"camera.{name}: a keyframed motion takes the camera directions from its base; "
                                 f"remove it")
        if BASES[self.base].sided and self.sides != "one_side":
            raise ValueError(f'base: {self.base} lies on one side; use it with sides = "one_side" or choose '
                             f"another base")
        ats = [key.at for key in self.keyframes]
        if any(b <= a for a, b in zip(ats, ats[1:])) or ats[-1] != 1.0:
            raise ValueError(f"keyframes: progress values must increase and end at 1.0 (the extreme or held "
                             f"position), got {ats}")
        for i, key in enumerate(self.keyframes):
            seen: dict[str, str] = {}
            for table, name, _ in key.channels():
                where = f"keyframes[{i}].{table}.{name}"
                for channel in _channels(name, self.sides, where):
                    if channel in seen:
                        raise ValueError(f"{where}: sets {channel} again (already set by {seen[channel]}); keep one")
                    seen[channel] = f"{table}.{name}"
                if self.sides == "alternating" and key.at == 0.0 and not _mirror_neutral(name):
                    raise ValueError(f"{where}: an alternating motion rests in a symmetric pose (the reps switch "
                                     f"sides there); use both_ angles or leave it to a later keyframe")
        for fname, fault in self.faults.items():
            for key in fault.change:
                _channels(key, self.sides, f"faults.{fname}.change.{key}")
        if self.anchor is not None:
            try:
                resolve_landmark(self.anchor, self.sides)
            except ValueError as exc:
                raise ValueError(f"anchor: {exc}") from None
        return self

    def _directions(self) -> tuple[Direction, Direction]:
        return BASES[self.base].lateral, BASES[self.base].heading


MotionFile = Annotated[Union[SolverMotion, KeyframedMotion], Field(discriminator="body")]
_ADAPTER: TypeAdapter = TypeAdapter(MotionFile)


def _channels(name: str, sides: str, where: str) -> tuple[str, ...]:
    try:
        return resolve_channel(name, sides)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _mirror_neutral(name: str) -> bool:
    """True for channels a symmetric rest pose may set: ``both_`` and forward-backward ones."""
    return name.startswith("both_") or name in ("spine_flex", "neck_flex", "pelvis_flex")


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Motion:
    """A validated motion file: its ``name`` (the file's stem), where it was read from, and its
    content."""

    name: str
    path: Path
    spec: SolverMotion | KeyframedMotion

    @property
    def exercise(self) -> str:
        """The spec that judges this motion's clips: ``variant_of``, else the motion's own name."""
        return self.spec.variant_of or self.name


def motion_dirs() -> list[Path]:
    """Folders searched for ``<name>.toml`` motion files, in priority order (existing ones only)."""
    roots = [Path(p) for p in os.environ.get("POSECHECK_SPECS", "").split(os.pathsep) if p]
    out: list[Path] = []
    for root in roots + [_REPO_SPECS, _PACKAGED_SPECS]:
        d = root / "motions"
        if d.is_dir() and d.resolve() not in [o.resolve() for o in out]:
            out.append(d)
    return out


def motion_files() -> dict[str, Path]:
    """Every motion file found, by exercise name; earlier folders win."""
    found: dict[str, Path] = {}
    for d in motion_dirs():
        for path in sorted(d.glob("*.toml")):
            found.setdefault(path.stem, path)
    return found


def motion_names() -> list[str]:
    """Names of every exercise the renderer can perform, sorted."""
    return sorted(motion_files())


def load_motion(name: str) -> Motion:
    """The motion of exercise ``name``; ``ValueError`` naming the known ones."""
    files = motion_files()
    if name not in files:
        known = sorted(files)
        raise ValueError(f"unknown exercise {name!r}{suggest(name, known)}; valid: {', '.join(known)}")
    return load_motion_file(files[name])


def load_motion_file(path: str | os.PathLike[str]) -> Motion:
    """Read and validate one motion file; :class:`MotionFileError` with one line per problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MotionFileError(f"{path}: motion file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise MotionFileError(f"{path}: cannot read the motion file: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MotionFileError(f"{path}: invalid TOML: {exc}") from None
    try:
        spec = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise MotionFileError(format_errors(path, exc, data)) from None
    if spec.variant_of is not None:
        from posecheck.specs.loader import spec_files

        known = sorted(spec_files())
        if spec.variant_of not in known:
            raise MotionFileError(f"{path}: variant_of: no spec is named {spec.variant_of!r}"
                                  f"{suggest(spec.variant_of, known)}; name one of: {', '.join(known)}")
    return Motion(path.stem, path, spec)


# --------------------------------------------------------------------------- error lines


def format_errors(path: Path, exc: ValidationError, data: Any) -> str:
    """One line per problem: ``file: field: what is wrong; how to fix it``."""
    body = data.get("body") if isinstance(data, dict) else None
    model = {"solver": SolverMotion, "keyframed": KeyframedMotion}.get(body)
    lines = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        if model is not None and loc[:1] == (body,):
            loc = loc[1:]
        loc = tuple(p for p in loc if p != "[key]")
        field = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in loc).replace(".[", "[")
        lines.append(f"{path}: {field + ': ' if field else ''}{_message(err, loc, model)}")
    return "\n".join(lines)


def _message(err: dict, loc: tuple, model: type[BaseModel] | None) -> str:
    kind = err["type"]
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return 'body: say how the poses are made: body = "keyframed" (angle keyframes) or body = "solver" (+ solver)'
    if kind == "extra_forbidden":
        allowed = _allowed_fields(loc, model) if model else []
        hint = suggest(str(loc[-1]), allowed)
        return f"unknown field; remove it{hint or ''}" + (f" (allowed here: {', '.join(allowed)})" if not hint and allowed else "")
    if kind == "missing":
        return "required field is missing; add it"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        options = [o.strip().strip("'") for o in expected.replace(" or ", ",").split(",") if o.strip()]
        return f"must be one of {expected}, got {err['input']!r}{suggest(str(err['input']), options)}"
    if kind == "string_pattern_mismatch":
        return f"{err['input']!r}: use lower-case letters, digits and _, starting with a letter"
    msg = err["msg"].removeprefix("Value error, ")
    return msg[:1].lower() + msg[1:]


def _allowed_fields(loc: tuple, model: type[BaseModel]) -> list[str]:
    """Field names allowed at the table ``loc`` points into (for did-you-mean on unknown keys)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            current = field.annotation if field else None
        elif get_origin(current) in (dict, list):
            current = get_args(current)[-1]
        while get_origin(current) in (Union, types.UnionType, Annotated):
            current = next((a for a in get_args(current) if a is not type(None)), None)
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []
