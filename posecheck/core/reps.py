"""Count repetitions on one smoothed metric with two thresholds (hysteresis).

``RepCounter.update(t, value)`` is called on every frame, with NaN when the metric is not
known (nobody detected, joint not visible). The counter moves between phases::

    unknown ──► rest ──► peak ──► rest   (a complete rep, counted)

A rep is the time from the last moment at rest, through the extreme (``peak``), back to
rest. Leaving a phase must last ``min_phase_s`` to count (jitter across a threshold is not
a rep), and a rep shorter than ``min_rep_s`` is rejected; each frame counts as the interval
since the one before it (:class:`~posecheck.core.timeline.FrameClock`), so the limits mean
the same at 12 fps as at 60. With ``side_change_ends_rep`` (a lunge's front leg), another
side taking over on the way back (between peak and rest) ends the rep there: a walking
lunge's back leg steps through and leads the next lunge before the body is up. Reps whose
start or end we did not see — the clip starts or ends at the extreme, or the person is lost
for longer than ``reset_after_s`` mid-rep — are reported as *partial*, apart from the count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from posecheck.core.timeline import TIME_EPS, FrameClock

UNKNOWN, REST, PEAK = "unknown", "rest", "peak"


@dataclass(frozen=True)
class Rep:
    """One repetition, times in seconds.

    ``peak_s`` is the most extreme moment; ``peak_from_s``..``peak_to_s`` the time spent past
    the peak threshold. ``side`` is set for one-sided exercises; ``partial`` says which end
    of a cut rep is missing (``"start"``, ``"end"`` or ``"lost"``), None for complete reps.
    A cycle of a sequence lists the states it went through in ``states`` as
    ``(name, time of the state's extreme, the metric's extreme value)``.
    """

    start_s: float
    peak_s: float
    end_s: float
    peak_from_s: float
    peak_to_s: float
    side: str | None = None
    partial: str | None = None
    states: tuple[tuple[str, float, float], ...] = ()


@dataclass
class RepCounter:
    """Two-threshold rep counter; see the module docstring. ``peak > rest`` means reps rise."""

    rest: float
    peak: float
    min_phase_s: float = 0.2
    min_rep_s: float = 0.8
    reset_after_s: float = 1.0
    side_change_ends_rep: bool = False
    phase: str = UNKNOWN
    reps: list[Rep] = field(default_factory=list)
    partials: list[Rep] = field(default_factory=list)
    rejected: int = 0
    _rest_since: float = math.nan
    _last_rest_t: float = math.nan
    _peak_t: float = math.nan
    _peak_value: float = math.nan
    _peak_side: str | None = None
    _peak_from: float = math.nan
    _peak_last: float = math.nan
    _rep_start: float = math.nan
    _partial_start: bool = False
    _last_side: str | None = None
    _candidate: str | None = None
    _candidate_since: float = math.nan
    _last_seen: float = math.nan
    _clock: FrameClock = field(default_factory=FrameClock)

    def __post_init__(self) -> None:
        if self.rest == self.peak:
            raise ValueError(f"rest and peak thresholds must differ, both are {self.rest}")
        if self.min_phase_s < 0 or self.min_rep_s < 0:
            raise ValueError("min_phase_s and min_rep_s must be >= 0")

    @property
    def rising(self) -> bool:
        return self.peak > self.rest

    @property
    def count(self) -> int:
        return len(self.reps)

    def past_peak(self, v: float) -> bool:
        return v >= self.peak if self.rising else v <= self.peak

    def at_rest(self, v: float) -> bool:
        return v <= self.rest if self.rising else v >= self.rest

    def _more_extreme(self, v: float) -> bool:
        return not math.isfinite(self._peak_value) or (v > self._peak_value if self.rising else v < self._peak_value)

    def progress(self, value: float) -> float:
        """Where ``value`` lies from rest (0) to peak (1), clipped; NaN stays NaN."""
        if not math.isfinite(value):
            return math.nan
        return min(1.0, max(0.0, (value - self.rest) / (self.peak - self.rest)))

    def update(self, t: float, value: float, side: str | None = None) -> str:
        """Feed one frame; returns the phase after it."""
        if not math.isfinite(value):
            if math.isfinite(self._last_seen) and t - self._last_seen > self.reset_after_s and self.phase != UNKNOWN:
                self._lose(self._last_seen)
            return self.phase
        self._clock.tick(t)
        self._last_seen = t
        side_changed = side is not None and self._last_side is not None and side != self._last_side
        self._last_side = side

        if self.phase == UNKNOWN:
            if self.past_peak(value):
                self._enter_peak(t, value, side, partial_start=True)
            elif self.progress(value) < 0.5:
                self.phase = REST
                self._last_rest_t = t
            return self.phase

        if self.phase == REST:
            if self.at_rest(value):
                self._last_rest_t = t
                self._candidate = None
            elif self.past_peak(value):
                if self._candidate != PEAK or self._more_extreme(value):
                    self._peak_value, self._peak_t, self._peak_side = value, t, side
                if self._confirm(PEAK, t):
                    self._enter_peak(self._candidate_since, self._peak_value, self._peak_side, partial_start=False,
                                     extreme_t=self._peak_t)
            else:
                self._candidate = None
            return self.phase

        # PEAK: track the extreme, wait for the return to rest; another side taking over on
        # the way back ends the rep (a walking lunge's back leg steps through and leads)
        if (self.side_change_ends_rep and side_changed and side != self._peak_side
                and not self.past_peak(value) and not self.at_rest(value)):
            self._finish(t)
            return self.phase
        if self.past_peak(value):
            self._peak_last = t
        if self._more_extreme(value):
            self._peak_value, self._peak_t, self._peak_side = value, t, side
        if self.at_rest(value):
            if self._confirm(REST, t):
                self._finish(self._candidate_since)
        else:
            self._candidate = None
        return self.phase

    def _confirm(self, target: str, t: float) -> bool:
        """Debounce: a phase change counts once it has held for ``min_phase_s``."""
        if self._candidate != target:
            self._candidate, self._candidate_since = target, t
        return self._clock.lasted(self._candidate_since, t, self.min_phase_s)

    def _enter_peak(
        self, t: float, value: float, side: str | None, partial_start: bool, extreme_t: float | None = None
    ) -> None:
        """Commit to the peak phase, which began at ``t``; the extreme so far is ``value`` at ``extreme_t``."""
        self.phase = PEAK
        self._candidate = None
        self._partial_start = partial_start
        self._rep_start = t if partial_start or not math.isfinite(self._last_rest_t) else self._last_rest_t
        self._peak_value, self._peak_t, self._peak_side = value, t if extreme_t is None else extreme_t, side
        self._peak_from = t
        self._peak_last = self._peak_t

    def _finish(self, end: float) -> None:
        rep = Rep(
            self._rep_start, self._peak_t, end, self._peak_from, self._peak_last, self._peak_side,
            "start" if self._partial_start else None,
        )
        if self._partial_start:
            self.partials.append(rep)
        elif end - self._rep_start >= self.min_rep_s - TIME_EPS:
            self.reps.append(rep)
        else:
            self.rejected += 1
        self.phase = REST
        self._candidate = None
        self._last_rest_t = end
        self._peak_value = math.nan

    def _lose(self, last_seen: float) -> None:
        """The person was gone too long: a rep in progress is cut, the phase is forgotten."""
        if self.phase == PEAK:
            self.partials.append(
                Rep(self._rep_start, self._peak_t, last_seen, self._peak_from, self._peak_last, self._peak_side, "lost")
            )
        self.phase = UNKNOWN
        self._candidate = None
        self._peak_value = math.nan
        self._last_rest_t = math.nan

    def finish(self, t_end: float) -> None:
        """Close the session: a rep back at rest when the clip ends is complete, even if the
        clip ended before the return could last ``min_phase_s`` (no more frames can undo it);
        one still out toward its extreme is partial."""
        if self.phase == PEAK and self._candidate == REST:
            self._finish(self._candidate_since)
        if self.phase == PEAK:
            self.partials.append(Rep(self._rep_start, self._peak_t, t_end, self._peak_from, self._peak_last, self._peak_side, "end"))
        self.phase = UNKNOWN
