"""Conditions on metrics, each a two-threshold trigger, combined with AND.

Used by posture gates, hold rules, rep preconditions, sequence states and cue
preconditions alike, so "in position" means the same everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from posecheck.core.filters import Hysteresis
from posecheck.specs.schema import Condition


class ConditionSet:
    """All conditions true at once; ``update()`` on every frame (NaN leaves a condition as it was)."""

    def __init__(self, conditions: Sequence[Condition]):
        self.conditions = list(conditions)
        self._triggers = [Hysteresis(on=c.enter, off=c.exit) for c in self.conditions]
        self.state = not self.conditions

    def __bool__(self) -> bool:
        return bool(self.conditions)

    def update(self, values: Mapping[str, float]) -> bool:
        states = [h.update(values[c.metric]) for c, h in zip(self.conditions, self._triggers, strict=True)]
        self.state = all(states)
        return self.state

    def progress(self, values: Mapping[str, float]) -> float:
        """How far the first condition's metric is toward its ``enter`` threshold (1 = there), for side choice."""
        if not self.conditions:
            return math.nan
        c = self.conditions[0]
        v = values[c.metric]
        if not math.isfinite(v):
            return math.nan
        return (v - c.exit) / (c.enter - c.exit)
