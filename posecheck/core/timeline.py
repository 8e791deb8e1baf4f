"""Run-length tools on per-frame boolean masks, used to turn frame flags into time spans.

The live path decides frame by frame; the final report is computed once more from the
whole timeline with the same rules (drop runs shorter than a minimum, bridge gaps
shorter than a grace period), which gives exact, deterministic windows. Both measure time
the same way: each frame stands for its interval (:class:`FrameClock` on the live side).
"""

from __future__ import annotations

import math

import numpy as np


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Half-open index ranges ``[i0, i1)`` where ``mask`` is true."""
    m = np.asarray(mask, bool).astype(np.int8)
    if m.size == 0:
        return []
    edges = np.diff(np.concatenate(([0], m, [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def frame_durations(t: np.ndarray) -> np.ndarray:
    """Seconds each frame stands for: the gap to the next frame (the last repeats the median)."""
    t = np.asarray(t, np.float64)
    if t.size == 0:
        return t
    if t.size == 1:
        return np.array([0.0])
    dt = np.diff(t)
    return np.append(dt, np.median(dt))


#: A frame stands for at most this long in a causal decision (after a gap in detection, no more).
MAX_FRAME_S = 0.1
#: Frame times are sums of floats: 1.2 - 0.4 is 0.7999999999999999, which is 0.8 s.
TIME_EPS = 1e-6


class FrameClock:
    """How long a state has lasted, decided frame by frame with the rule of :func:`clean_mask`:
    each frame stands for the interval since the one before it (at most :data:`MAX_FRAME_S`),
    so ``n`` frames in a state have lasted ``n`` intervals, at 12 fps as at 60. A 0.2 s pause
    is 3 frames at 15 fps; counting from the first frame to the last would make it 0.13 s."""

    def __init__(self) -> None:
        self.frame_s = 0.0
        self._last = math.nan

    def tick(self, t: float) -> None:
        """Call once per frame that takes part in the decision."""
        self.frame_s = min(t - self._last, MAX_FRAME_S) if math.isfinite(self._last) else 0.0
        self._last = t

    def lasted(self, since: float, t: float, at_least_s: float) -> bool:
        """A state entered on the frame at ``since`` has lasted ``at_least_s`` by the frame at ``t``."""
        return t - since + self.frame_s >= at_least_s - TIME_EPS


def clean_mask(mask: np.ndarray, t: np.ndarray, min_on_s: float = 0.0, max_gap_s: float = 0.0) -> np.ndarray:
    """Bridge false gaps shorter than ``max_gap_s``, then drop true runs shorter than ``min_on_s``.

    Durations are measured in time (``t`` in seconds), so the rules mean the same at 12 and
    60 frames per second.
    """
    mask = np.asarray(mask, bool).copy()
    t = np.asarray(t, np.float64)
    dur = frame_durations(t)
    if max_gap_s > 0:
        on = runs(mask)
        for (_, a1), (b0, _) in zip(on, on[1:], strict=False):
            if t[b0] - (t[a1 - 1] + dur[a1 - 1]) < max_gap_s:
                mask[a1:b0] = True
    if min_on_s > 0:
        for i0, i1 in runs(mask):
            if t[i1 - 1] + dur[i1 - 1] - t[i0] < min_on_s:
                mask[i0:i1] = False
    return mask


def trim_run_starts(mask: np.ndarray, t: np.ndarray, settle_s: float) -> np.ndarray:
    """Clear the first ``settle_s`` seconds of every true run (time spent settling in)."""
    mask = np.asarray(mask, bool).copy()
    t = np.asarray(t, np.float64)
    if settle_s > 0:
        for i0, i1 in runs(mask):
            mask[i0:i1] &= t[i0:i1] >= t[i0] + settle_s
    return mask


def windows_s(mask: np.ndarray, t: np.ndarray) -> list[tuple[float, float]]:
    """``[(from_s, to_s), ...]`` spans of a mask; a span ends where its last frame ends."""
    dur = frame_durations(t)
    return [(float(t[i0]), float(t[i1 - 1] + dur[i1 - 1])) for i0, i1 in runs(mask)]


def seconds(mask: np.ndarray, t: np.ndarray) -> float:
    """Total time covered by the true frames of a mask."""
    return float(frame_durations(t)[np.asarray(mask, bool)].sum())
