"""Live coaching of a routine: a state machine that walks a person through its sets.

A :class:`RoutineCoach` is built from a :class:`~posecheck.routines.RoutineSpec` and fed one
:class:`~posecheck.pose.landmarks.PoseFrame` at a time (every frame, also when nobody is
detected; time is the frame's ``t``, so tests drive it with exact, hand-made times). For
each planned set (:func:`~posecheck.routines.planned_sets`, rounds included) it goes::

    announce ─► setup ─► active ─► rest ─► (next set) announce ─► ... ─► done

* **announce**: the exercise and its target are said (and, the first time an exercise
  comes up, its safety notes and the routine's tip for it); lasts ``announce_s``.
* **setup**: waiting for the camera set-up (:mod:`posecheck.setup_check`) and for the
  exercise's posture; "get into position" is said once.
* **active**: counting reps or timing the hold toward the set's target (per side when the
  routine says so: when one side of a hold reaches it, "now the other side"; of reps, "only
  the other side counts now", since an alternating move goes on as it was). A hold is timed by the
  seconds held *with good form* (in the held position, no form cue failing, after the
  spec's settle time), as the report scores it. A hold whose form never comes right ends
  after its target plus ``hold_overtime_s`` in position: nobody is kept in a plank forever.
  A rep set ends when ``rep_idle_s`` pass without a new rep once it has started (tired, or
  moved on without saying so), with what was done.
* **rest**: the item's rest (between rounds, the routine's), counted down; no rest after
  the last set.
* **done**: the routine is over; :attr:`RoutineCoach.finished` turns true ``done_linger_s``
  later (time for the last words to be said).

Every set gets its own :class:`~posecheck.core.session.ExerciseSession`, fed from the first
frame of the set (its filters warm up while the person gets into position); the set ends
the moment the target is reached, and its closed session becomes a
:class:`~posecheck.routines.DoneSet` exactly as a segment of a recorded routine does, so the
end report is the same :class:`~posecheck.routines.RoutineReport`. :meth:`RoutineCoach.skip`
moves on (ends the set as it stands, or the rest); :meth:`RoutineCoach.stop` ends the
session and keeps what was done.

Words to say and show come out as :class:`CoachEvent` objects with each frame's
:class:`CoachView`; speaking them (and counting reps aloud) is the live runner's business
(:mod:`posecheck.live_routine`). Imports neither cv2 nor mediapipe.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from posecheck.core.session import ExerciseSession, FrameState
from posecheck.pose.landmarks import PoseFrame
from posecheck.routines import (
    DoneSet,
    PlannedSet,
    RoutineItem,
    RoutineReport,
    RoutineSpec,
    done_from_result,
    planned_sets,
    routine_report,
)
from posecheck.setup_check import SetupCheck, SetupStatus
from posecheck.specs.loader import load_spec
from posecheck.specs.schema import Dosage, ExerciseSpec
from posecheck.voice import Countdown, announcement, avoid_text, count_text

ANNOUNCE, SETUP, ACTIVE, REST, DONE = "announce", "setup", "active", "rest", "done"
PHASES = (ANNOUNCE, SETUP, ACTIVE, REST, DONE)

#: Rest countdown marks (seconds left), said once each.
REST_MARKS = (10, 3, 2, 1)
#: Side names in the order a per-side set checks them.
SIDE_NAMES = ("left", "right")
#: The key of :attr:`SetProgress.done` when a per-side target has no per-side counts to go by.
BOTH = "both sides"
#: The key of :attr:`SetProgress.done` for a target that is not per side.
ALL = "all"


@dataclass(frozen=True)
class CoachTimings:
    """How long the coach waits at each step (seconds)."""

    announce_s: float = 3.0  #: the announcement phase, before "get into position"
    hold_overtime_s: float = 15.0  #: a hold ends this long past its target in position, good form or not
    rep_idle_s: float = 30.0  #: a rep set ends this long after its last rep (or its start) without a new one
    done_linger_s: float = 3.0  #: after the last set, before :attr:`RoutineCoach.finished`


@dataclass(frozen=True)
class CoachEvent:
    """Something to say and show, once: ``kind`` is one of :data:`EVENT_KINDS`."""

    t: float
    kind: str
    text: str


EVENT_KINDS = (
    "intro", "announce", "caution", "safety", "tip", "position", "switch_sides", "set_done", "time_up", "skipped",
    "rest", "countdown", "routine_done",
)


@dataclass(frozen=True)
class SetProgress:
    """How far a set is toward its target: ``done`` per side (or under :data:`ALL`/:data:`BOTH`)
    in ``unit`` ("reps" or "s"), and the ``target`` each entry must reach."""

    done: Mapping[str, float]
    target: float
    unit: str

    @property
    def met(self) -> bool:
        return all(v >= self.target for v in self.done.values())

    @property
    def fraction(self) -> float:
        """0..1 toward the target, by the side furthest behind."""
        return min(1.0, min(self.done.values()) / self.target) if self.target > 0 else 1.0

    def sides_met(self) -> set[str]:
        return {s for s, v in self.done.items() if v >= self.target and s in SIDE_NAMES}


@dataclass(frozen=True)
class CoachView:
    """What the live view needs after one frame.

    ``index`` is the planned set being done, or during a rest the one that comes next
    (``len(plan)`` once done). ``state`` is the set's live state, with ``hold_s`` replaced by
    the good-form seconds toward a hold target on the side being worked (and
    ``hold_per_side`` by those of each side); None outside a set.
    """

    t: float
    phase: str
    index: int
    planned: PlannedSet | None
    spec: ExerciseSpec | None
    dosage: Dosage | None
    state: FrameState | None
    setup: SetupStatus | None
    progress: SetProgress | None
    rest_left_s: float | None
    rest_total_s: float | None
    events: tuple[CoachEvent, ...]


def set_dosage(item: RoutineItem) -> Dosage:
    """A routine item's target as a :class:`~posecheck.specs.schema.Dosage` (what the HUD and the voice read)."""
    return Dosage(
        sets=item.sets,
        reps=(item.reps, item.reps) if item.reps is not None else None,
        hold_s=(item.hold_s, item.hold_s) if item.hold_s is not None else None,
        per_side=item.per_side,
        rest_s=item.rest_s,
        note=item.note,
    )


