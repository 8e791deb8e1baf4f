"""Which exercise is the person doing, and when? Recognition from the specs themselves.

Every candidate spec runs its own :class:`ExerciseSession` over the same frames; nothing
here knows an exercise by name. A spec is *active* on a frame when its posture gate is
open and its driver is at work there: the frame lies inside one of its reps or cycles, or
in its held position. Activity is averaged over a sliding window; each frame goes to the
spec with the most activity (specs whose drivers are stricter win ties by accounting for
how rarely they fire on their own), runs shorter than ``min_segment_s`` are merged into
their neighbours, and each resulting segment is scored again by its spec alone.

The result is a list of :class:`Segment` s with times, the exercise, a confidence (how
much more active the winner was than the runner-up) and the segment's report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posecheck.core import timeline
from posecheck.core.session import ExerciseSession, FrameState, SessionResult
from posecheck.pose.landmarks import PoseFrame
from posecheck.specs.schema import ExerciseSpec

#: Seconds of activity averaged for each frame's decision.
WINDOW_S = 4.0
#: A frame needs at least this much windowed activity to belong to any exercise: low enough
#: that an exercise done with a fault on every rep (activity :data:`FAULTY`) is still found.
MIN_ACTIVITY = 0.1
#: Shorter runs of one label are merged into the neighbouring segment.
MIN_SEGMENT_S = 4.0
#: Activity of a frame the spec counts but whose form its own cues reject.
FAULTY = 0.25
#: Activity inside a partial rep: a movement the spec's driver began but never completed is
#: weak evidence (a deep squat's long bottom hold read as one slow seated good morning).
PARTIAL = 0.25
#: Weight of each condition a spec demands (see :func:`specificity`): breaks ties, no more.
SPECIFICITY_WEIGHT = 0.03


@dataclass(frozen=True)
class Segment:
    """One stretch of the video recognised as one exercise (``exercise`` None: nothing recognised)."""

    start_s: float
    end_s: float
    exercise: str | None
    confidence: float
    result: SessionResult | None = None


def activity(result: SessionResult) -> np.ndarray:
    """Per frame, how well the spec explains it: 1 inside one of its reps or cycles done with
    good form, or in its held position with good form; :data:`FAULTY` where its own cues say
    the form is off (a squat watched as a hip hinge fails "knees soft" on every rep);
    :data:`PARTIAL` inside a rep it began but never completed; 0 where its driver is idle or
    its posture is not there."""
    t = result.t
    active = np.zeros(t.size, float)
    for rep, weight in [(r, 1.0) for r in result.reps] + [(r, PARTIAL) for r in result.partial_reps]:
        inside = (t >= rep.start_s) & (t <= rep.end_s)
        active[inside] = np.maximum(active[inside], min(FAULTY, weight) if rep.failed_cues else weight)
    if result.in_position is not None:
        faulty = np.zeros(t.size, bool)
        for cue in result.cues.values():
            if cue.spec.kind == "frame" and cue.spec.severity != "info":
                faulty |= cue.fail_mask
        active[result.in_position] = np.maximum(active[result.in_position], np.where(faulty, FAULTY, 1.0)[result.in_position])
    return active * result.in_posture


def _window_mean(x: np.ndarray, t: np.ndarray, window_s: float) -> np.ndarray:
    """Mean of ``x`` over ``t ± window_s / 2`` (cumulative sums: linear time)."""
    if x.size == 0:
        return x
    c = np.concatenate(([0.0], np.cumsum(x)))
    lo = np.searchsorted(t, t - window_s / 2, side="left")
    hi = np.searchsorted(t, t + window_s / 2, side="right")
    return (c[hi] - c[lo]) / np.maximum(hi - lo, 1)


def _sharpen(labels: list[int], raw: list[np.ndarray], t: np.ndarray, window_s: float) -> list[int]:
    """Move each boundary between two exercises to the middle of the gap between the last
    frame the first one was at work and the first frame the second one was: the sliding
    window finds the segments, the raw activity says where they end."""
    labels = list(labels)
    for i in range(1, len(labels)):
        a, b = labels[i - 1], labels[i]
        if a == b or a < 0 or b < 0:
            continue
        lo = int(np.searchsorted(t, t[i] - window_s))
        hi = int(np.searchsorted(t, t[i] + window_s))
        last_a = [k for k in range(lo, hi) if raw[a][k] > 0]
        first_b = [k for k in range(lo, hi) if raw[b][k] > 0]
        if not last_a or not first_b:
            continue
        end_a = max(k for k in last_a if k < (min(first_b) if min(first_b) > min(last_a) else hi))
        start_b = min(k for k in first_b if k > end_a) if any(k > end_a for k in first_b) else None
        if start_b is None:
            continue
        middle = (end_a + start_b + 1) // 2
        for k in range(lo, hi):
            if labels[k] in (a, b):
                labels[k] = a if k < middle else b
    return labels


def _merge_short(labels: list[int], t: np.ndarray, min_s: float) -> list[int]:
    """Give runs shorter than ``min_s`` the label of the longer neighbour (repeat until stable)."""
    labels = list(labels)
    for _ in range(20):
        runs = []
        start = 0
        for i in range(1, len(labels) + 1):
            if i == len(labels) or labels[i] != labels[start]:
                runs.append((start, i))
                start = i
        short = [(a, b) for a, b in runs if t[b - 1] - t[a] < min_s]
        if not short or len(runs) == 1:
            return labels
        a, b = min(short, key=lambda r: t[r[1] - 1] - t[r[0]])
        k = runs.index((a, b))
        left = runs[k - 1] if k > 0 else None
        right = runs[k + 1] if k + 1 < len(runs) else None
        if labels[a] < 0 and left is not None and right is not None:
            # an idle gap between two exercises (getting from one to the next): split it
            middle = (a + b) // 2
            labels[a:middle] = [labels[left[0]]] * (middle - a)
            labels[middle:b] = [labels[right[0]]] * (b - middle)
            continue

        def length(r):
            return -1.0 if r is None else t[r[1] - 1] - t[r[0]]

        pick = left if length(left) >= length(right) else right
        labels[a:b] = [labels[pick[0]]] * (b - a)
    return labels


class Recogniser:
    """Every candidate spec's session fed the same frames; ``update()`` on every frame.

    ``leading`` is a causal guess for live views (the spec whose session has been busiest
    over the last seconds); :meth:`segments` gives the final, non-causal answer.
    """

    def __init__(self, specs: Sequence[ExerciseSpec], window_s: float = WINDOW_S, min_segment_s: float = MIN_SEGMENT_S):
        if not specs:
            raise ValueError("recognition needs at least one exercise spec")
        self.specs = list(specs)
        self.sessions = [ExerciseSession(spec) for spec in self.specs]
        self.window_s = window_s
        self.min_segment_s = min_segment_s
        self.frames: list[PoseFrame] = []
        self._busy = np.zeros(len(self.specs))
        self._last_t = math.nan
        self.leading = 0

    def update(self, frame: PoseFrame) -> FrameState:
        """Feed one frame to every session; returns the leading spec's live state."""
        self.frames.append(frame)
        dt = frame.t - self._last_t if math.isfinite(self._last_t) else 0.0
        self._last_t = frame.t
        keep = math.exp(-dt / self.window_s) if dt > 0 else 1.0
        states = [session.update(frame) for session in self.sessions]
        busy = np.array([_busy(state) for state in states], float)
        self._busy = keep * self._busy + (1 - keep) * busy
        self.leading = int(np.argmax(self._busy)) if self._busy.max() > 0 else self.leading
        return states[self.leading]

    def segments(self) -> list[Segment]:
        """Split the frames into segments, each the exercise most at work there."""
        if not self.frames:
            return []
        frames = self.frames
        t = np.asarray([f.t for f in frames], np.float64)
        results = [session.result() for session in self.sessions]
        weights = np.array([specificity(spec) for spec in self.specs])
        raw = [activity(r) for r in results]
        acts = np.stack([_window_mean(a, t, self.window_s) for a in raw]) * weights[:, None]
        best = np.argmax(acts, axis=0)
        top = acts[best, np.arange(t.size)]
        labels = [int(b) if top[i] >= MIN_ACTIVITY else -1 for i, b in enumerate(best)]
        labels = _merge_short(labels, t, self.min_segment_s)
        labels = _sharpen(labels, raw, t, self.window_s)

        segments = []
        dur = timeline.frame_durations(t)
        start = 0
        for i in range(1, len(labels) + 1):
            if i < len(labels) and labels[i] == labels[start]:
                continue
            label, a, b = labels[start], start, i
            start = i
            end_s = float(t[b - 1] + dur[b - 1])
            if label < 0:
                segments.append(Segment(float(t[a]), end_s, None, 0.0))
                continue
            part = acts[:, a:b]
            win = part[label].mean()
            others = np.delete(part, label, axis=0)
            second = others.mean(axis=1).max() if others.size else 0.0
            confidence = 0.0 if win <= 0 else float(max(0.0, min(1.0, (win - second) / win)))
            # The segment is re-scored with a margin, so a rep that straddles its edge is whole.
            lo = int(np.searchsorted(t, t[a] - self.window_s / 2))
            hi = int(np.searchsorted(t, end_s + self.window_s / 2))
            session = ExerciseSession(self.specs[label])
            for frame in frames[lo:hi]:
                session.update(frame)
            segments.append(Segment(float(t[a]), end_s, self.specs[label].name, round(confidence, 3), session.result()))
        return segments


