"""Cue evaluators: one small class per cue kind of the spec.

Frame cues (:class:`FrameCueEvaluator`) have ``update()`` on every frame and decide live,
with hysteresis; the report re-derives their failure windows from the same per-frame
decisions with the minimum duration applied. Per-rep cues (``rep``, ``pause``, ``tempo``)
give one verdict per completed rep from the session's recorded timeline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from posecheck.core import timeline
from posecheck.core.reps import Rep
from posecheck.specs.schema import FrameCue, PauseCue, RepCue, TempoCue

#: A ``rep`` cue judging the ``extreme`` reads the median over this many seconds around it.
EXTREME_WINDOW_S = 0.2


@dataclass
class Recording:
    """What the session recorded so far, as arrays: the material per-rep cues judge."""

    t: np.ndarray
    views: list[str | None]
    metrics: dict[str, np.ndarray]
    cue_allowed: dict[str, np.ndarray]
    #: The working limb's side on each frame ("" with nobody detected) where the side says
    #: which limb works (alternating, front leg, lower side); None where it only picks the
    #: better-seen half of a symmetric exercise.
    sides: np.ndarray | None


@dataclass
class CueResult:
    """A cue over the whole session: frames judged, frames failed, failing spans in seconds."""

    spec: FrameCue | RepCue | PauseCue | TempoCue
    evaluated_frames: int
    failed_frames: int
    windows_s: list[tuple[float, float]]
    fail_mask: np.ndarray = field(repr=False)


def _outside(value: float, lo: float | None, hi: float | None) -> bool:
    return (lo is not None and value < lo) or (hi is not None and value > hi)


class FrameCueEvaluator:
    """``kind = "frame"``: the metric within [min, max] on every frame of the cue's phase."""

    per_rep = False

    def __init__(self, spec: FrameCue):
        self.spec = spec
        self.failing = False
        self.fail_since = math.nan
        self._clock = timeline.FrameClock()
        self._evaluated: list[bool] = []
        self._failed: list[bool] = []

    def update(self, t: float, value: float, judged: bool) -> str:
        """Judge one frame; returns ``idle`` (not judged), ``ok`` or ``fail`` (failing for ``min_duration_s``)."""
        self._clock.tick(t)
        judged = judged and math.isfinite(value)
        if judged:
            s = self.spec
            inside_margin = (s.min is None or value >= s.min + s.hysteresis) and (
                s.max is None or value <= s.max - s.hysteresis
            )
            if not self.failing and _outside(value, s.min, s.max):
                self.failing, self.fail_since = True, t
            elif self.failing and inside_margin:
                self.failing = False
        self._evaluated.append(judged)
        self._failed.append(judged and self.failing)
        if not judged:
            return "idle"
        return "fail" if self.failing and self._clock.lasted(self.fail_since, t, self.spec.min_duration_s) else "ok"

    def result(self, t: np.ndarray) -> CueResult:
        raw_fail = np.asarray(self._failed, bool)
        d = self.spec.min_duration_s
        fail = timeline.clean_mask(raw_fail, t, min_on_s=d, max_gap_s=d)
        evaluated = np.asarray(self._evaluated, bool)
        return CueResult(self.spec, int(evaluated.sum()), int((fail & evaluated).sum()), timeline.windows_s(fail, t), fail)


class _PerRep:
    """Shared by the per-rep cue kinds: verdicts become failure windows over the rep."""

    per_rep = True

    def __init__(self, spec):
        self.spec = spec

    def judge(self, rep: Rep, rec: Recording) -> bool | None:
        """True = failed, False = passed, None = could not be judged (view, visibility, precondition)."""
        raise NotImplementedError

    def window(self, rep: Rep) -> tuple[float, float]:
        return rep.start_s, rep.end_s

    def live_status(self, values: dict[str, float], at_peak: bool) -> str:
        """What the live view shows mid-rep, before the verdict: nothing by default."""
        return "idle"

    def _seen(self, rec: Recording, frames: np.ndarray) -> bool:
        """Whether the cue's views and preconditions allowed judging on some of ``frames``."""
        allowed = frames & rec.cue_allowed[self.spec.id]
        if self.spec.views is None:
            return bool(allowed.any())
        return any(v in self.spec.views for v, ok in zip(rec.views, allowed, strict=True) if ok)

    def result(self, t: np.ndarray, verdicts: list[tuple[Rep, bool | None]]) -> CueResult:
        evaluated = np.zeros(t.size, bool)
        fail = np.zeros(t.size, bool)
        for rep, verdict in verdicts:
            if verdict is None:
                continue
            a, b = self.window(rep)
            window = (t >= a) & (t <= b)
            evaluated |= window
            if verdict:
                fail |= window
        return CueResult(self.spec, int(evaluated.sum()), int((fail & evaluated).sum()), timeline.windows_s(fail, t), fail)