def _seconds_words(x: float) -> str:
    x = round(x)
    return "1 second" if x == 1 else f"{x:g} seconds"


def _title(spec: ExerciseSpec) -> str:
    return spec.title.rstrip(".")


class HoldClock:
    """Seconds held with good form, per side, counted frame by frame as the report counts them.

    A frame is good when the session says the person is in the held position and no form
    cue that judges the hold (frame cues above ``info`` for the hold, active or any phase)
    is failing. Each run of good frames counts only after the spec's ``settle_s``, as the
    report trims it. Time is credited to the working side of the frame (the last known one
    while tracking is briefly lost).
    """

    def __init__(self, spec: ExerciseSpec):
        self.settle_s = spec.hold.settle_s if spec.hold is not None else 0.0
        self._form_cues = {
            c.id for c in spec.cues
            if c.kind == "frame" and c.severity != "info" and c.phase in ("hold", "active", "any")
        }
        self.per_side: dict[str, float] = {}
        self._run_start = math.nan
        self._last_t = math.nan
        self.side: str | None = None

    def _credited(self, t: float) -> float:
        return max(0.0, t - self._run_start - self.settle_s)

    def update(self, state: FrameState) -> None:
        self.side = state.side or self.side
        good = state.in_position and not (self._form_cues & set(state.failing))
        if not good:
            self._run_start = self._last_t = math.nan
            return
        if math.isnan(self._run_start):
            self._run_start = self._last_t = state.t
        gained = self._credited(state.t) - self._credited(self._last_t)
        self._last_t = state.t
        key = self.side or ALL
        self.per_side[key] = self.per_side.get(key, 0.0) + gained

    @property
    def total(self) -> float:
        return sum(self.per_side.values())

    def seconds(self, side: str | None) -> float:
        return self.per_side.get(side or ALL, 0.0)


