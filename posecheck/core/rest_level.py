"""The resting value of a rep metric, learned from the person in front of the camera.

Through the pose model, "standing upright" or "lying relaxed" is not one number: the trunk
of a person standing still reads anywhere from 6 deg back to 14 deg forward, depending on
the person, the camera and the model's depth. A rep rule with ``rest_level = "learned"``
measures its ``rest`` and ``peak`` from this level instead of from zero.

The level is the median of the first ``learn_s`` of values (the person settles into the
start position before the first rep), then the median of the last ``window_s`` of values
the rep driver marks as resting: at rest between reps and within the rest threshold of the
level on either side, so it follows a person who drifts or shifts their stance but not one
who leans into another exercise (a squat's forward lean is "at rest" for a lean back).
Until it is learned the level is NaN, and no rep is counted.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from posecheck.core.timeline import FrameClock


class RestLevel:
    """``update(t, value, resting)`` on every frame with a finite value; ``level`` is NaN until learned."""

    def __init__(self, learn_s: float = 1.0, window_s: float = 3.0):
        if not (learn_s > 0 and window_s > 0):
            raise ValueError(f"learn_s and window_s must be > 0, got {learn_s}, {window_s}")
        self.learn_s = learn_s
        self.window_s = window_s
        self.level = math.nan
        self._learning: list[float] = []
        self._learn_from = math.nan
        self._resting: deque[tuple[float, float]] = deque()
        self._clock = FrameClock()

    @property
    def learned(self) -> bool:
        return math.isfinite(self.level)

    def update(self, t: float, value: float, resting: bool) -> float:
        """Feed one frame's value; ``resting`` says the rep counter is at rest on it. Returns the level."""
        if not math.isfinite(value):
            return self.level
        self._clock.tick(t)
        if not self.learned:
            if math.isnan(self._learn_from):
                self._learn_from = t
            self._learning.append(value)
            if self._clock.lasted(self._learn_from, t, self.learn_s):
                self.level = float(np.median(self._learning))
                self._learning.clear()
            return self.level
        if resting:
            self._resting.append((t, value))
            while self._resting and t - self._resting[0][0] > self.window_s:
                self._resting.popleft()
            self.level = float(np.median([v for _, v in self._resting]))
        return self.level
