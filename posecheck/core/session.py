"""The analysis core: one exercise spec, fed one :class:`PoseFrame` at a time.

``ExerciseSession.update(frame)`` is called on every frame — also when nobody is
detected — and returns a :class:`FrameState` for live feedback (count, hold timer,
phase, failing cues). ``result()`` closes the session and recomputes the final
numbers from the whole timeline with the same rules, so reports are exact and
deterministic. Imports neither cv2 nor mediapipe.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from posecheck.core import timeline
from posecheck.core.filters import Hysteresis, OneEuroFilter
from posecheck.core.metrics import SIDES, CompiledMetric, side_visibility
from posecheck.core.reps import PEAK, REST, UNKNOWN, Rep, RepCounter
from posecheck.core.view import facing_angle_deg, view_name
from posecheck.pose.landmarks import JOINT_INDEX, PoseFrame
from posecheck.specs.schema import CueSpec, ExerciseSpec

#: Side choice in ``auto`` mode switches once the other side is this much more visible.
SIDE_SWITCH_MARGIN = 0.15
#: An ``extreme`` cue reads its metric as the median over this many seconds around a rep's extreme.
EXTREME_WINDOW_S = 0.2
#: How long the verdict on the last rep stays on screen.
REP_MESSAGE_S = 2.0


@dataclass(frozen=True)
class FrameState:
    """What the live overlay shows after one frame."""

    t: float
    detected: bool
    side: str | None
    phase: str
    reps: int
    per_side: dict[str, int]
    hold_s: float
    in_position: bool
    progress: float
    metrics: dict[str, float]
    cues: dict[str, str]  # cue id -> "ok" | "fail" | "idle"
    messages: tuple[str, ...]


@dataclass
class CueResult:
    """A cue over the whole session: frames scored, frames failed, failing spans in seconds."""

    spec: CueSpec
    evaluated_frames: int
    failed_frames: int
    windows_s: list[tuple[float, float]]
    fail_mask: np.ndarray = field(repr=False)


@dataclass
class SessionResult:
    """Everything the analysis found; :mod:`posecheck.report` turns it into JSON."""

    spec: ExerciseSpec
    t: np.ndarray
    detected: np.ndarray
    people: np.ndarray
    reps: list[Rep]
    partial_reps: list[Rep]
    rejected_reps: int
    hold_s: float | None
    good_form_s: float | None
    in_position: np.ndarray | None
    cues: dict[str, CueResult]
    metrics: dict[str, np.ndarray]
    views: Counter
    warnings: list[str]

    @property
    def frames_with_pose(self) -> int:
        return int(self.detected.sum())

    @property
    def per_side(self) -> dict[str, int] | None:
        if self.spec.sides != "alternating":
            return None
        counts = {s: 0 for s in SIDES}
        for rep in self.reps:
            if rep.side in counts:
                counts[rep.side] += 1
        return counts

    @property
    def dominant_view(self) -> str | None:
        return self.views.most_common(1)[0][0] if self.views else None

    def rep_failed_cues(self, rep: Rep) -> list[str]:
        """Cue ids that failed at some point during a rep."""
        inside = (self.t >= rep.start_s) & (self.t <= rep.end_s)
        return [cid for cid, cue in self.cues.items() if bool((cue.fail_mask & inside).any())]


def _lower_side_score(frame: PoseFrame) -> float:
    """> 0 when the left shoulder and hip are nearer the floor (lower in the image) than the
    right ones, in torso lengths; NaN when nobody is there."""
    if not frame.detected:
        return math.nan
    xy = frame.image_xy
    ls, rs, lh, rh = (JOINT_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
    torso = float(np.linalg.norm((xy[ls] + xy[rs]) / 2 - (xy[lh] + xy[rh]) / 2))
    if not torso > 0:
        return math.nan
    return float((xy[ls, 1] - xy[rs, 1]) + (xy[lh, 1] - xy[rh, 1])) / (2 * torso)


class _Cue:
    """Causal state of one cue: hysteresis on the bound and a minimum failing time."""

    def __init__(self, spec: CueSpec):
        self.spec = spec
        self.failing = False
        self.fail_since = math.nan

    def update(self, t: float, value: float, in_phase: bool) -> str:
        if not in_phase or not math.isfinite(value):
            return "idle"
        lo, hi, h = self.spec.min, self.spec.max, self.spec.hysteresis
        outside = (lo is not None and value < lo) or (hi is not None and value > hi)
        inside_margin = (lo is None or value >= lo + h) and (hi is None or value <= hi - h)
        if not self.failing and outside:
            self.failing, self.fail_since = True, t
        elif self.failing and inside_margin:
            self.failing = False
        return "fail" if self.failing else "ok"

    def shown(self, t: float) -> bool:
        return self.failing and t - self.fail_since >= self.spec.min_duration_s


class _Hold:
    """Causal hold timer: in position after ``min_enter_s``, brief exits bridged by ``grace_s``."""

    def __init__(self, spec: ExerciseSpec):
        assert spec.hold is not None
        self.rule = spec.hold
        self.conditions = [(c.metric, Hysteresis(on=c.enter, off=c.exit)) for c in spec.hold.require]
        self.in_position = False
        self.held_s = 0.0
        self._pending_since = math.nan
        self._last_raw = math.nan
        self._last_t = math.nan

    def raw(self, detected: bool, metrics: dict[str, float]) -> bool:
        states = [h.update(metrics[name]) for name, h in self.conditions]
        return detected and all(states)

    def update(self, t: float, raw: bool) -> bool:
        dt = t - self._last_t if math.isfinite(self._last_t) else 0.0
        self._last_t = t
        if raw:
            if not math.isfinite(self._pending_since):
                self._pending_since = t
            if self.in_position:
                self.held_s += dt
            elif t - self._pending_since >= self.rule.min_enter_s:
                self.in_position = True
                self.held_s += t - self._pending_since
            self._last_raw = t
        else:
            self._pending_since = math.nan if not self.in_position else self._pending_since
            if self.in_position and t - self._last_raw > self.rule.grace_s:
                self.in_position = False
                self._pending_since = math.nan
        return self.in_position


class ExerciseSession:
    """Run one spec over a stream of pose frames; see the module docstring."""

    def __init__(self, spec: ExerciseSpec):
        self.spec = spec
        self.metrics = {name: CompiledMetric.compile(name, m) for name, m in spec.metrics.items()}
        # Side-dependent metrics keep one filter per side, so a side switch never blends the
        # left knee's history into the right knee's; the others need just one.
        self._filters = {
            (name, side): OneEuroFilter(
                min_cutoff=m.smoothing_hz or spec.smoothing_hz, beta=0.0, reset_after_s=spec.reset_after_s
            )
            for name, m in spec.metrics.items()
            for side in (SIDES if self.metrics[name].uses_side() else (None,))
        }
        sided = [m for m in self.metrics.values() if m.uses_side()]
        self._side_joints = {s: sorted({i for m in sided for i in m.joint_indices(s)}) for s in SIDES}
        self._side = spec.sides if spec.sides in SIDES else None
        self._side_score = 0.0
        self.counter = (
            RepCounter(spec.reps.rest, spec.reps.peak, spec.reps.min_phase_s, spec.reps.min_rep_s, spec.reset_after_s)
            if spec.reps
            else None
        )
        self.hold = _Hold(spec) if spec.hold else None
        self.cues = [_Cue(c) for c in spec.cues]
        self._t: list[float] = []
        self._detected: list[bool] = []
        self._people: list[int] = []
        self._raw_hold: list[bool] = []
        self._cue_eval: dict[str, list[bool]] = {c.id: [] for c in spec.cues}
        self._cue_fail: dict[str, list[bool]] = {c.id: [] for c in spec.cues}
        self._metric_log: dict[str, list[float]] = {name: [] for name in self.metrics}
        self._views: Counter = Counter()
        self._view_log: list[str | None] = []
        self._finished: SessionResult | None = None
        self._reps_judged = 0
        self._rep_message: tuple[float, tuple[str, ...]] | None = None

    # -- per frame -------------------------------------------------------------------------

    def _choose_side(self, frame: PoseFrame) -> str:
        if self.spec.sides in SIDES:
            return self.spec.sides
        if self.spec.sides == "lower":
            diff = _lower_side_score(frame)
        else:
            vis = side_visibility(frame, self._side_joints)
            diff = vis["left"] - vis["right"]
        if frame.detected and math.isfinite(diff):
            self._side_score = 0.7 * self._side_score + 0.3 * diff
        if self._side is None:
            self._side = "left" if not diff < 0 else "right"
        elif self._side == "left" and self._side_score < -SIDE_SWITCH_MARGIN:
            self._side = "right"
        elif self._side == "right" and self._side_score > SIDE_SWITCH_MARGIN:
            self._side = "left"
        return self._side

    def _smoothed(self, name: str, side: str, frame: PoseFrame) -> float:
        metric = self.metrics[name]
        raw = metric.evaluate(frame, side, self.spec.min_visibility)
        return self._filters[(name, side if metric.uses_side() else None)].update(frame.t, raw)

    def update(self, frame: PoseFrame) -> FrameState:
        """Feed the next frame (in time order); returns the live state."""
        if self._finished is not None:
            raise RuntimeError("session already finished")
        t = frame.t
        if self.spec.sides == "alternating" and self.counter is not None:
            rep_metric = self.spec.reps.metric
            both = {s: self._smoothed(rep_metric, s, frame) for s in SIDES}
            finite = {s: self.counter.progress(v) for s, v in both.items() if math.isfinite(v)}
            side = max(finite, key=finite.get) if finite else (self._side or "left")
            self._side = side
            values = {n: (both[side] if n == rep_metric else self._smoothed(n, side, frame)) for n in self.metrics}
        else:
            side = self._choose_side(frame)
            values = {n: self._smoothed(n, side, frame) for n in self.metrics}

        phase = UNKNOWN
        progress = math.nan
        moving = False
        if self.counter is not None:
            v = values[self.spec.reps.metric]
            phase = self.counter.update(t, v, side)
            progress = self.counter.progress(v)
            moving = phase == PEAK or (phase == REST and math.isfinite(v) and not self.counter.at_rest(v))
        in_position = raw_position = False
        if self.hold is not None:
            raw_position = self.hold.raw(frame.detected, values)
            self._raw_hold.append(raw_position)
            in_position = self.hold.update(t, raw_position)
            if self.counter is None:
                phase = "hold" if in_position else "out"

        self._t.append(t)
        self._detected.append(frame.detected)
        self._people.append(frame.people)
        for n, v in values.items():
            self._metric_log[n].append(v)

        view = view_name(facing_angle_deg(frame)) if frame.detected else None
        self._view_log.append(view)
        if view:
            self._views[view] += 1

        messages = []
        if self.counter is not None and len(self.counter.reps) + len(self.counter.partials) > self._reps_judged:
            self._reps_judged = len(self.counter.reps) + len(self.counter.partials)
            done = self.counter.reps + self.counter.partials
            last = max(done, key=lambda r: r.end_s)
            failed = [c for c, bad in self.judge_rep(last).items() if bad]
            self._rep_message = (t, tuple(f"Last rep: {self.spec.cue(c).message}" for c in failed))
        if self._rep_message and t - self._rep_message[0] <= REP_MESSAGE_S:
            messages.extend(self._rep_message[1])

        active = moving or in_position
        statuses: dict[str, str] = {}
        for cue in self.cues:
            p = cue.spec.phase
            if p == "extreme":
                # Judged per rep (judge_rep); on screen, show how the current value compares.
                v = values[cue.spec.metric]
                shown = phase == PEAK and math.isfinite(v) and self._view_shows(cue.spec, view)
                outside = (cue.spec.min is not None and v < cue.spec.min) or (cue.spec.max is not None and v > cue.spec.max)
                statuses[cue.spec.id] = ("fail" if outside else "ok") if shown else "idle"
                self._cue_eval[cue.spec.id].append(False)
                self._cue_fail[cue.spec.id].append(False)
                continue
            in_phase = frame.detected and self._view_shows(cue.spec, view) and (
                p == "any"
                or (p == "hold" and raw_position)
                or (p == "peak" and phase == PEAK)
                or (p == "rest" and phase == REST and not moving)
                or (p == "active" and active)
            )
            status = cue.update(t, values[cue.spec.metric], in_phase)
            statuses[cue.spec.id] = status
            self._cue_eval[cue.spec.id].append(status != "idle")
            self._cue_fail[cue.spec.id].append(status == "fail")
            if status == "fail" and cue.shown(t):
                messages.append(cue.spec.message)

        per_side = self._per_side_live()
        return FrameState(
            t=t,
            detected=frame.detected,
            side=side if frame.detected else None,
            phase=phase,
            reps=self.counter.count if self.counter else 0,
            per_side=per_side,
            hold_s=self.hold.held_s if self.hold else 0.0,
            in_position=in_position,
            progress=progress,
            metrics=values,
            cues=statuses,
            messages=tuple(messages),
        )

    @staticmethod
    def _view_shows(cue: CueSpec, view: str | None) -> bool:
        """A cue that names its views is only judged on frames seen from one of them."""
        return cue.views is None or view in cue.views

    def judge_rep(self, rep: Rep) -> dict[str, bool | None]:
        """Verdict of each ``extreme`` cue on one rep: True = failed, None = not visible."""
        t = np.asarray(self._t, np.float64)
        near = np.abs(t - rep.peak_s) <= EXTREME_WINDOW_S
        views = [v for v, n in zip(self._view_log, near, strict=True) if n]
        out: dict[str, bool | None] = {}
        for cue in self.spec.cues:
            if cue.phase != "extreme":
                continue
            if cue.views is not None and not any(v in cue.views for v in views):
                out[cue.id] = None
                continue
            values = np.asarray(self._metric_log[cue.metric], np.float64)[near]
            values = values[np.isfinite(values)]
            if values.size == 0:
                out[cue.id] = None
                continue
            v = float(np.median(values))
            out[cue.id] = (cue.min is not None and v < cue.min) or (cue.max is not None and v > cue.max)
        return out

    def _per_side_live(self) -> dict[str, int]:
        if self.counter is None or self.spec.sides != "alternating":
            return {}
        counts = Counter(r.side for r in self.counter.reps)
        return {s: counts.get(s, 0) for s in SIDES}

    # -- end of session --------------------------------------------------------------------

    def result(self) -> SessionResult:
        """Close the session (idempotent) and compute the final numbers from the timeline."""
        if self._finished is not None:
            return self._finished
        t = np.asarray(self._t, np.float64)
        end = float(t[-1] + timeline.frame_durations(t)[-1]) if t.size else 0.0
        if self.counter is not None:
            self.counter.finish(end)

        in_position = None
        hold_s = good_s = None
        if self.hold is not None:
            in_position = timeline.clean_mask(
                np.asarray(self._raw_hold, bool), t, min_on_s=self.spec.hold.min_enter_s, max_gap_s=self.spec.hold.grace_s
            )
            hold_s = timeline.seconds(in_position, t)

        cues: dict[str, CueResult] = {}
        form_fail = np.zeros(t.size, bool)
        all_reps = (self.counter.reps + self.counter.partials) if self.counter else []
        verdicts = [(rep, self.judge_rep(rep)) for rep in all_reps]
        for spec in self.spec.cues:
            if spec.phase == "extreme":
                evaluated = np.zeros(t.size, bool)
                fail = np.zeros(t.size, bool)
                for rep, verdict in verdicts:
                    window = (t >= rep.peak_from_s) & (t <= rep.peak_to_s)
                    if verdict.get(spec.id) is not None:
                        evaluated |= window
                        if verdict[spec.id]:
                            fail |= window
            else:
                raw_fail = np.asarray(self._cue_fail[spec.id], bool)
                fail = timeline.clean_mask(raw_fail, t, min_on_s=spec.min_duration_s, max_gap_s=spec.min_duration_s)
                evaluated = np.asarray(self._cue_eval[spec.id], bool)
            cues[spec.id] = CueResult(
                spec=spec,
                evaluated_frames=int(evaluated.sum()),
                failed_frames=int((fail & evaluated).sum()),
                windows_s=timeline.windows_s(fail, t),
                fail_mask=fail,
            )
            if spec.severity != "info" and spec.phase in ("hold", "active", "any"):
                form_fail |= fail
        if in_position is not None:
            good = timeline.trim_run_starts(in_position & ~form_fail, t, self.spec.hold.settle_s)
            good_s = timeline.seconds(good, t)

        detected = np.asarray(self._detected, bool)
        people = np.asarray(self._people, np.int16)
        warnings = self._warnings(detected, people)
        self._finished = SessionResult(
            spec=self.spec,
            t=t,
            detected=detected,
            people=people,
            reps=list(self.counter.reps) if self.counter else [],
            partial_reps=list(self.counter.partials) if self.counter else [],
            rejected_reps=self.counter.rejected if self.counter else 0,
            hold_s=hold_s,
            good_form_s=good_s,
            in_position=in_position,
            cues=cues,
            metrics={n: np.asarray(v, np.float64) for n, v in self._metric_log.items()},
            views=self._views,
            warnings=warnings,
        )
        return self._finished

    def _warnings(self, detected: np.ndarray, people: np.ndarray) -> list[str]:
        out = []
        crowded = int((people > 1).sum())
        if crowded:
            out.append(f"several people seen in {crowded} frames; analysed the most prominent one")
        if self._views:
            view, n = self._views.most_common(1)[0]
            if view not in self.spec.views:
                out.append(
                    f"camera view looks like {view!r} ({100 * n / max(1, detected.sum()):.0f}% of frames); "
                    f"{self.spec.name} is best filmed from: {', '.join(self.spec.views)}"
                )
            for cue in self.spec.cues:
                if cue.views and view not in cue.views:
                    out.append(f"cue {cue.id!r} cannot be judged reliably from a {view} view (needs: {', '.join(cue.views)})")
        return out
