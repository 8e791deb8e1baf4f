"""Posture gates: is the person in the position an exercise starts from?

A :class:`PostureGate` evaluates one posture (conditions on its own metrics) on every frame
and debounces it with the same :class:`~posecheck.core.timer.PositionTimer` as holds. An
exercise session counts reps, holds and cues only while its gate is open. A
:class:`PostureSurvey` runs several gates side by side and records how long each posture
was seen: it names the position a video really shows when the spec's posture is never found.
"""

from __future__ import annotations

import numpy as np

from posecheck.core.bank import MetricBank
from posecheck.core.conditions import ConditionSet
from posecheck.core.metrics import SIDES
from posecheck.core.sides import VisibleSide
from posecheck.core.timer import PositionTimer
from posecheck.pose.landmarks import PoseFrame
from posecheck.specs.schema import PostureSpec

#: Posture metrics are smoothed harder than exercise metrics: a position changes slowly.
POSTURE_SMOOTHING_HZ = 1.0


class PostureGate:
    """One posture, judged every frame; ``open`` once it has held ``min_enter_s``."""

    def __init__(self, posture: PostureSpec, min_visibility: float = 0.5, reset_after_s: float = 1.0):
        self.posture = posture
        self.bank = MetricBank(posture.metrics, POSTURE_SMOOTHING_HZ, reset_after_s, min_visibility)
        self.conditions = ConditionSet(posture.require)
        self.timer = PositionTimer(posture.min_enter_s, posture.grace_s)
        self.values: dict[str, float] = {}

    @property
    def open(self) -> bool:
        return self.timer.in_position

    def update(self, frame: PoseFrame, side: str = "left") -> bool:
        self.values = self.bank.values(frame, side)
        raw = self.conditions.update(self.values) and frame.detected
        return self.timer.update(frame.t, raw)

    def finish(self, t_end: float) -> None:
        self.timer.finish(t_end)

    def mask(self, t: np.ndarray) -> np.ndarray:
        return self.timer.mask(t)


class PostureSurvey:
    """Several postures judged side by side; ``seconds()`` says how long each one held."""

    def __init__(self, postures: list[PostureSpec], min_visibility: float = 0.5):
        self.gates = {p.name: PostureGate(p, min_visibility) for p in postures}
        joints = [g.bank.side_joints() for g in self.gates.values()]
        self.sides = VisibleSide({s: sorted({i for j in joints for i in j[s]}) for s in SIDES})
        self._t_end = 0.0

    def update(self, frame: PoseFrame) -> dict[str, bool]:
        self._t_end = frame.t
        side = self.sides.update(frame, lambda s: float("nan"))
        return {name: gate.update(frame, side) for name, gate in self.gates.items()}

    def finish(self, t_end: float | None = None) -> dict[str, float]:
        for gate in self.gates.values():
            gate.finish(self._t_end if t_end is None else t_end)
        return self.seconds()

    def seconds(self) -> dict[str, float]:
        return {name: round(gate.timer.seconds(), 2) for name, gate in self.gates.items()}
