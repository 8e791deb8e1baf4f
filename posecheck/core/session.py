"""The analysis core: one exercise spec, fed one :class:`PoseFrame` at a time.

An :class:`ExerciseSession` is a composition of small parts, each updated on every frame
(also when nobody is detected), in this order::

    side selector ─► metric bank ─► posture gate ─► drivers (reps | hold | sequence) ─► cue evaluators
                                                                                  └─► recorder

``update(frame)`` returns a :class:`FrameState` for live feedback (count, hold timer,
phase, cue statuses, the verdict on the last rep); what it says on screen and when is the
renderer's business. ``result()`` closes the session and builds a :class:`SessionResult`
from what the same parts decided frame by frame. Imports neither cv2 nor mediapipe.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from posecheck.core import timeline
from posecheck.core.bank import MetricBank
from posecheck.core.conditions import ConditionSet
from posecheck.core.cues import CueResult, Recording, make_cue_evaluator
from posecheck.core.drivers import HoldDriver, RepDriver, SequenceDriver
from posecheck.core.metrics import SIDES
from posecheck.core.posture import PostureGate
from posecheck.core.reps import PEAK, REST, UNKNOWN, Rep
from posecheck.core.sides import make_side_selector
from posecheck.core.view import ViewTracker
from posecheck.pose.landmarks import PoseFrame
from posecheck.specs.schema import ExerciseSpec, PostureSpec


@dataclass(frozen=True)
class RepVerdict:
    """The judgement on one finished rep: which per-rep cues failed, and when it was counted."""

    index: int
    side: str | None
    end_s: float
    counted_s: float
    failed: tuple[str, ...]
    partial: bool = False


@dataclass(frozen=True)
class FrameState:
    """What the live view needs after one frame. Wording and timing of messages are the renderer's."""

    t: float
    detected: bool
    in_posture: bool
    side: str | None
    phase: str
    reps: int
    per_side: dict[str, int]
    hold_s: float
    hold_per_side: dict[str, float]
    in_position: bool
    progress: float
    metrics: dict[str, float]
    cues: dict[str, str]  # cue id -> "ok" | "fail" | "idle"
    last_rep: RepVerdict | None = None

    @property
    def failing(self) -> tuple[str, ...]:
        """Ids of the cues failing right now: frame cues past their minimum duration, and
        per-rep cues whose metric is out of bounds at the peak of the rep in progress."""
        return tuple(cid for cid, status in self.cues.items() if status == "fail")


@dataclass(frozen=True)
class RepStats:
    """One rep (or cycle) measured: timing, range of motion of the driving metric, failed cues."""

    rep: Rep
    duration_s: float
    out_s: float
    at_peak_s: float
    back_s: float
    range_of_motion: float | None
    failed_cues: tuple[str, ...]

    @property
    def start_s(self) -> float:
        return self.rep.start_s

    @property
    def peak_s(self) -> float:
        return self.rep.peak_s

    @property
    def end_s(self) -> float:
        return self.rep.end_s

    @property
    def peak_from_s(self) -> float:
        return self.rep.peak_from_s

    @property
    def peak_to_s(self) -> float:
        return self.rep.peak_to_s

    @property
    def side(self) -> str | None:
        return self.rep.side

    @property
    def partial(self) -> str | None:
        return self.rep.partial


@dataclass
class SessionResult:
    """Everything the analysis found; :mod:`posecheck.report` turns it into the report."""

    spec: ExerciseSpec
    t: np.ndarray
    detected: np.ndarray
    people: np.ndarray
    in_posture: np.ndarray
    sides: list[str | None]
    reps: list[RepStats]
    partial_reps: list[RepStats]
    rejected_reps: int
    hold_s: float | None
    good_form_s: float | None
    hold_per_side: dict[str, tuple[float, float]] | None
    in_position: np.ndarray | None
    cues: dict[str, CueResult]
    metrics: dict[str, np.ndarray]
    views: Counter
    warnings: list[str] = field(default_factory=list)
    #: The resting value a ``rest_level = "learned"`` rep rule measured from at the end (NaN
    #: if never learned); None for fixed thresholds.
    rest_level: float | None = None

    @property
    def frames_with_pose(self) -> int:
        return int(self.detected.sum())

    @property
    def posture_s(self) -> float:
        return timeline.seconds(self.in_posture, self.t)

    @property
    def posture_found(self) -> bool:
        return bool(self.in_posture.any())

    @property
    def per_side(self) -> dict[str, int] | None:
        """Complete reps per side, for specs whose working side changes (not auto or fixed)."""
        if not self.spec.counts_sides or self.spec.reps is None:
            return None
        counts = Counter(r.rep.side for r in self.reps)
        return {s: counts.get(s, 0) for s in SIDES}

    @property
    def dominant_view(self) -> str | None:
        return self.views.most_common(1)[0][0] if self.views else None