def specificity(spec: ExerciseSpec) -> float:
    """A small weight for how much a spec demands before it counts anything: among specs
    equally at work on the same frames, the one with more conditions met is the better
    explanation (a forearm plank, with its elbow, knee and trunk conditions, over a back
    extension that only asks for the chest off the floor)."""
    conditions = len(getattr(spec.posture, "require", ()))
    if spec.reps is not None:
        conditions += 1 + len(spec.reps.require)
    if spec.hold is not None:
        conditions += len(spec.hold.require)
    if spec.sequence is not None:
        conditions += sum(len(state.require) for state in spec.sequence.states)
    return 1.0 + SPECIFICITY_WEIGHT * conditions


def _busy(state: FrameState) -> float:
    """1 when a session's driver is at work on this frame (in a rep, a cycle or the held position)."""
    if not state.in_posture:
        return 0.0
    return 1.0 if state.in_position or state.phase not in ("unknown", "rest", "out") else 0.0


def recognise(
    frames: Sequence[PoseFrame],
    specs: Sequence[ExerciseSpec],
    window_s: float = WINDOW_S,
    min_segment_s: float = MIN_SEGMENT_S,
) -> list[Segment]:
    """Split ``frames`` into segments, each the exercise of ``specs`` most at work there."""
    if not frames or not specs:
        return []
    recogniser = Recogniser(specs, window_s, min_segment_s)
    for frame in frames:
        recogniser.update(frame)
    return recogniser.segments()


def dominant(segments: Sequence[Segment]) -> Segment | None:
    """The recognised segment covering the most time (None when nothing was recognised)."""
    known = [s for s in segments if s.exercise is not None]
    return max(known, key=lambda s: s.end_s - s.start_s) if known else None

