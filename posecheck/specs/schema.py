"""The exercise spec format, version 2: pydantic v2 models, strict (unknown fields are errors).

A spec declares named *metrics* (geometry over named joints), the *posture* the exercise
is done in, *drivers* that turn metrics into reps, held time or a sequence of states, and
*cues* that judge form. ``docs/specs.md`` documents every rule kind with an example;
``posecheck specs schema`` prints the JSON Schema generated from these models.

Rule kinds that differ in what they need are separate models selected by ``kind`` (a
pydantic discriminated union): a new kind is a new model plus a new part in
:mod:`posecheck.core`, never a new branch in an existing one.

Joint references in metrics are MediaPipe joint names (``left_hip``) or templates resolved
per frame: ``side_<joint>`` (the working side chosen by ``sides``), ``other_<joint>`` (the
opposite side) and ``mid_<joint>`` (the midpoint of left and right).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from posecheck.pose.landmarks import JOINT_NAMES, SIDED_SUFFIXES, suggest

SPEC_SCHEMA_VERSION = 2
TEMPLATE_PREFIXES = ("side_", "other_", "mid_")
View = Literal["side", "front", "oblique", "rear"]
Direction = Literal["up", "down"]
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"


class MetricKind(BaseModel):
    """What a metric kind takes and returns (the implementations live in ``posecheck.core.metrics``)."""

    joints: int
    meaning: str
    signed: bool = False
    world_only: bool = False  #: a 3D quantity: the metric must set space = "world"
    body_axes: bool = False  #: also needs the body's directions (shoulders and hips visible)


#: Every metric kind: how many joints it takes and what its value means.
METRIC_KINDS: dict[str, MetricKind] = {
    "angle": MetricKind(joints=3, meaning="[a, vertex, c]: angle at the middle joint, 0..180 deg (180 = straight)"),
    "tilt": MetricKind(joints=2, meaning="[from, to]: segment angle against `reference`, 0..90 deg, unsigned"),
    "elevation": MetricKind(
        joints=2, signed=True, meaning="[from, to]: how far the segment points above the horizontal, -90..90 deg"
    ),
    "lean": MetricKind(
        joints=2, signed=True, body_axes=True,
        meaning="[from, to]: segment angle from vertical in the body's own front-back plane, "
        "+ = toward the front (trunk leaning forward), -180..180 deg",
    ),
    "ahead": MetricKind(
        joints=2, signed=True, body_axes=True,
        meaning="[a, b]: how far a is in front of b along the body's forward direction, in torso lengths",
    ),
    "facing": MetricKind(
        joints=0, signed=True, world_only=True, body_axes=True,
        meaning="[]: where the chest points, -90 (to the floor: prone, all fours) .. 90 deg (to the ceiling: supine)",
    ),
    "rise": MetricKind(
        joints=2, signed=True, world_only=True, body_axes=True,
        meaning="[from, to]: how far the segment points out of the trunk's plane toward where the chest faces, "
        "-90..90 deg (lying on the back: a leg resting on the floor about 0, lifted +)",
    ),
    "roll": MetricKind(
        joints=4, signed=True, world_only=True, body_axes=True,
        meaning="[from, to, a, b]: how far the segment from->to is turned about the trunk's long axis, out of the "
        "body's mid-plane toward a's side of the line b->a, -90..90 deg (lying on the back with bent knees, "
        "[mid_hip, mid_knee, side_shoulder, other_shoulder]: 0 knees up, about 90 knees on the floor at that side)",
    ),
    "offset": MetricKind(
        joints=3, signed=True,
        meaning="[point, line_a, line_b]: distance of the point from the line / |line|, + = toward `toward`",
    ),
    "height_diff": MetricKind(joints=2, signed=True, meaning="[a, b]: how much higher a is than b, / torso length"),
    "distance_ratio": MetricKind(joints=4, meaning="[a, b, c, d]: |ab| / |cd|"),
    "segment_angle": MetricKind(joints=4, meaning="[a, b, c, d]: angle between directions a->b and c->d, 0..180 deg"),
}


def valid_joint_refs() -> list[str]:
    """Every joint reference a spec may use (for suggestions and the JSON Schema)."""
    return list(JOINT_NAMES) + [p + s for p in TEMPLATE_PREFIXES for s in SIDED_SUFFIXES]


def check_joint_ref(ref: str) -> str:
    if ref in JOINT_NAMES:
        return ref
    for prefix in TEMPLATE_PREFIXES:
        if ref.startswith(prefix) and ref[len(prefix) :] in SIDED_SUFFIXES:
            return ref
    raise ValueError(f"unknown joint {ref!r}{suggest(ref, valid_joint_refs())}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class MetricSpec(_Strict):
    """One named measurement per frame, visibility-gated on all of its joints."""

    kind: Literal[tuple(METRIC_KINDS)]  # type: ignore[valid-type]
    joints: list[str] = Field(
        default_factory=list, description="joint names or side_/other_/mid_ templates; count depends on kind"
    )
    space: Literal["image", "world"] = Field(
        "image", description="image: 2D pixels; world: MediaPipe 3D world landmarks in metres"
    )
    reference: Literal["horizontal", "vertical"] | None = Field(None, description="tilt only")
    toward: Literal["up", "forward"] | None = Field(
        None, description="offset only: the side of the line that counts as positive [default: up]"
    )
    smoothing_hz: float | None = Field(
        None, gt=0, le=30, description="One Euro minimum cut-off; default: the spec's smoothing_hz"
    )
    min_visibility: float | None = Field(
        None, ge=0, le=1,
        description="this metric's joints below this visibility are not scored; default: the spec's min_visibility "
        "(lower it for a far limb the model places well but marks hidden)",
    )
    description: str = ""

    @field_validator("joints")
    @classmethod
    def _joints_known(cls, joints: list[str]) -> list[str]:
        return [check_joint_ref(j) for j in joints]

    @model_validator(mode="after")
    def _arity(self) -> MetricSpec:
        kind = METRIC_KINDS[self.kind]
        if len(self.joints) != kind.joints:
            raise ValueError(f"{self.kind!r} metrics take {kind.joints} joints {kind.meaning}; got {len(self.joints)}")
        if self.kind == "tilt" and self.reference is None:
            raise ValueError("a 'tilt' metric needs reference = 'horizontal' or 'vertical'")
        if self.kind != "tilt" and self.reference is not None:
            raise ValueError(f"'reference' applies to tilt metrics only, not {self.kind!r}")
        if self.kind != "offset" and self.toward is not None:
            raise ValueError(f"'toward' applies to offset metrics only, not {self.kind!r}")
        if kind.world_only and self.space != "world":
            raise ValueError(f"a {self.kind!r} metric needs space = 'world' (the body's directions are 3D quantities)")
        return self


class Condition(_Strict):
    """A metric past a threshold, with hysteresis.

    ``direction = "up"``: true once the metric rises to ``enter``, false again once it falls
    to ``exit`` (so ``enter > exit``). ``direction = "down"``: true once it falls to
    ``enter``, false once it rises to ``exit`` (``enter < exit``).
    """

    metric: str
    direction: Direction = Field(description="up: high values are true; down: low values are true")
    enter: float
    exit: float

    @model_validator(mode="after")
    def _ordered(self) -> Condition:
        if self.direction == "up" and not self.enter > self.exit:
            raise ValueError(
                f"direction 'up' needs enter > exit (got enter {self.enter:g}, exit {self.exit:g}); "
                "swap them or use direction = 'down'"
            )
        if self.direction == "down" and not self.enter < self.exit:
            raise ValueError(
                f"direction 'down' needs enter < exit (got enter {self.enter:g}, exit {self.exit:g}); "
                "swap them or use direction = 'up'"
            )
        return self


class PostureSpec(_Strict):
    """A body position as data: conditions on metrics that hold while a person is in it.

    Postures live in ``exercise_specs/postures/<name>.toml`` (a shared library: supine,
    prone, quadruped, ...) or inline in a spec as ``[posture]``. Reps, holds and cues count
    only while the spec's posture holds.
    """

    name: str = Field(pattern=NAME_PATTERN)
    title: str = Field(min_length=3, description="plain words for messages: 'lying on the back'")
    metrics: dict[str, MetricSpec] = Field(min_length=1)
    require: list[Condition] = Field(min_length=1)
    min_enter_s: float = Field(0.3, ge=0, le=10, description="time in the posture before it counts")
    grace_s: float = Field(1.0, ge=0, le=10, description="brief exits (or lost tracking) shorter than this are bridged")

    @model_validator(mode="after")
    def _references(self) -> PostureSpec:
        for i, cond in enumerate(self.require):
            _check_metric(cond.metric, self.metrics, f"require[{i}].metric")
        return self


class RepRule(_Strict):
    """Count reps on one metric with two thresholds.

    A rep leaves the rest zone, passes ``peak`` (the extreme: top of a bridge, bottom of a
    squat) and comes back past ``rest``. ``direction`` says which way the metric moves
    during a rep and must agree with the thresholds. ``require`` conditions must hold for a
    frame to count toward a rep.
    """

    metric: str
    direction: Direction = Field(description="up: the metric rises from rest to peak; down: it falls")
    rest: float = Field(description="back at rest once the metric returns past this value")
    peak: float = Field(description="at the extreme once the metric passes this value")
    min_phase_s: float = Field(0.2, ge=0, le=10)
    min_rep_s: float = Field(0.8, ge=0, le=60)
    require: list[Condition] = Field(default_factory=list, description="preconditions on every counted frame")
    rest_level: Literal["fixed", "learned"] = Field(
        "fixed",
        description="fixed: rest and peak are values of the metric; learned: they are measured from the person's "
        "own resting value, learned over their first second in position and followed between reps (for metrics "
        "whose resting value the pose model reads differently from person to person)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> RepRule:
        if self.direction == "up" and not self.peak > self.rest:
            raise ValueError(
                f"direction 'up' needs peak > rest (got rest {self.rest:g}, peak {self.peak:g}); "
                "swap them or use direction = 'down'"
            )
        if self.direction == "down" and not self.peak < self.rest:
            raise ValueError(
                f"direction 'down' needs peak < rest (got rest {self.rest:g}, peak {self.peak:g}); "
                "swap them or use direction = 'up'"
            )
        if self.rest_level == "learned" and self.rest == 0:
            raise ValueError(
                "rest_level 'learned' measures rest from the person's resting value, and the level follows the "
                "values within rest of it: rest = 0 would never let it move; give the distance back to rest "
                "(e.g. rest = -5.0 for a lean back)"
            )
        return self


class HoldRule(_Strict):
    """In the held position while every condition is true (after ``min_enter_s`` in a row)."""

    require: list[Condition] = Field(min_length=1)
    min_enter_s: float = Field(0.5, ge=0, le=10, description="time in position before the timer starts")
    grace_s: float = Field(
        0.5, ge=0, le=10, description="brief exits (or lost tracking) shorter than this do not pause the timer"
    )
    settle_s: float = Field(
        0.5, ge=0, le=10,
        description="good-form time starts once form has been good this long (not while still moving into place)",
    )
    per_side: bool = Field(False, description="time each side separately (the working side chosen by `sides`)")


class SequenceState(_Strict):
    """One state of a sequence: its name and the conditions that define it."""

    name: str = Field(pattern=NAME_PATTERN)
    require: list[Condition] = Field(min_length=1)


class SequenceRule(_Strict):
    """An ordered walk through named states, e.g. cat -> cow -> cat; one full walk is a cycle.

    ``order`` lists state names; a cycle is complete when the states were reached in that
    order. When the order ends where it starts (cat, cow, cat) the end of one cycle is the
    start of the next. ``metric`` is reported at its extreme in each state.
    """

    states: list[SequenceState] = Field(min_length=2)
    order: list[str] = Field(min_length=2)
    metric: str | None = Field(None, description="metric whose extreme is reported per state")
    min_state_s: float = Field(0.2, ge=0, le=10, description="time a state must hold to count as reached")
    max_cycle_s: float = Field(30.0, gt=0, le=600, description="a cycle taking longer than this starts over")

    @model_validator(mode="after")
    def _order(self) -> SequenceRule:
        names = [s.name for s in self.states]
        if len(set(names)) != len(names):
            raise ValueError("sequence state names must be unique")
        for i, name in enumerate(self.order):
            if name not in names:
                raise ValueError(f"order[{i}] names unknown state {name!r}{suggest(name, names)}; states: {', '.join(names)}")
        for a, b in zip(self.order, self.order[1:], strict=False):
            if a == b:
                raise ValueError(f"order repeats state {a!r} twice in a row")
        return self


Judge = Literal["extreme", "max", "min"]
CuePhase = Literal["hold", "peak", "rest", "active", "any"]


class _CueBase(_Strict):
    id: str = Field(pattern=NAME_PATTERN)
    message: str = Field(min_length=3, description="what to tell the person, in plain words")
    severity: Literal["info", "warning", "error"] = "warning"
    views: list[View] | None = Field(
        None, description="camera views that can show this cue; on other views it is not judged and the report says so"
    )
    require: list[Condition] = Field(default_factory=list, description="the cue is judged only while these hold")


class _Bounded(_CueBase):
    metric: str
    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _bounds(self) -> _Bounded:
        if self.min is None and self.max is None:
            raise ValueError("a cue needs 'min', 'max' or both")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        return self


class FrameCue(_Bounded):
    """``kind = "frame"``: the metric must stay within [min, max] on every frame of ``phase``."""

    kind: Literal["frame"] = "frame"
    phase: CuePhase = Field(
        description="hold: in the held position; peak: past the rep's peak threshold; "
        "rest: at rest between reps; active: in a rep or a hold; any: every frame in the posture"
    )
    hysteresis: float = Field(0.0, ge=0, description="margin inside the bound needed to clear a failure")
    min_duration_s: float = Field(0.3, ge=0, le=30, description="a failure shorter than this is not reported")


class RepCue(_Bounded):
    """``kind = "rep"``: judged once per rep on one value of the metric.

    ``judge``: ``extreme`` takes the median around the rep's most extreme moment (depth of a
    squat, top line of a bridge); ``max``/``min`` take the largest/smallest value over the
    whole rep (a knee that drifts at any point).
    """

    kind: Literal["rep"]
    judge: Judge = "extreme"


class PauseCue(_CueBase):
    """``kind = "pause"``: each rep must stay past its peak threshold for at least ``min_s``."""

    kind: Literal["pause"]
    min_s: float = Field(gt=0, le=60)


class TempoCue(_CueBase):
    """``kind = "tempo"``: a rep, its way out (rest -> peak) or its way back must not be too fast."""

    kind: Literal["tempo"]
    min_rep_s: float | None = Field(None, gt=0, le=120)
    min_out_s: float | None = Field(None, gt=0, le=60, description="rest to peak (lifting, or lowering into a squat)")
    min_back_s: float | None = Field(None, gt=0, le=60, description="peak back to rest")

    @model_validator(mode="after")
    def _some(self) -> TempoCue:
        if self.min_rep_s is None and self.min_out_s is None and self.min_back_s is None:
            raise ValueError("a tempo cue needs min_rep_s, min_out_s or min_back_s")
        return self


def _cue_kind(data: Any) -> str:
    kind = data.get("kind", "frame") if isinstance(data, dict) else getattr(data, "kind", "frame")
    return kind if isinstance(kind, str) else repr(kind)


CueSpec = Annotated[
    Union[
        Annotated[FrameCue, Tag("frame")],
        Annotated[RepCue, Tag("rep")],
        Annotated[PauseCue, Tag("pause")],
        Annotated[TempoCue, Tag("tempo")],
    ],
    Discriminator(_cue_kind),
]
REP_CUE_KINDS = ("rep", "pause", "tempo")


#: One end of a dosage range: bounded, so a mistyped number is named, not carried along.
DosageReps = Annotated[int, Field(ge=1, le=1000)]
DosageSeconds = Annotated[float, Field(gt=0, le=3600)]


class Dosage(_Strict):
    """What the source articles recommend; shown to the user and compared with what was done."""

    sets: int | None = Field(None, ge=1, le=20)
    reps: tuple[DosageReps, DosageReps] | None = Field(None, description="[low, high] per set (per side if per_side)")
    hold_s: tuple[DosageSeconds, DosageSeconds] | None = Field(
        None, description="[low, high] seconds per hold (per side if per_side)"
    )
    per_side: bool = False
    rest_s: float | None = Field(None, ge=0, le=600, description="rest between sets")
    note: str = ""

    @model_validator(mode="after")
    def _ranges(self) -> Dosage:
        for name in ("reps", "hold_s"):
            low_high = getattr(self, name)
            if low_high is not None:
                low, high = low_high
                if not low <= high:  # each end is bounded by its type (DosageReps, DosageSeconds)
                    raise ValueError(f"{name} must be [low, high] with 0 < low <= high, got [{low:g}, {high:g}]")
        return self


class AvoidNote(_Strict):
    """For a move the sources advise against (crunch, sit-up, standing toe touch): it is still
    recognised and counted, and every report and the live view say why and what to do instead."""

    reason: str = Field(min_length=10, description="why the sources advise against it, in plain words")
    alternatives: list[str] = Field(min_length=1, description="names of safer specs to do instead")


class ExerciseSpec(_Strict):
    """A whole exercise: where it is done, what to measure, how to count, what to check, what to advise."""

    schema_version: Literal[2] = Field(description="2 (version 1 specs: see docs/specs.md for the changes)")
    name: str = Field(pattern=NAME_PATTERN)
    title: str
    aliases: list[str] = Field(default_factory=list, description="other names (labels) that mean this exercise")
    mode: Literal["reps", "hold", "sequence"] = Field(description="what the summary leads with")
    posture: str | PostureSpec = Field(
        description="name of a posture in the posture library (supine, prone, ...) or an inline [posture] table"
    )
    views: list[View] = Field(min_length=1, description="camera views the spec works from, best first")
    sides: Literal["auto", "lower", "left", "right", "alternating", "front_leg", "standing_leg"] = Field(
        "auto",
        description="auto: the side facing the camera; lower: the side nearer the floor (side-lying "
        "exercises); left/right: fixed; alternating: the side that moves, counted per side; "
        "front_leg: the leg further forward (split stances); standing_leg: on one leg the leg "
        "standing, on both feet the side facing the camera",
    )
    min_visibility: float = Field(0.5, ge=0, le=1, description="joints below this visibility are not scored")
    smoothing_hz: float = Field(1.5, gt=0, le=30, description="default One Euro cut-off for metrics")
    reset_after_s: float = Field(1.0, gt=0, le=30, description="forget the rep phase after losing the person this long")
    metrics: dict[str, MetricSpec] = Field(min_length=1)
    reps: RepRule | None = None
    hold: HoldRule | None = None
    sequence: SequenceRule | None = None
    cues: list[CueSpec] = Field(default_factory=list)
    dosage: Dosage = Field(default_factory=Dosage)
    safety: list[str] = Field(default_factory=list)
    avoid: AvoidNote | None = Field(None, description="set for moves the sources advise against")

    @field_validator("aliases")
    @classmethod
    def _alias_names(cls, aliases: list[str]) -> list[str]:
        import re

        for a in aliases:
            if not re.match(NAME_PATTERN, a):
                raise ValueError(f"alias {a!r} must be snake_case (a-z, 0-9, _)")
        return aliases

    @model_validator(mode="after")
    def _references(self) -> ExerciseSpec:
        def check(metric: str, where: str) -> None:
            _check_metric(metric, self.metrics, where)

        def check_all(conditions: list[Condition], where: str) -> None:
            for i, cond in enumerate(conditions):
                check(cond.metric, f"{where}[{i}].metric")

        needs = {"reps": self.reps, "hold": self.hold, "sequence": self.sequence}
        if needs[self.mode] is None:
            raise ValueError(f"mode {self.mode!r} needs a [{self.mode}] rule")
        if self.reps is not None and self.sequence is not None:
            raise ValueError("a spec counts with [reps] or with [sequence], not both")
        if self.reps is not None:
            check(self.reps.metric, "reps.metric")
            check_all(self.reps.require, "reps.require")
            sided = [j for j in self.metrics[self.reps.metric].joints if j.startswith(("side_", "other_"))]
            if self.reps.rest_level == "learned" and sided:
                raise ValueError(
                    f"reps.rest_level 'learned' needs a rep metric that is the same for either side, but "
                    f"{self.reps.metric!r} uses {', '.join(sided)}; use left_/right_/mid_ joints or rest_level 'fixed'"
                )
        if self.hold is not None:
            check_all(self.hold.require, "hold.require")
        if self.sequence is not None:
            if self.sequence.metric is not None:
                check(self.sequence.metric, "sequence.metric")
            for i, state in enumerate(self.sequence.states):
                check_all(state.require, f"sequence.states[{i}].require")
        counted = self.reps is not None or self.sequence is not None
        seen: set[str] = set()
        for i, cue in enumerate(self.cues):
            if isinstance(cue, _Bounded):
                check(cue.metric, f"cues[{i}].metric")
            check_all(cue.require, f"cues[{i}].require")
            if cue.id in seen:
                raise ValueError(f"cues[{i}].id {cue.id!r} is used twice")
            seen.add(cue.id)
            if cue.kind in REP_CUE_KINDS and not counted:
                raise ValueError(f"cues[{i}] is judged per rep (kind {cue.kind!r}) but the spec has no [reps] or [sequence] rule")
            if cue.kind in ("pause", "tempo") and self.reps is None:
                raise ValueError(f"cues[{i}] (kind {cue.kind!r}) needs a [reps] rule")
            if isinstance(cue, TempoCue) and cue.min_rep_s is not None and cue.min_rep_s <= self.reps.min_rep_s:
                raise ValueError(
                    f"cues[{i}].min_rep_s {cue.min_rep_s:g} can never flag a rep: reps shorter than "
                    f"reps.min_rep_s {self.reps.min_rep_s:g} are not counted; lower reps.min_rep_s "
                    f"(to about half of {cue.min_rep_s:g}) so that a rushed rep is counted and flagged"
                )
            if isinstance(cue, FrameCue):
                if cue.phase in ("peak", "rest") and self.reps is None:
                    raise ValueError(f"cues[{i}] uses phase {cue.phase!r} but the spec has no [reps] rule")
                if cue.phase == "hold" and self.hold is None:
                    raise ValueError(f"cues[{i}] uses phase 'hold' but the spec has no [hold] rule")
        templated = any(j.startswith(("side_", "other_")) for m in self.metrics.values() for j in m.joints)
        if self.sides in ("alternating", "front_leg", "standing_leg") and not templated:
            raise ValueError(f"sides = {self.sides!r} needs metrics with side_ joints")
        if self.hold is not None and self.hold.per_side and not templated:
            raise ValueError("hold.per_side needs metrics with side_ joints (the side is chosen per frame)")
        if self.sides == "alternating" and self.reps is None and self.hold is None:
            raise ValueError("sides = 'alternating' picks the side by the [reps] or [hold] metric; add one")
        if self.dosage.reps is not None and not counted:
            raise ValueError("dosage.reps needs a [reps] or [sequence] rule to count them")
        if self.dosage.hold_s is not None and self.hold is None:
            raise ValueError("dosage.hold_s needs a [hold] rule to time it")
        return self

    @property
    def posture_name(self) -> str:
        return self.posture if isinstance(self.posture, str) else self.posture.name

    @property
    def counts_sides(self) -> bool:
        """True when the working side changes during the exercise (the side that moves, the
        front leg, the lower side), so reps are reported per side; with ``auto``, a fixed side
        or ``standing_leg`` the side is where to look, not what was trained."""
        return self.sides in ("alternating", "front_leg", "lower")

    def cue(self, cue_id: str):
        for c in self.cues:
            if c.id == cue_id:
                return c
        raise KeyError(cue_id)


def _check_metric(metric: str, metrics: dict[str, MetricSpec], where: str) -> None:
    if metric not in metrics:
        known = list(metrics)
        raise ValueError(f"{where} names unknown metric {metric!r}{suggest(metric, known)}; defined: {', '.join(known)}")
