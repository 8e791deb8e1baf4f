"""The exercise spec format: pydantic v2 models, strict (unknown fields are errors).

A spec declares named *metrics* (geometry over named joints), a *rep rule* and/or a
*hold rule* that turn one metric into phases, and *cues* that bound a metric during a
phase. ``docs/specs.md`` explains the format; ``posecheck specs schema`` prints the JSON
Schema generated from these models.

Joint references in metrics are MediaPipe joint names (``left_hip``) or one of three
templates resolved per frame:

* ``side_<joint>``: the working side, chosen by the spec's ``sides`` rule;
* ``other_<joint>``: the opposite side (bird dog's reaching arm);
* ``mid_<joint>``: the midpoint of the left and right joints.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from posecheck.pose.landmarks import JOINT_NAMES, SIDED_SUFFIXES, suggest

SPEC_SCHEMA_VERSION = 1
TEMPLATE_PREFIXES = ("side_", "other_", "mid_")
VIEWS = ("side", "front", "oblique", "rear")

#: Number of joints each metric kind takes, and what they mean.
METRIC_ARITY: dict[str, tuple[int, str]] = {
    "angle": (3, "[a, vertex, c]: angle at the middle joint, 0..180 deg"),
    "tilt": (2, "[from, to]: segment angle against `reference`, 0..90 deg"),
    "offset": (3, "[point, line_a, line_b]: signed distance from the line / |line|, + = above"),
    "height_diff": (2, "[a, b]: how much higher a is than b, / torso length"),
    "distance_ratio": (4, "[a, b, c, d]: |ab| / |cd|"),
    "segment_angle": (4, "[a, b, c, d]: angle between directions a->b and c->d, 0..180 deg"),
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

    kind: Literal["angle", "tilt", "offset", "height_diff", "distance_ratio", "segment_angle"]
    joints: list[str] = Field(description="joint names or side_/other_/mid_ templates; count depends on kind")
    space: Literal["image", "world"] = Field(
        "image", description="image: 2D pixels; world: MediaPipe 3D world landmarks in metres"
    )
    reference: Literal["horizontal", "vertical"] | None = Field(None, description="tilt only")
    smoothing_hz: float | None = Field(
        None, gt=0, le=30, description="One Euro minimum cut-off; default: the spec's smoothing_hz"
    )
    description: str = ""

    @field_validator("joints")
    @classmethod
    def _joints_known(cls, joints: list[str]) -> list[str]:
        return [check_joint_ref(j) for j in joints]

    @model_validator(mode="after")
    def _arity(self) -> MetricSpec:
        n, meaning = METRIC_ARITY[self.kind]
        if len(self.joints) != n:
            raise ValueError(f"{self.kind!r} metrics take {n} joints {meaning}; got {len(self.joints)}")
        if self.kind == "tilt" and self.reference is None:
            raise ValueError("a 'tilt' metric needs reference = 'horizontal' or 'vertical'")
        if self.kind != "tilt" and self.reference is not None:
            raise ValueError(f"'reference' applies to tilt metrics only, not {self.kind!r}")
        return self


class RepRule(_Strict):
    """Count reps on one metric with two thresholds.

    A rep leaves the rest zone, passes ``peak`` (the extreme: top of a bridge, bottom of
    a squat) and comes back past ``rest``. ``peak > rest`` means the metric rises during
    a rep. Each phase must last ``min_phase_s`` and a whole rep ``min_rep_s``, which
    rejects jitter and twitches.
    """

    metric: str
    rest: float = Field(description="back at rest once the metric returns past this value")
    peak: float = Field(description="at the extreme once the metric passes this value")
    min_phase_s: float = Field(0.2, ge=0, le=10)
    min_rep_s: float = Field(0.8, ge=0, le=60)

    @model_validator(mode="after")
    def _distinct(self) -> RepRule:
        if self.rest == self.peak:
            raise ValueError(f"rest and peak must differ (both are {self.rest}); they form the hysteresis band")
        return self


class Condition(_Strict):
    """A metric inside a band, with hysteresis: true once past ``enter``, false once past ``exit``."""

    metric: str
    enter: float
    exit: float

    @model_validator(mode="after")
    def _distinct(self) -> Condition:
        if self.enter == self.exit:
            raise ValueError(f"enter and exit must differ (both are {self.enter}); they form the hysteresis band")
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


class CueSpec(_Strict):
    """A form check: the metric must stay within [min, max] during ``phase``."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    metric: str
    min: float | None = None
    max: float | None = None
    hysteresis: float = Field(0.0, ge=0, description="margin inside the bound needed to clear a failure")
    phase: Literal["extreme", "hold", "peak", "rest", "active", "any"] = Field(
        description="extreme: once per rep, at its most extreme moment (depth, top line); "
        "hold: in the held position; peak: every frame past the rep's peak threshold; "
        "rest: between reps; active: in a rep or hold; any: every frame with a pose"
    )
    min_duration_s: float = Field(0.3, ge=0, le=30, description="a failure shorter than this is not reported")
    message: str = Field(min_length=3)
    severity: Literal["info", "warning", "error"] = "warning"
    views: list[Literal["side", "front", "oblique", "rear"]] | None = Field(
        None, description="camera views that can show this cue; the tool warns when the view differs"
    )

    @model_validator(mode="after")
    def _bounds(self) -> CueSpec:
        if self.min is None and self.max is None:
            raise ValueError("a cue needs 'min', 'max' or both")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        return self


