"""Signal conditioning: the One Euro filter and a two-threshold (Schmitt) trigger.

Both have ``update()`` called once per frame, with NaN for frames where the value is not
known, and both tolerate gaps: a gap longer than ``reset_after_s`` forgets the past.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


class OneEuroFilter:
    """Speed-adaptive low-pass filter (Casiez, Roussel & Vogel, CHI 2012).

    Slow movement is smoothed hard (cut-off ``min_cutoff`` Hz) to kill landmark jitter;
    fast movement raises the cut-off by ``beta`` × speed so reps are not delayed.
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0, d_cutoff: float = 1.0, reset_after_s: float = 1.0):
        if not (min_cutoff > 0 and d_cutoff > 0 and math.isfinite(min_cutoff) and math.isfinite(d_cutoff)):
            raise ValueError(f"cut-off frequencies must be finite and > 0 Hz, got {min_cutoff}, {d_cutoff}")
        if not (beta >= 0 and math.isfinite(beta)):
            raise ValueError(f"beta must be >= 0, got {beta}")
        self.min_cutoff = min_cutoff
        self.beta = beta
        self.d_cutoff = d_cutoff
        self.reset_after_s = reset_after_s
        self._x: float | None = None
        self._dx = 0.0
        self._t: float | None = None

    @staticmethod
    def _alpha(cutoff: float, dt: float) -> float:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    def update(self, t: float, x: float) -> float:
        """Feed the sample ``x`` taken at ``t`` seconds; returns the filtered value (NaN stays NaN)."""
        if not math.isfinite(x):
            return math.nan
        if self._t is None or self._x is None or t - self._t > self.reset_after_s or t <= self._t:
            self._x, self._dx, self._t = x, 0.0, t
            return x
        dt = t - self._t
        dx = (x - self._x) / dt
        a_d = self._alpha(self.d_cutoff, dt)
        self._dx = a_d * dx + (1 - a_d) * self._dx
        cutoff = self.min_cutoff + self.beta * abs(self._dx)
        a = self._alpha(cutoff, dt)
        self._x = a * x + (1 - a) * self._x
        self._t = t
        return self._x


@dataclass
class Hysteresis:
    """Boolean state that turns on past ``on`` and off only past ``off`` (two thresholds).

    With ``on > off`` it is "value is high"; with ``on < off`` it is "value is low". The
    gap between the thresholds is what stops jitter near one threshold from flickering.
    NaN leaves the state unchanged.
    """

    on: float
    off: float
    state: bool = False

    def __post_init__(self) -> None:
        if self.on == self.off:
            raise ValueError(f"hysteresis thresholds must differ, both are {self.on}")

    @property
    def rising(self) -> bool:
        return self.on > self.off

    def update(self, x: float) -> bool:
        if math.isfinite(x):
            if self.rising:
                if not self.state and x >= self.on:
                    self.state = True
                elif self.state and x <= self.off:
                    self.state = False
            else:
                if not self.state and x <= self.on:
                    self.state = True
                elif self.state and x >= self.off:
                    self.state = False
        return self.state
