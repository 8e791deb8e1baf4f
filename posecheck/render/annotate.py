"""Drawing, kept apart from counting: skeleton coloured by cue status, and a HUD.

``Annotator.draw(image, pose, state)`` returns a new BGR image; it reads the analysis
state and never changes it. Used for annotated videos and the live window alike.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from posecheck.core.metrics import CompiledMetric
from posecheck.core.session import FrameState
from posecheck.render.messages import cue_messages
from posecheck.pose.landmarks import JOINT_INDEX, SKELETON_EDGES, PoseFrame
from posecheck.specs.schema import ExerciseSpec

# BGR
OK = (80, 200, 80)
FAIL = (60, 60, 235)
IDLE = (200, 200, 200)
DIM = (120, 120, 120)
PANEL = (30, 30, 30)
TEXT = (245, 245, 245)

_EDGES = [(JOINT_INDEX[a], JOINT_INDEX[b]) for a, b in SKELETON_EDGES]
class Annotator:
    """Draw one spec's view of a frame: which joints each cue watches, and how it is going."""

    def __init__(self, spec: ExerciseSpec, min_visibility: float | None = None):
        self.spec = spec
        self.min_visibility = spec.min_visibility if min_visibility is None else min_visibility
        self._cue_metrics = {
            c.id: CompiledMetric.compile(c.metric, spec.metrics[c.metric]) for c in spec.cues if hasattr(c, "metric")
        }

    def _joint_status(self, state: FrameState) -> dict[int, str]:
        """Per landmark: "fail" beats "ok" beats "idle", over the cues that watch it."""
        rank = {"idle": 0, "ok": 1, "fail": 2}
        out: dict[int, str] = {}
        side = state.side or "left"
        for cue_id, metric in self._cue_metrics.items():
            status = state.cues.get(cue_id, "idle")
            for i in metric.joint_indices(side):
                if rank[status] > rank[out.get(i, "idle")]:
                    out[i] = status
        return out

    def draw(self, image: np.ndarray, pose: PoseFrame, state: FrameState, mirror: bool = False) -> np.ndarray:
        """Skeleton and HUD on a copy of ``image``; ``mirror`` flips the picture but not the text."""
        out = image.copy()
        scale = max(1.0, min(out.shape[0], out.shape[1]) / 480)
        if pose.detected:
            self._skeleton(out, pose, state, scale)
        if mirror:
            out = np.ascontiguousarray(out[:, ::-1])
        self._hud(out, state, scale)
        return out

    def _skeleton(self, out: np.ndarray, pose: PoseFrame, state: FrameState, scale: float) -> None:
        status = self._joint_status(state)
        colour = {"fail": FAIL, "ok": OK, "idle": IDLE}
        xy = pose.image_xy
        seen = pose.visibility >= self.min_visibility
        thick = max(1, int(round(2 * scale)))
        for a, b in _EDGES:
            if not (seen[a] and seen[b]):
                continue
            sa, sb = status.get(a), status.get(b)
            c = FAIL if "fail" in (sa, sb) else OK if sa == "ok" and sb == "ok" else IDLE
            cv2.line(out, _pt(xy[a]), _pt(xy[b]), c, thick + (1 if c != IDLE else 0), cv2.LINE_AA)
        for i in range(len(xy)):
            if i <= 10 and i != 0:
                continue  # face points clutter the view; the nose marks the head
            c = colour[status[i]] if i in status else (IDLE if seen[i] else DIM)
            cv2.circle(out, _pt(xy[i]), int(round(3 * scale)), c, -1, cv2.LINE_AA)

    def _hud(self, out: np.ndarray, state: FrameState, scale: float) -> None:
        font = cv2.FONT_HERSHEY_SIMPLEX
        fs = 0.55 * scale
        th = max(1, int(round(scale)))
        lines = [self.spec.title]
        if self.spec.mode in ("reps", "sequence"):
            count = f"{'Reps' if self.spec.mode == 'reps' else 'Cycles'}: {state.reps}"
            if state.per_side:
                count += "  (" + " ".join(f"{k[0].upper()}:{v}" for k, v in state.per_side.items()) + ")"
            lines.append(count)
        if self.spec.hold is not None and (self.spec.mode == "hold" or state.hold_s > 0):
            lines.append(f"Hold: {state.hold_s:5.1f} s" + ("" if state.in_position else "  (paused)"))
        phase = state.phase if state.in_posture else "not in position" if state.detected else "no person"
        lines.append(f"Phase: {phase}")
        line_h = int(24 * scale)
        width = int(270 * scale)
        cv2.rectangle(out, (0, 0), (width, line_h * len(lines) + int(10 * scale)), PANEL, -1)
        for k, text in enumerate(lines):
            cv2.putText(out, text, (int(8 * scale), line_h * (k + 1)), font, fs, TEXT, th, cv2.LINE_AA)
        if self.spec.mode == "reps" and math.isfinite(state.progress):
            x0, y0 = width + int(6 * scale), int(6 * scale)
            h = line_h * len(lines)
            cv2.rectangle(out, (x0, y0), (x0 + int(12 * scale), y0 + h), DIM, 1)
            fill = int(h * state.progress)
            cv2.rectangle(out, (x0, y0 + h - fill), (x0 + int(12 * scale), y0 + h), OK, -1)
        messages = cue_messages(self.spec, state)
        if messages:
            msg_h = int(28 * scale)
            top = out.shape[0] - msg_h * len(messages) - int(6 * scale)
            cv2.rectangle(out, (0, top), (out.shape[1], out.shape[0]), PANEL, -1)
            for k, msg in enumerate(messages):
                cv2.putText(out, _fit(msg, out.shape[1], fs, th), (int(8 * scale), top + msg_h * (k + 1) - int(8 * scale)),
                            font, fs, FAIL, th, cv2.LINE_AA)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return (int(round(float(p[0]))), int(round(float(p[1]))))


def _fit(text: str, width: int, fs: float, th: int) -> str:
    """Shorten a message with an ellipsis so it fits the frame width."""
    if cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, fs, th)[0][0] <= width - 16:
        return text
    while len(text) > 8 and cv2.getTextSize(text + "...", cv2.FONT_HERSHEY_SIMPLEX, fs, th)[0][0] > width - 16:
        text = text[:-1]
    return text.rstrip() + "..."