class _Set:
    """One planned set under way: its spec, session, set-up check and hold clock."""

    def __init__(self, index: int, planned: PlannedSet, item: RoutineItem, spec: ExerciseSpec, t: float,
                 setup_check: bool):
        self.index = index
        self.planned = planned
        self.item = item
        self.spec = spec
        self.dosage = set_dosage(item)
        self.started_s = t
        self.session = ExerciseSession(spec)
        self.setup = SetupCheck.for_spec(spec) if setup_check else None
        self.clock = HoldClock(spec) if planned.hold_s is not None else None
        self.sides_done: set[str] = set()
        self.position_said = False
        self.state: FrameState | None = None
        self.last_rep_s = t

    def feed(self, frame: PoseFrame) -> tuple[FrameState, SetupStatus | None]:
        before = self.state.reps if self.state is not None else 0
        state = self.session.update(frame)
        setup = self.setup.update(frame) if self.setup is not None else None
        if self.clock is not None:
            self.clock.update(state)
        if state.reps > before:
            self.last_rep_s = frame.t
        self.state = state
        return state, setup

    def progress(self) -> SetProgress:
        """Toward the target as the report scores it (:func:`~posecheck.routines.score_routine`)."""
        p, state = self.planned, self.state
        if p.reps is not None:
            reps = state.reps if state is not None else 0
            per_side = state.per_side if state is not None else {}
            if not p.per_side:
                return SetProgress({ALL: reps}, p.reps, "reps")
            if per_side:  # the spec counts each side (alternating, front leg, lower side)
                return SetProgress({s: per_side.get(s, 0) for s in SIDE_NAMES}, p.reps, "reps")
            return SetProgress({BOTH: reps}, 2 * p.reps, "reps")
        clock = self.clock
        if not p.per_side:
            return SetProgress({ALL: clock.total}, p.hold_s, "s")
        return SetProgress({s: clock.seconds(s) for s in SIDE_NAMES}, p.hold_s, "s")

    def shown_state(self) -> FrameState | None:
        """The live state with the hold seconds toward the target (see :class:`CoachView`)."""
        if self.state is None or self.clock is None:
            return self.state
        if not self.planned.per_side:
            return replace(self.state, hold_s=self.clock.total)
        return replace(self.state, hold_s=self.clock.seconds(self.clock.side),
                       hold_per_side={s: self.clock.seconds(s) for s in SIDE_NAMES})

    def overtime(self, t: float, timings: CoachTimings) -> bool:
        """A hold target still not met after the target plus ``hold_overtime_s`` in position, or
        a rep set with no new rep for ``rep_idle_s`` since its last one (or since it began)."""
        p = self.planned
        if self.state is None:
            return False
        if p.hold_s is None:
            return t - self.last_rep_s >= timings.rep_idle_s
        return self.state.hold_s >= p.hold_s * (2 if p.per_side else 1) + timings.hold_overtime_s

    def anything_done(self) -> bool:
        return any(v > 0 for v in self.progress().done.values()) or (self.state is not None and self.state.hold_s > 0)

    def close(self, t: float) -> DoneSet:
        """The set's record. A per-side hold of a spec that does not time sides itself keeps the
        clock's per-side seconds, so the report scores each side as the coach timed it."""
        done = done_from_result(self.planned.exercise, self.started_s, t, self.session.result())
        if self.clock is not None and self.planned.per_side and done.hold_per_side is None:
            done = replace(done, hold_per_side={s: round(self.clock.seconds(s), 3) for s in SIDE_NAMES})
        return done


