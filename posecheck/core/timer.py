"""The one timer behind every "in position" decision: posture gates and hold rules.

It decides causally, frame by frame (what the live view shows), and keeps the intervals it
decided on, so the final report counts exactly what the live view counted.
"""

from __future__ import annotations

import math

import numpy as np

from posecheck.core.timeline import FrameClock


class PositionTimer:
    """In position once the raw signal has been true for ``min_enter_s``; brief drops are bridged.

    The position starts where the raw run started (the entry time counts). A drop longer
    than ``grace_s`` ends the position where the drop began, so time spent outside is never
    counted, even though the live total runs on during the grace period.
    """

    def __init__(self, min_enter_s: float, grace_s: float):
        if not (min_enter_s >= 0 and grace_s >= 0):
            raise ValueError(f"min_enter_s and grace_s must be >= 0, got {min_enter_s}, {grace_s}")
        self.min_enter_s = min_enter_s
        self.grace_s = grace_s
        self.in_position = False
        self.intervals: list[tuple[float, float]] = []
        self._start = math.nan
        self._pending = math.nan
        self._last_true = math.nan
        self._drop_at = math.nan
        self._t = math.nan
        self._clock = FrameClock()

    def update(self, t: float, raw: bool) -> bool:
        self._t = t
        self._clock.tick(t)
        if raw:
            self._drop_at = math.nan
            self._last_true = t
            if not self.in_position:
                if math.isnan(self._pending):
                    self._pending = t
                if self._clock.lasted(self._pending, t, self.min_enter_s):
                    self.in_position, self._start = True, self._pending
        else:
            self._pending = math.nan
            if self.in_position:
                if math.isnan(self._drop_at):
                    self._drop_at = t
                if t - self._last_true > self.grace_s:
                    self._close(self._drop_at)
        return self.in_position

    def _close(self, end: float) -> None:
        self.intervals.append((self._start, end))
        self.in_position = False
        self._drop_at = self._pending = math.nan

    def seconds(self) -> float:
        """Time in position so far (an open position counts up to the last frame)."""
        done = sum(b - a for a, b in self.intervals)
        return done + (self._t - self._start if self.in_position else 0.0)

    def finish(self, t_end: float) -> None:
        """Close an open position at ``t_end`` (or where its final drop began)."""
        if self.in_position:
            self._close(self._drop_at if math.isfinite(self._drop_at) else t_end)

    def mask(self, t: np.ndarray) -> np.ndarray:
        """Which of the frame times ``t`` fall inside a closed position interval."""
        t = np.asarray(t, np.float64)
        out = np.zeros(t.size, bool)
        for a, b in self.intervals:
            out |= (t >= a) & (t < b)
        return out