class Dosage(_Strict):
    """What the source articles recommend; shown to the user, never enforced."""

    sets: int | None = Field(None, ge=1, le=20)
    reps: tuple[int, int] | None = Field(None, description="[low, high] per set (per side if per_side)")
    hold_s: tuple[float, float] | None = Field(None, description="[low, high] seconds per hold")
    per_side: bool = False
    note: str = ""


class ExerciseSpec(_Strict):
    """A whole exercise: what to measure, how to count, what to check, what to advise."""

    schema_version: Literal[1] = SPEC_SCHEMA_VERSION
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    mode: Literal["reps", "hold"]
    views: list[Literal["side", "front", "oblique", "rear"]] = Field(
        min_length=1, description="camera views the spec works from, best first"
    )
    sides: Literal["auto", "lower", "left", "right", "alternating"] = Field(
        "auto",
        description="auto: the side facing the camera; lower: the side nearer the floor (side-lying "
        "exercises); left/right: fixed; alternating: the side that moves, counted per side",
    )
    min_visibility: float = Field(0.5, ge=0, le=1, description="joints below this visibility are not scored")
    smoothing_hz: float = Field(1.5, gt=0, le=30, description="default One Euro cut-off for metrics")
    reset_after_s: float = Field(1.0, gt=0, le=30, description="forget the rep phase after losing the person this long")
    metrics: dict[str, MetricSpec] = Field(min_length=1)
    reps: RepRule | None = None
    hold: HoldRule | None = None
    cues: list[CueSpec] = Field(default_factory=list)
    dosage: Dosage = Field(default_factory=Dosage)
    safety: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> ExerciseSpec:
        known = list(self.metrics)

        def check(metric: str, where: str) -> None:
            if metric not in self.metrics:
                raise ValueError(f"{where} names unknown metric {metric!r}{suggest(metric, known)}; defined: {', '.join(known)}")

        if self.mode == "reps" and self.reps is None:
            raise ValueError("mode 'reps' needs a [reps] rule")
        if self.mode == "hold" and self.hold is None:
            raise ValueError("mode 'hold' needs a [hold] rule")
        if self.reps is not None:
            check(self.reps.metric, "reps.metric")
        if self.hold is not None:
            for i, cond in enumerate(self.hold.require):
                check(cond.metric, f"hold.require[{i}].metric")
        seen: set[str] = set()
        for i, cue in enumerate(self.cues):
            check(cue.metric, f"cues[{i}].metric")
            if cue.id in seen:
                raise ValueError(f"cues[{i}].id {cue.id!r} is used twice")
            seen.add(cue.id)
            if cue.phase in ("extreme", "peak", "rest") and self.reps is None:
                raise ValueError(f"cues[{i}] uses phase {cue.phase!r} but the spec has no [reps] rule")
            if cue.phase == "hold" and self.hold is None:
                raise ValueError(f"cues[{i}] uses phase 'hold' but the spec has no [hold] rule")
        templated = any(j.startswith(("side_", "other_")) for m in self.metrics.values() for j in m.joints)
        if self.sides == "alternating" and not templated:
            raise ValueError("sides = 'alternating' needs metrics with side_ joints")
        return self

    def cue(self, cue_id: str) -> CueSpec:
        for c in self.cues:
            if c.id == cue_id:
                return c
        raise KeyError(cue_id)