class RoutineCoach:
    """Walk a person through a routine, frame by frame; see the module docstring.

    ``specs`` may supply the exercise specs (by canonical name); the rest are loaded.
    ``setup_check`` False skips the camera set-up check (e.g. for exact landmarks).
    """

    def __init__(self, routine: RoutineSpec, timings: CoachTimings | None = None,
                 specs: Mapping[str, ExerciseSpec] | None = None, setup_check: bool = True):
        self.routine = routine
        self.timings = timings or CoachTimings()
        self.plan = planned_sets(routine)
        self._dosages = tuple(set_dosage(item) for item in routine.items)  # shown every frame of a rest
        given = dict(specs or {})
        self.specs = {p.exercise: given.get(p.exercise) or load_spec(p.exercise) for p in self.plan}
        self.setup_check = setup_check
        self.done: list[DoneSet] = []
        self.phase = ANNOUNCE
        self.index = 0
        self._set: _Set | None = None
        self._started = False
        self._rest_until = self._rest_total = math.nan
        self._rest_marks = Countdown(REST_MARKS)
        self._done_at = math.nan
        self._announced: set[str] = set()
        self._events: list[CoachEvent] = []
        self._t = math.nan
        self.stopped: str | None = None

    # -- per frame ---------------------------------------------------------------------------

    def update(self, frame: PoseFrame) -> CoachView:
        """Feed the next frame (in time order, every frame); returns what to show and say."""
        t = frame.t
        self._t = t
        if not self._started:
            self._started = True
            self._say(t, "intro", self._intro())
            self._begin_set(t)
        if self.phase == REST:
            self._rest_tick(t)
        setup = None
        if self._set is not None and self.phase in (ANNOUNCE, SETUP, ACTIVE):
            _, setup = self._set.feed(frame)
            self._advance(t, setup)
        if self.phase == DONE and self.stopped is None and math.isnan(self._done_at):
            self._done_at = t
        return self._view(t, setup)

    @property
    def finished(self) -> bool:
        """The routine is over (done and its last words given time), or it was stopped."""
        if self.stopped is not None:
            return True
        lingered = self._t - self._done_at >= self.timings.done_linger_s
        return self.phase == DONE and math.isfinite(self._done_at) and lingered

    def _advance(self, t: float, setup: SetupStatus | None) -> None:
        """Move announce → setup → active, and finish the set at its target."""
        s = self._set
        state = s.state
        progress = s.progress()
        started = s.anything_done()
        if self.phase == ANNOUNCE and (started or t - s.started_s >= self.timings.announce_s):
            self.phase = SETUP
        if self.phase == SETUP:
            ready = setup is None or setup.ready
            if started or (ready and state.in_posture):
                self.phase = ACTIVE
                s.last_rep_s = t  # the idle clock of a rep set runs from here
            elif not s.position_said and not state.in_posture:
                s.position_said = True
                self._say(t, "position", f"Get into position: {s.spec.posture.title}.")
        if self.phase != ACTIVE:
            return
        if progress.met:
            self._finish_set(t, "set_done")
            return
        if s.planned.per_side:
            self._switch_sides(t, s, progress)
        if s.overtime(t, self.timings):
            self._finish_set(t, "time_up")

    def _switch_sides(self, t: float, s: _Set, progress: SetProgress) -> None:
        """One side reached its target: a hold moves to the other side; reps may be alternating
        (a bird dog), so only the other side's count goes on rather than a switch."""
        for side in sorted(progress.sides_met() - s.sides_done):
            s.sides_done.add(side)
            other = next(o for o in SIDE_NAMES if o != side)
            if other not in progress.sides_met():
                then = f"Now the {other} side." if progress.unit == "s" else f"Only the {other} side counts now."
                self._say(t, "switch_sides", f"{side.capitalize()} side done. {then}")

    # -- sets and rests ----------------------------------------------------------------------

    def _begin_set(self, t: float) -> None:
        p = self.plan[self.index]
        item = self.routine.items[p.item]
        spec = self.specs[p.exercise]
        self._set = _Set(self.index, p, item, spec, t, self.setup_check)
        self.phase = ANNOUNCE
        words = announcement(spec, p.set, item.sets, self._set.dosage)
        if self.routine.rounds > 1 and p.item == 0 and p.set == 1:
            words = f"Round {p.round} of {self.routine.rounds}. {words}"
        self._say(t, "announce", words)
        if p.exercise not in self._announced:
            self._announced.add(p.exercise)
            caution = avoid_text(spec)
            if caution:
                self._say(t, "caution", caution)
            for note in spec.safety:
                self._say(t, "safety", note)
            if item.note and p.round == 1 and p.set == 1:
                self._say(t, "tip", item.note)

    def _finish_set(self, t: float, how: str) -> None:
        """Close the set (its record joins :attr:`done`), say so, then rest or finish."""
        s = self._set
        record = s.close(t)
        self.done.append(record)
        self._set = None
        if how == "set_done":
            words = f"{self._final_count(s)} Set complete."
            if record.form_issues:
                message = s.spec.cue(record.form_issues[0]).message.rstrip(".")
                words += f" One thing for next time: {message[0].lower()}{message[1:]}."
        elif how == "time_up" and s.planned.hold_s is not None:
            words = "Time is up for this hold. Rest now, and aim for steady form next time."
        elif how == "time_up":
            words = "No new rep for a while, so this set ends here. Rest now."
        else:
            words = "Moving on."
        self._say(t, how, words)
        self._next(t)

    @staticmethod
    def _final_count(s: _Set) -> str:
        """The count that reached the target, in words ("Two.", "Right five.", "20 seconds."): the
        set ends on that frame, so the live count never shows or says it."""
        p, state = s.planned, s.state
        if p.reps is None:
            return f"{_seconds_words(p.hold_s)}."
        side = None
        if p.per_side and state.per_side:
            side = next((x for x in SIDE_NAMES if x not in s.sides_done), None)
        n = state.per_side.get(side, 0) if side else state.reps
        words = count_text(n, side)
        return words[0].upper() + words[1:] + "."

    def _next(self, t: float) -> None:
        """After a set: the rest before the next one, or the end of the routine."""
        finished = self.plan[self.index]
        self.index += 1
        if self.index >= len(self.plan):
            self.phase = DONE
            met = routine_report(self.routine, "", self.done).sets_met
            closing = "Well done." if met == len(self.plan) else "Good work; the report shows what to build on."
            self._say(t, "routine_done", f"Routine complete: {met} of {len(self.plan)} sets done to target. {closing}")
            return
        upcoming = self.plan[self.index]
        rest = self.routine.items[finished.item].rest_s
        if upcoming.round != finished.round:
            rest = self.routine.rest_between_rounds_s
        if rest <= 0:
            self._begin_set(t)
            return
        self.phase = REST
        self._rest_total, self._rest_until = rest, t + rest
        self._rest_marks = Countdown(m for m in REST_MARKS if m < rest)
        nxt = _title(self.specs[upcoming.exercise])
        self._say(t, "rest", f"Rest {_seconds_words(rest)}. Next: {nxt}.")

    def _rest_tick(self, t: float) -> None:
        left = self._rest_until - t
        over = left <= 1e-9  # frame times are sums of 1/fps: allow their rounding
        mark = self._rest_marks.update(left)
        if mark is not None and not over:
            self._say(t, "countdown", count_text(int(mark)))
        if over:
            self._begin_set(t)

    # -- the user's controls -----------------------------------------------------------------

    def skip(self, t: float | None = None) -> None:
        """Move on: end the set as it stands (its record is kept, short of target), or the rest."""
        t = self._t if t is None else t
        if self.phase == REST:
            self._begin_set(t)
        elif self.phase in (ANNOUNCE, SETUP, ACTIVE) and self._set is not None:
            self._finish_set(t, "skipped")

    def stop(self, reason: str, t: float | None = None) -> None:
        """End the session early (Ctrl-C, q, the source ended); a set under way is kept when
        anything of it was done."""
        t = self._t if t is None else t
        if self.phase == DONE:  # finished, or stopped already: nothing left to keep
            return
        s = self._set
        if s is not None and s.anything_done():
            self.done.append(s.close(t))
        self._set = None
        self.phase = DONE
        self.stopped = reason

    def report(self, source: str) -> RoutineReport:
        """The session report: every planned set, done vs target; incomplete when stopped early."""
        error = None if self.stopped is None else self.stopped
        return routine_report(self.routine, source, self.done, error=error)

    # -- helpers -----------------------------------------------------------------------------

    def _say(self, t: float, kind: str, text: str) -> None:
        self._events.append(CoachEvent(t, kind, text))

    def _intro(self) -> str:
        n = len(self.plan)
        rounds = f" in {self.routine.rounds} rounds" if self.routine.rounds > 1 else ""
        return (f"{self.routine.title.rstrip('.')}: {n} set{'s' if n != 1 else ''}{rounds}. "
                "Move slowly, keep breathing, and stop any exercise that brings on sharp or spreading pain.")

    def _view(self, t: float, setup: SetupStatus | None) -> CoachView:
        events, self._events = tuple(self._events), []
        s = self._set
        upcoming = self.plan[self.index] if self.index < len(self.plan) else None
        spec = self.specs[upcoming.exercise] if upcoming is not None else None
        resting = self.phase == REST
        return CoachView(
            t=t, phase=self.phase, index=self.index, planned=upcoming, spec=spec,
            dosage=s.dosage if s is not None else (self._dosages[upcoming.item] if upcoming else None),
            state=s.shown_state() if s is not None else None, setup=setup,
            progress=s.progress() if s is not None else None,
            rest_left_s=max(0.0, self._rest_until - t) if resting else None,
            rest_total_s=self._rest_total if resting else None,
            events=events,
        )
