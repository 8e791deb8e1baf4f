"""Routines as data: the seeds' circuits and plans, each an ordered list of exercises with targets.

A routine file (``exercise_specs/routines/<name>.toml``) names its exercises by spec name or
alias and gives each one sets and reps or hold seconds, per side or not, rest between sets
and the seed's advice; rounds repeat the whole list. Files are validated as strictly as
specs: unknown fields, exercises without a spec, reps for a hold-only exercise are errors
naming the file and the field.

:func:`score_routine` compares what was done (segments recognised in a recorded video, or
the sets a live coach counted) with the routine, set by set.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from posecheck.errors import SpecError, UnknownExerciseError
from posecheck.pose.landmarks import suggest
from posecheck.specs.loader import canonical_exercise, load_spec, read_named, toml_files

ROUTINE_SCHEMA_VERSION = 1
#: A hold this close to its target counts as done (the timer's own precision is a frame or two).
HOLD_SLACK_S = 0.5


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class RoutineItem(_Strict):
    """One exercise of a routine: how many sets, and reps or hold seconds per set."""

    exercise: str = Field(description="spec name or alias")
    sets: int = Field(1, ge=1, le=10)
    reps: int | None = Field(None, ge=1, le=100, description="per set (per side when per_side)")
    hold_s: float | None = Field(None, gt=0, le=600, description="per set (per side when per_side)")
    per_side: bool = False
    rest_s: float = Field(30.0, ge=0, le=600, description="rest after each set")
    note: str = ""

    @model_validator(mode="after")
    def _target(self) -> RoutineItem:
        if (self.reps is None) == (self.hold_s is None):
            raise ValueError("give either reps or hold_s for each exercise")
        return self


class RoutineSpec(_Strict):
    """A routine from the seeds: exercises in order, repeated ``rounds`` times."""

    schema_version: int = Field(ROUTINE_SCHEMA_VERSION, ge=1, le=ROUTINE_SCHEMA_VERSION)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = Field(min_length=3)
    description: str = ""
    rounds: int = Field(1, ge=1, le=10)
    rest_between_rounds_s: float = Field(60.0, ge=0, le=900)
    frequency: str = Field("", description="how often the source suggests doing it")
    items: list[RoutineItem] = Field(min_length=1)


def routine_files() -> dict[str, Path]:
    """Every routine file found in the ``routines/`` subfolders, by name; earlier folders win."""
    return toml_files("routines")


def load_routine_file(path: str | os.PathLike[str]) -> RoutineSpec:
    """Parse and validate one routine; every exercise must resolve to a spec that can reach its target."""
    path = Path(path)
    routine = read_named(path, "routine", RoutineSpec)
    for i, item in enumerate(routine.items):
        where = f"{path}: items[{i}].exercise"
        name = canonical_exercise(item.exercise)
        if name is None:
            from posecheck.specs.loader import known_exercises

            raise SpecError(f"{where}: no spec for {item.exercise!r}{suggest(item.exercise, known_exercises())}")
        spec = load_spec(name)
        if item.reps is not None and spec.reps is None and spec.sequence is None:
            raise SpecError(f"{where}: {name} is timed, not counted: give hold_s instead of reps")
        if item.hold_s is not None and spec.hold is None:
            raise SpecError(f"{where}: {name} is counted, not timed: give reps instead of hold_s")
    return routine


def load_routine(name_or_path: str | os.PathLike[str]) -> RoutineSpec:
    text = str(name_or_path)
    if text.endswith(".toml") or os.sep in text:
        return load_routine_file(text)
    files = routine_files()
    if text not in files:
        known = sorted(files)
        raise UnknownExerciseError(f"unknown routine {text!r}{suggest(text, known)}; known: {', '.join(known) or '(none found)'}")
    return load_routine_file(files[text])


@dataclass(frozen=True)
class PlannedSet:
    """One set the routine asks for, in order: round, exercise, set number and target."""

    round: int
    item: int
    exercise: str
    set: int
    reps: int | None
    hold_s: float | None
    per_side: bool


def planned_sets(routine: RoutineSpec) -> list[PlannedSet]:
    """Every set of the routine in the order it is done (rounds repeat the list)."""
    out = []
    for r in range(1, routine.rounds + 1):
        for i, item in enumerate(routine.items):
            name = canonical_exercise(item.exercise) or item.exercise
            for k in range(1, item.sets + 1):
                out.append(PlannedSet(r, i, name, k, item.reps, item.hold_s, item.per_side))
    return out


@dataclass(frozen=True)
class DoneSet:
    """What was done for one stretch of one exercise (a recognised segment, or a live set)."""

    exercise: str
    start_s: float
    end_s: float
    reps: int | None
    per_side: dict[str, int] | None
    hold_s: float | None
    good_form_s: float | None
    form_issues: tuple[str, ...] = ()
    hold_per_side: dict[str, float] | None = None


def score_routine(routine: RoutineSpec, done: Sequence[DoneSet]) -> list[dict]:
    """Match what was done to the routine's sets in order; one row per planned set.

    A done stretch fills the next planned set of the same exercise (sets can be skipped,
    not reordered); planned sets nothing matched are reported as not done.
    """
    plan = planned_sets(routine)
    rows = []
    cursor = 0
    matched: dict[int, DoneSet] = {}
    for stretch in done:
        for j in range(cursor, len(plan)):
            if plan[j].exercise == stretch.exercise:
                matched[j] = stretch
                cursor = j + 1
                break
    for j, p in enumerate(plan):
        d = matched.get(j)
        target = f"{p.reps} reps" if p.reps is not None else f"{p.hold_s:g} s"
        if p.per_side:
            target += " per side"
        row = {"round": p.round, "exercise": p.exercise, "set": p.set, "target": target, "done": None,
               "met": False, "from_s": None, "to_s": None, "form_issues": []}
        if d is not None:
            if p.reps is not None:
                got = min(d.per_side.values()) if p.per_side and d.per_side else (d.reps or 0)
                need = 2 * p.reps if p.per_side and not d.per_side else p.reps  # both sides in one count
                row["done"] = f"{d.reps or 0} reps" + (f" ({', '.join(f'{k} {v}' for k, v in d.per_side.items())})" if d.per_side else "")
                row["met"] = got >= need
            elif p.per_side and d.hold_per_side:
                row["done"] = ", ".join(f"{k} {v:.1f} s" for k, v in d.hold_per_side.items()) + " with good form"
                row["met"] = all(v >= p.hold_s - HOLD_SLACK_S for v in d.hold_per_side.values())
            else:
                seconds = d.good_form_s if d.good_form_s is not None else d.hold_s or 0.0
                row["done"] = f"{seconds:.1f} s with good form"
                row["met"] = seconds >= p.hold_s * (2 if p.per_side else 1) - HOLD_SLACK_S
            row.update({"from_s": round(d.start_s, 2), "to_s": round(d.end_s, 2), "form_issues": list(d.form_issues)})
        rows.append(row)
    return rows


class SetRow(BaseModel):
    """One planned set in the session report: the target, what was done, and how it went."""

    model_config = ConfigDict(extra="forbid")
    round: int
    exercise: str
    set: int
    target: str
    done: str | None
    met: bool
    from_s: float | None
    to_s: float | None
    form_issues: list[str]


class RoutineReport(BaseModel):
    """The session report of a routine: every planned set, done vs target, and the form issues."""

    model_config = ConfigDict(extra="forbid")
    schema_version: int = 1
    routine: str
    title: str
    source: str
    sets: list[SetRow]
    sets_met: int
    sets_planned: int
    unplanned: list[str]
    complete: bool = True
    error: str | None = None

    def summary(self) -> str:
        lines = [f"{self.title} — {Path(self.source).name}: {self.sets_met} of {self.sets_planned} sets done to target"]
        for row in self.sets:
            mark = "done" if row.met else ("short" if row.done else "not done")
            issues = f"; check: {', '.join(row.form_issues)}" if row.form_issues else ""
            lines.append(f"  round {row.round} {row.exercise} set {row.set}: {row.done or '-'} of {row.target} — {mark}{issues}")
        for extra in self.unplanned:
            lines.append(f"  also seen, not in the routine: {extra}")
        if self.error:
            lines.append(f"Stopped early: {self.error}")
        return "\n".join(lines)

    def write_json(self, path: str | os.PathLike[str]) -> None:
        from posecheck.report import write_json

        write_json(self.model_dump(mode="json"), path)


def routine_report(routine: RoutineSpec, source: str, done: Sequence[DoneSet], error: str | None = None) -> RoutineReport:
    rows = [SetRow(**row) for row in score_routine(routine, done)]
    planned = {p.exercise for p in planned_sets(routine)}
    return RoutineReport(
        routine=routine.name,
        title=routine.title,
        source=source,
        sets=rows,
        sets_met=sum(r.met for r in rows),
        sets_planned=len(rows),
        unplanned=sorted({f"{d.exercise} at {d.start_s:.0f}-{d.end_s:.0f} s" for d in done if d.exercise not in planned}),
        complete=error is None,
        error=error,
    )


def done_from_result(exercise: str, start_s: float, end_s: float, r) -> DoneSet:
    """What one stretch of one exercise shows, from its closed session's
    :class:`~posecheck.core.session.SessionResult`: counts, hold times and the form issues
    (per-rep cues failed, frame cues that fired)."""
    counted = r.spec.reps is not None or r.spec.sequence is not None
    fired = {cid for cid, c in r.cues.items() if c.windows_s and c.spec.kind == "frame"}
    issues = sorted({c for rep in r.reps for c in rep.failed_cues} | fired)
    per_side_hold = {s: good for s, (_, good) in r.hold_per_side.items()} if r.hold_per_side else None
    return DoneSet(
        exercise=exercise, start_s=start_s, end_s=end_s,
        reps=len(r.reps) if counted else None, per_side=r.per_side,
        hold_s=r.hold_s, good_form_s=r.good_form_s, form_issues=tuple(issues), hold_per_side=per_side_hold,
    )


def done_from_segments(segments) -> list[DoneSet]:
    """What a recorded routine video shows, from recognised segments (see :mod:`posecheck.recognize`)."""
    return [done_from_result(seg.exercise, seg.start_s, seg.end_s, seg.result)
            for seg in segments if seg.exercise is not None and seg.result is not None]
