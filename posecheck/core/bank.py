"""The metric bank: a spec's metrics, evaluated and smoothed every frame for the working side."""

from __future__ import annotations

from collections.abc import Mapping

from posecheck.core.filters import OneEuroFilter
from posecheck.core.metrics import SIDES, CompiledMetric
from posecheck.pose.landmarks import PoseFrame
from posecheck.specs.schema import MetricSpec


class MetricBank:
    """Named metrics with one One Euro filter per metric and side.

    Side-dependent metrics keep one filter per side, so a side switch never blends the left
    knee's history into the right knee's; the others need just one.
    """

    def __init__(self, metrics: Mapping[str, MetricSpec], smoothing_hz: float, reset_after_s: float, min_visibility: float):
        self.metrics = {name: CompiledMetric.compile(name, m) for name, m in metrics.items()}
        self._min_visibility = {
            name: m.min_visibility if m.min_visibility is not None else min_visibility for name, m in metrics.items()
        }
        self._filters = {
            (name, side): OneEuroFilter(min_cutoff=m.smoothing_hz or smoothing_hz, beta=0.0, reset_after_s=reset_after_s)
            for name, m in metrics.items()
            for side in (SIDES if self.metrics[name].uses_side() else (None,))
        }

    def value(self, name: str, frame: PoseFrame, side: str) -> float:
        """One metric on ``frame`` for ``side``, smoothed (NaN when not measurable)."""
        metric = self.metrics[name]
        raw = metric.evaluate(frame, side, self._min_visibility[name])
        return self._filters[(name, side if metric.uses_side() else None)].update(frame.t, raw)

    def values(self, frame: PoseFrame, side: str, known: Mapping[str, float] | None = None) -> dict[str, float]:
        """Every metric for ``side``; ``known`` values (already computed this frame) are reused."""
        known = known or {}
        return {n: known[n] if n in known else self.value(n, frame, side) for n in self.metrics}

    def side_joints(self) -> dict[str, list[int]]:
        """Landmark indices the side-dependent metrics use, per side (for visibility-based side choice)."""
        sided = [m for m in self.metrics.values() if m.uses_side()]
        return {s: sorted({i for m in sided for i in m.joint_indices(s)}) for s in SIDES}
