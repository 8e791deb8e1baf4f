"""Test doubles for the live tests: a clock you move by hand and a voice that only keeps time."""

from __future__ import annotations

import math

from posecheck.core.session import FrameState


class FakeClock:
    def __init__(self, t: float = 0.0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, dt: float) -> float:
        self.t += dt
        return self.t


class FakeEngine:
    """Talks for ``s_per_word`` seconds a word on the fake clock; records what it said and when."""

    def __init__(self, clock: FakeClock, s_per_word: float = 0.4):
        self.clock = clock
        self.s_per_word = s_per_word
        self.said: list[tuple[float, str]] = []
        self._until = -1.0
        self.closed = False

    def start(self, text: str) -> None:
        assert not self.busy(), f"started {text!r} while still talking"
        self.said.append((self.clock(), text))
        self._until = self.clock() + self.s_per_word * len(text.split())

    def busy(self) -> bool:
        return self.clock() < self._until

    def close(self) -> None:
        self.closed = True

    @property
    def texts(self) -> list[str]:
        return [text for _, text in self.said]


def state(t: float = 0.0, **kw) -> FrameState:
    """A live state with a person in position at rest; ``kw`` overrides any field."""
    base = {
        "t": t, "detected": True, "in_posture": True, "side": "left", "phase": "rest", "reps": 0, "per_side": {},
        "hold_s": 0.0, "hold_per_side": {}, "in_position": False, "progress": math.nan, "metrics": {}, "cues": {},
        "last_rep": None,
    }
    base.update(kw)
    return FrameState(**base)