class RepCueEvaluator(_PerRep):
    """``kind = "rep"``: one value per rep (median at the extreme, or max/min over the rep) within [min, max]."""

    spec: RepCue

    def window(self, rep: Rep) -> tuple[float, float]:
        if self.spec.judge == "extreme":
            return rep.peak_from_s, rep.peak_to_s
        return rep.start_s, rep.end_s

    def live_status(self, values: dict[str, float], at_peak: bool) -> str:
        """At the peak, how the current value compares (the verdict comes when the rep ends)."""
        v = values[self.spec.metric]
        if not (at_peak and math.isfinite(v)):
            return "idle"
        return "fail" if _outside(v, self.spec.min, self.spec.max) else "ok"

    def judge(self, rep: Rep, rec: Recording) -> bool | None:
        t = rec.t
        if self.spec.judge == "extreme":
            frames = np.abs(t - rep.peak_s) <= EXTREME_WINDOW_S
        else:
            frames = (t >= rep.start_s) & (t <= rep.end_s)
        if rec.sides is not None and rep.side is not None:
            # Only the rep's own limb: before it leaves rest, an alternating spec may still
            # be watching the other one.
            frames &= rec.sides == rep.side
        if not self._seen(rec, frames):
            return None
        frames &= rec.cue_allowed[self.spec.id]
        values = rec.metrics[self.spec.metric][frames]
        values = values[np.isfinite(values)]
        if values.size == 0:
            return None
        pick = {"extreme": np.median, "max": np.max, "min": np.min}[self.spec.judge]
        return _outside(float(pick(values)), self.spec.min, self.spec.max)


class PauseCueEvaluator(_PerRep):
    """``kind = "pause"``: the rep stayed past its peak threshold for at least ``min_s`` (no bouncing)."""

    spec: PauseCue

    def window(self, rep: Rep) -> tuple[float, float]:
        return rep.peak_from_s, rep.peak_to_s

    def judge(self, rep: Rep, rec: Recording) -> bool | None:
        frames = (rec.t >= rep.peak_from_s) & (rec.t <= rep.peak_to_s)
        if not self._seen(rec, frames):
            return None
        dt = float(np.median(np.diff(rec.t))) if rec.t.size > 1 else 0.0
        return rep.peak_to_s - rep.peak_from_s + dt < self.spec.min_s


class TempoCueEvaluator(_PerRep):
    """``kind = "tempo"``: the rep, its way out or its way back took at least the spec's minimum."""

    spec: TempoCue

    def judge(self, rep: Rep, rec: Recording) -> bool | None:
        frames = (rec.t >= rep.start_s) & (rec.t <= rep.end_s)
        if not self._seen(rec, frames):
            return None
        s = self.spec
        too_fast = [
            s.min_rep_s is not None and rep.end_s - rep.start_s < s.min_rep_s,
            s.min_out_s is not None and rep.peak_from_s - rep.start_s < s.min_out_s,
            s.min_back_s is not None and rep.end_s - rep.peak_to_s < s.min_back_s,
        ]
        return any(too_fast)


#: One evaluator class per cue kind.
CUE_EVALUATORS = {
    "frame": FrameCueEvaluator,
    "rep": RepCueEvaluator,
    "pause": PauseCueEvaluator,
    "tempo": TempoCueEvaluator,
}


def make_cue_evaluator(spec):
    return CUE_EVALUATORS[spec.kind](spec)
