"""Test doubles for the live tests: a clock you move by hand and a voice that only keeps time."""

from __future__ import annotations


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
