"""Drivers: the parts that turn smoothed metrics into reps, held time or cycles.

Each driver has ``update()`` called on every frame with the frame's metric values and
whether the spec's posture gate is open (NaN values and a closed gate are how "nobody
there" and "not in the starting position" reach it), and ``finish()`` at the end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from posecheck.core.conditions import ConditionSet
from posecheck.core.reps import PEAK, REST, UNKNOWN, Rep, RepCounter
from posecheck.core.rest_level import RestLevel
from posecheck.core.timeline import FrameClock
from posecheck.core.timer import PositionTimer
from posecheck.specs.schema import HoldRule, RepRule, SequenceRule


class RepDriver:
    """Reps on one metric (see :class:`RepCounter`), counted only in posture and with ``require`` met.
    ``side_change_ends_rep``: see :class:`RepCounter` and :mod:`posecheck.core.sides`. With
    ``rest_level = "learned"`` the counter sees the metric minus the person's resting value
    (:class:`~posecheck.core.rest_level.RestLevel`)."""

    def __init__(self, rule: RepRule, reset_after_s: float, side_change_ends_rep: bool = False):
        self.rule = rule
        self.counter = RepCounter(rule.rest, rule.peak, rule.min_phase_s, rule.min_rep_s, reset_after_s,
                                  side_change_ends_rep)
        self.require = ConditionSet(rule.require)
        self.rest_level = RestLevel() if rule.rest_level == "learned" else None
        self.phase = UNKNOWN

    def relative(self, value: float) -> float:
        """The metric as the counter sees it: itself, or its distance from the learned resting value."""
        return value if self.rest_level is None else value - self.rest_level.level

    def progress(self, value: float) -> float:
        return self.counter.progress(self.relative(value))

    def update(self, t: float, values: Mapping[str, float], gate_open: bool, side: str | None) -> str:
        required = self.require.update(values)
        v = values[self.rule.metric] if gate_open and required else math.nan
        seen = self.relative(v)
        self.phase = self.counter.update(t, seen, side)
        if self.rest_level is not None:
            near = math.isfinite(seen) and abs(seen) <= abs(self.rule.rest)
            self.rest_level.update(t, v, resting=self.phase == REST and near)
        return self.phase

    def moving(self, values: Mapping[str, float]) -> bool:
        """In a rep: past the peak, or out of the rest zone on the way."""
        v = self.relative(values[self.rule.metric])
        return self.phase == PEAK or (self.phase == REST and math.isfinite(v) and not self.counter.at_rest(v))

    @property
    def reps(self) -> list[Rep]:
        return self.counter.reps

    @property
    def partials(self) -> list[Rep]:
        return self.counter.partials

    def finish(self, t_end: float) -> None:
        self.counter.finish(t_end)


class HoldDriver:
    """Time in the held position: every ``require`` condition true, debounced by a :class:`PositionTimer`."""

    def __init__(self, rule: HoldRule):
        self.rule = rule
        self.conditions = ConditionSet(rule.require)
        self.timer = PositionTimer(rule.min_enter_s, rule.grace_s)
        self.raw = False

    def progress(self, values: Mapping[str, float]) -> float:
        return self.conditions.progress(values)

    def update(self, t: float, values: Mapping[str, float], gate_open: bool, detected: bool) -> bool:
        self.raw = self.conditions.update(values) and detected and gate_open
        return self.timer.update(t, self.raw)

    @property
    def in_position(self) -> bool:
        return self.timer.in_position

    def seconds(self) -> float:
        return self.timer.seconds()

    def finish(self, t_end: float) -> None:
        self.timer.finish(t_end)


class SequenceDriver:
    """Cycles through an ordered list of states (cat -> cow -> cat), each reached after ``min_state_s``.

    A cycle starts when the first state of ``order`` is reached and is complete when the
    last one is; reaching the first state out of turn starts over. Each completed cycle is
    a :class:`Rep` whose ``states`` record every state's extreme of ``metric``; its
    ``peak_s`` is the extreme of the second state.
    """

    def __init__(self, rule: SequenceRule):
        self.rule = rule
        self.states = {s.name: ConditionSet(s.require) for s in rule.states}
        self.reps: list[Rep] = []
        self.partials: list[Rep] = []
        self.current: str | None = None
        self._candidate: str | None = None
        self._candidate_since = math.nan
        self._clock = FrameClock()
        self._next = 0
        self._visits: list[list] = []
        self._cycle_start = math.nan
        self._rises = {s.name: _rises(s.require, rule.metric) for s in rule.states}

    @property
    def phase(self) -> str:
        return self.current or UNKNOWN

    def update(self, t: float, values: Mapping[str, float], gate_open: bool) -> str:
        self._clock.tick(t)
        active = [name for name, cs in self.states.items() if cs.update(values) and gate_open]
        now = active[0] if len(active) == 1 else None
        if now != self._candidate:
            self._candidate, self._candidate_since = now, t
        if now is not None and now != self.current and self._clock.lasted(self._candidate_since, t, self.rule.min_state_s):
            self._reach(now, self._candidate_since)
        if self.current is not None and self._visits and self.rule.metric is not None and self.current == now:
            v = values[self.rule.metric]
            visit = self._visits[-1]
            better = not math.isfinite(visit[2]) or (v > visit[2] if self._rises[self.current] else v < visit[2])
            if visit[0] == self.current and math.isfinite(v) and better:
                visit[1], visit[2] = t, v
        if math.isfinite(self._cycle_start) and t - self._cycle_start > self.rule.max_cycle_s:
            self._reset()
        return self.phase

    def _reach(self, state: str, t: float) -> None:
        self.current = state
        order = self.rule.order
        if state == order[self._next]:
            self._advance(state, t)
        elif state == order[0]:
            self._reset()
            self._advance(state, t)

    def _advance(self, state: str, t: float) -> None:
        if self._next == 0:
            self._cycle_start = t
            self._visits = []
        self._visits.append([state, t, math.nan])
        self._next += 1
        if self._next == len(self.rule.order):
            self._complete(t)

    def _complete(self, t: float) -> None:
        visits = tuple((name, float(at), float(v)) for name, at, v in self._visits)
        peak_t = visits[1][1] if len(visits) > 1 else visits[0][1]
        self.reps.append(Rep(self._cycle_start, peak_t, t, peak_t, peak_t, None, None, visits))
        closes_loop = self.rule.order[-1] == self.rule.order[0]
        self._reset()
        if closes_loop:
            self._advance(self.rule.order[0], t)

    def _reset(self) -> None:
        self._next = 0
        self._visits = []
        self._cycle_start = math.nan

    def finish(self, t_end: float) -> None:
        if self._next > 1:
            visits = tuple((name, float(at), float(v)) for name, at, v in self._visits)
            self.partials.append(Rep(self._cycle_start, visits[-1][1], t_end, visits[-1][1], visits[-1][1], None, "end", visits))
        self._reset()


def _rises(conditions, metric: str | None) -> bool:
    """Whether a state is the high end of ``metric`` (its condition on it points up); high by default."""
    return next((c.direction == "up" for c in conditions if c.metric == metric), True)