def _posture(spec: ExerciseSpec) -> PostureSpec:
    if not isinstance(spec.posture, PostureSpec):
        raise ValueError(
            f"spec {spec.name!r} names posture {spec.posture!r} but it is not resolved; "
            "load specs with posecheck.specs.loader.load_spec (or resolve_posture)"
        )
    return spec.posture


class ExerciseSession:
    """Run one spec over a stream of pose frames; see the module docstring."""

    def __init__(self, spec: ExerciseSpec):
        self.spec = spec
        self.bank = MetricBank(spec.metrics, spec.smoothing_hz, spec.reset_after_s, spec.min_visibility)
        self.gate = PostureGate(_posture(spec), spec.min_visibility, spec.reset_after_s)
        self.side_selector = make_side_selector(spec.sides, self.bank.side_joints(), spec.reset_after_s)
        self.rep_driver = (RepDriver(spec.reps, spec.reset_after_s, self.side_selector.change_ends_rep)
                           if spec.reps else None)
        self.hold_driver = HoldDriver(spec.hold) if spec.hold else None
        self.sequence_driver = SequenceDriver(spec.sequence) if spec.sequence else None
        self.view_tracker = ViewTracker(reset_after_s=spec.reset_after_s)
        self.cues = [make_cue_evaluator(c) for c in spec.cues]
        self._cue_require = {c.id: ConditionSet(c.require) for c in spec.cues}
        self._t: list[float] = []
        self._detected: list[bool] = []
        self._people: list[int] = []
        self._in_posture: list[bool] = []
        self._sides: list[str | None] = []
        self._views: list[str | None] = []
        self._metric_log: dict[str, list[float]] = {name: [] for name in spec.metrics}
        self._cue_allowed: dict[str, list[bool]] = {c.id: [] for c in spec.cues}
        self._view_counts: Counter = Counter()
        self._verdicts: dict[tuple[float, float], RepVerdict] = {}
        self._counted = 0
        self._last_rep: RepVerdict | None = None
        self._finished: SessionResult | None = None

    # -- per frame -------------------------------------------------------------------------

    @property
    def _counter(self) -> RepDriver | SequenceDriver | None:
        return self.rep_driver or self.sequence_driver

    def _choose_side(self, frame: PoseFrame) -> tuple[str, dict[str, float]]:
        """Working side of this frame and the driving metric's value, when it was needed to choose."""
        driving: dict[str, float] = {}

        def progress(side: str) -> float:
            if self.rep_driver is not None:
                name = self.spec.reps.metric
                driving[side] = self.bank.value(name, frame, side)
                return self.rep_driver.progress(driving[side])
            if self.hold_driver is not None:
                values = {c.metric: self.bank.value(c.metric, frame, side) for c in self.spec.hold.require[:1]}
                driving[side] = next(iter(values.values()))
                return self.hold_driver.progress(values)
            return math.nan

        side = self.side_selector.update(frame, progress)
        known = {}
        if side in driving:
            name = self.spec.reps.metric if self.rep_driver is not None else self.spec.hold.require[0].metric
            known[name] = driving[side]
        return side, known

    def update(self, frame: PoseFrame) -> FrameState:
        """Feed the next frame (in time order); returns the live state."""
        if self._finished is not None:
            raise RuntimeError("session already finished")
        t = frame.t
        side, known = self._choose_side(frame)
        values = self.bank.values(frame, side, known)
        view = self.view_tracker.update(frame)
        gate_open = self.gate.update(frame, side)

        phase, progress, moving = UNKNOWN, math.nan, False
        if self.rep_driver is not None:
            phase = self.rep_driver.update(t, values, gate_open, side)
            progress = self.rep_driver.progress(values[self.spec.reps.metric])
            moving = self.rep_driver.moving(values)
        if self.sequence_driver is not None:
            phase = self.sequence_driver.update(t, values, gate_open)
            moving = phase != UNKNOWN
        in_position = raw_position = False
        if self.hold_driver is not None:
            in_position = self.hold_driver.update(t, values, gate_open, frame.detected)
            raw_position = self.hold_driver.raw
            if self._counter is None:
                phase = "hold" if in_position else "out"

        statuses: dict[str, str] = {}
        active = moving or in_position
        for cue in self.cues:
            spec = cue.spec
            allowed = self._cue_require[spec.id].update(values) and frame.detected and gate_open
            allowed = allowed and (spec.views is None or view in spec.views)
            self._cue_allowed[spec.id].append(allowed)
            if cue.per_rep:
                statuses[spec.id] = cue.live_status(values, allowed and phase == PEAK)
                continue
            in_phase = (
                spec.phase == "any"
                or (spec.phase == "hold" and raw_position)
                or (spec.phase == "peak" and phase == PEAK)
                or (spec.phase == "rest" and phase == REST and not moving)
                or (spec.phase == "active" and active)
            )
            statuses[spec.id] = cue.update(t, values[spec.metric], allowed and in_phase)

        self._record(frame, side, view, gate_open, values)
        self._judge_new_reps(t)
        return FrameState(
            t=t,
            detected=frame.detected,
            in_posture=gate_open,
            side=side if frame.detected else None,
            phase=phase,
            reps=len(self._counter.reps) if self._counter else 0,
            per_side=self._per_side_live(),
            hold_s=self.hold_driver.seconds() if self.hold_driver else 0.0,
            hold_per_side={},
            in_position=in_position,
            progress=progress,
            metrics=values,
            cues=statuses,
            last_rep=self._last_rep,
        )

    def _record(self, frame: PoseFrame, side: str, view: str | None, gate_open: bool, values: dict[str, float]) -> None:
        self._t.append(frame.t)
        self._detected.append(frame.detected)
        self._people.append(frame.people)
        self._in_posture.append(gate_open)
        self._sides.append(side if frame.detected else None)
        self._views.append(view)
        if view:
            self._view_counts[view] += 1
        for n, v in values.items():
            self._metric_log[n].append(v)

    def _recording(self) -> Recording:
        return Recording(
            t=np.asarray(self._t, np.float64),
            views=self._views,
            metrics={n: np.asarray(v, np.float64) for n, v in self._metric_log.items()},
            cue_allowed={c: np.asarray(v, bool) for c, v in self._cue_allowed.items()},
            sides=np.asarray([s or "" for s in self._sides]) if self.spec.counts_sides else None,
        )

    def _judge_new_reps(self, t: float) -> None:
        counter = self._counter
        if counter is None or len(counter.reps) + len(counter.partials) == self._counted:
            return
        done = counter.reps + counter.partials
        self._counted = len(done)
        last = max(done, key=lambda r: r.end_s)
        rec = self._recording()
        failed = tuple(c.spec.id for c in self.cues if c.per_rep and c.judge(last, rec))
        index = len(counter.reps) if last in counter.reps else 0
        self._last_rep = RepVerdict(index, last.side, last.end_s, t, failed, partial=last.partial is not None)

    def _per_side_live(self) -> dict[str, int]:
        if self.rep_driver is None or not self.spec.counts_sides:
            return {}
        counts = Counter(r.side for r in self.rep_driver.reps)
        return {s: counts.get(s, 0) for s in SIDES}

    # -- end of session --------------------------------------------------------------------

    def result(self) -> SessionResult:
        """Close the session (idempotent) and compute the final numbers from the recorded frames."""
        if self._finished is not None:
            return self._finished
        rec = self._recording()
        t = rec.t
        end = float(t[-1] + timeline.frame_durations(t)[-1]) if t.size else 0.0
        counter = self._counter
        if counter is not None:
            counter.finish(end)
        self.gate.finish(end)

        cues: dict[str, CueResult] = {}
        verdicts: dict[int, list[str]] = {}
        all_reps = (counter.reps + counter.partials) if counter else []
        for cue in self.cues:
            if cue.per_rep:
                judged = [(rep, cue.judge(rep, rec)) for rep in all_reps]
                for rep, bad in judged:
                    if bad:
                        verdicts.setdefault(id(rep), []).append(cue.spec.id)
                cues[cue.spec.id] = cue.result(t, judged)
            else:
                cues[cue.spec.id] = cue.result(t)
        for cid, c in cues.items():
            if not c.spec.kind == "frame":
                continue
            for rep in all_reps:
                inside = (t >= rep.start_s) & (t <= rep.end_s)
                if (c.fail_mask & inside).any() and cid not in verdicts.get(id(rep), []):
                    verdicts.setdefault(id(rep), []).append(cid)

        hold_s = good_s = None
        hold_per_side = None
        in_position = None
        if self.hold_driver is not None:
            self.hold_driver.finish(end)
            in_position = self.hold_driver.timer.mask(t)
            hold_s = timeline.seconds(in_position, t)
            form_fail = np.zeros(t.size, bool)
            for c in cues.values():
                if c.spec.kind == "frame" and c.spec.severity != "info" and c.spec.phase in ("hold", "active", "any"):
                    form_fail |= c.fail_mask
            good = timeline.trim_run_starts(in_position & ~form_fail, t, self.spec.hold.settle_s)
            good_s = timeline.seconds(good, t)
            if self.spec.hold.per_side:
                side_arr = np.asarray([s or "" for s in self._sides])
                hold_per_side = {
                    s: (timeline.seconds(in_position & (side_arr == s), t), timeline.seconds(good & (side_arr == s), t))
                    for s in SIDES
                }

        def stats(rep: Rep) -> RepStats:
            return self._rep_stats(rep, rec, tuple(verdicts.get(id(rep), [])))

        detected = np.asarray(self._detected, bool)
        people = np.asarray(self._people, np.int16)
        in_posture = self.gate.mask(t)
        self._finished = SessionResult(
            spec=self.spec,
            t=t,
            detected=detected,
            people=people,
            in_posture=in_posture,
            sides=list(self._sides),
            reps=[stats(r) for r in counter.reps] if counter else [],
            partial_reps=[stats(r) for r in counter.partials] if counter else [],
            rejected_reps=self.rep_driver.counter.rejected if self.rep_driver else 0,
            hold_s=hold_s,
            good_form_s=good_s,
            hold_per_side=hold_per_side,
            in_position=in_position,
            cues=cues,
            metrics=rec.metrics,
            views=self._view_counts,
            rest_level=self.rep_driver.rest_level.level if self.rep_driver and self.rep_driver.rest_level else None,
        )
        self._finished.warnings = self._warnings(self._finished)
        return self._finished

    def _rep_stats(self, rep: Rep, rec: Recording, failed: tuple[str, ...]) -> RepStats:
        rom = None
        metric = self.spec.reps.metric if self.spec.reps else self.spec.sequence.metric
        if metric is not None:
            inside = (rec.t >= rep.start_s) & (rec.t <= rep.end_s)
            values = rec.metrics[metric][inside]
            values = values[np.isfinite(values)]
            rom = float(values.max() - values.min()) if values.size else None
        return RepStats(
            rep=rep,
            duration_s=rep.end_s - rep.start_s,
            out_s=rep.peak_from_s - rep.start_s,
            at_peak_s=rep.peak_to_s - rep.peak_from_s,
            back_s=rep.end_s - rep.peak_to_s,
            range_of_motion=rom,
            failed_cues=failed,
        )

    def _warnings(self, result: SessionResult) -> list[str]:
        out = []
        crowded = int((result.people > 1).sum())
        if crowded:
            out.append(f"several people seen in {crowded} frames; analysed the most prominent one")
        if result.frames_with_pose and not result.posture_found:
            posture = _posture(self.spec)
            out.append(f"no {posture.name.replace('_', '-')} position ({posture.title}) found: is this {self.spec.name}?")
        if self._view_counts:
            view, n = self._view_counts.most_common(1)[0]
            if view not in self.spec.views:
                out.append(
                    f"camera view looks like {view!r} ({100 * n / max(1, result.frames_with_pose):.0f}% of frames); "
                    f"{self.spec.name} is best filmed from: {', '.join(self.spec.views)}"
                )
            for cue in self.spec.cues:
                if cue.views and view not in cue.views:
                    out.append(f"cue {cue.id!r} cannot be judged reliably from a {view} view (needs: {', '.join(cue.views)})")
        return out
