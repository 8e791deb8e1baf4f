"""Drawing, kept apart from counting: skeleton coloured by cue status, and the HUD.

``Annotator.draw(image, pose, state)`` returns a new BGR image; it reads the analysis
state and never changes it. Used for annotated videos and the live window alike. The HUD
(count or hold timer, progress, form messages, set-up help) is :mod:`posecheck.render.hud`.

Joints watched by a failing cue are drawn in the fault colour *and* with a ring around
them, so a fault shows without telling colours apart. With ``mirror`` the picture and the
skeleton flip together; the HUD is drawn afterwards, so its words read normally, and side
names stay the person's own (the analysis always runs on the unflipped frame).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from posecheck.core.metrics import CompiledMetric
from posecheck.core.session import FrameState
from posecheck.pose.landmarks import JOINT_INDEX, SKELETON_EDGES, PoseFrame
from posecheck.render.hud import FAULT, GOOD, CueFeed, Hud, HudContent, HudInfo, hud_content
from posecheck.specs.schema import ExerciseSpec

# BGR; the fault and good colours are the HUD's (Okabe–Ito vermillion and bluish green)
OK = GOOD
FAIL = FAULT
IDLE = (200, 200, 200)
DIM = (120, 120, 120)

_EDGES = [(JOINT_INDEX[a], JOINT_INDEX[b]) for a, b in SKELETON_EDGES]


class Annotator:
    """Draw one spec's view of a frame: which joints each cue watches, and how it is going."""

    def __init__(self, spec: ExerciseSpec, min_visibility: float | None = None):
        self.spec = spec
        self.min_visibility = spec.min_visibility if min_visibility is None else min_visibility
        self._cue_metrics = {
            c.id: CompiledMetric.compile(c.metric, spec.metrics[c.metric]) for c in spec.cues if hasattr(c, "metric")
        }
        self.feed = CueFeed(spec)
        self.hud = Hud()

    def _joint_status(self, state: FrameState | None) -> dict[int, str]:
        """Per landmark: "fail" beats "ok" beats "idle", over the cues that watch it."""
        rank = {"idle": 0, "ok": 1, "fail": 2}
        out: dict[int, str] = {}
        if state is None:
            return out
        side = state.side or "left"
        for cue_id, metric in self._cue_metrics.items():
            status = state.cues.get(cue_id, "idle")
            for i in metric.joint_indices(side):
                if rank[status] > rank[out.get(i, "idle")]:
                    out[i] = status
        return out

    def draw(
        self,
        image: np.ndarray,
        pose: PoseFrame,
        state: FrameState,
        mirror: bool = False,
        info: HudInfo | None = None,
        faults: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Skeleton and HUD on a copy of ``image``; ``mirror`` flips the picture but not the text.

        ``faults``: the form messages to show; by default this annotator's own
        :class:`~posecheck.render.hud.CueFeed` works them out (frames must then come in order).
        ``info``: what the caller adds (set-up status, set number, key hint).
        """
        if faults is None:
            faults = self.feed.update(state)
        return self.draw_content(image, pose, hud_content(self.spec, state, faults, info), state, mirror)

    def draw_content(
        self, image: np.ndarray, pose: PoseFrame, content: HudContent, state: FrameState | None = None,
        mirror: bool = False,
    ) -> np.ndarray:
        """Skeleton (coloured by ``state``'s cues; plain without a state) and a ready-made HUD
        on a copy of ``image``: for views that are not one exercise's state, like a rest."""
        out = image.copy()
        scale = max(1.0, min(out.shape[0], out.shape[1]) / 480)
        if pose.detected:
            self._skeleton(out, pose, state, scale)
        if mirror:
            out = np.ascontiguousarray(out[:, ::-1])
        self.hud.draw(out, content)
        return out

    def _skeleton(self, out: np.ndarray, pose: PoseFrame, state: FrameState | None, scale: float) -> None:
        status = self._joint_status(state)
        colour = {"fail": FAIL, "ok": OK, "idle": IDLE}
        xy = pose.image_xy
        seen = pose.visibility >= self.min_visibility
        thick = max(1, round(2 * scale))
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
            cv2.circle(out, _pt(xy[i]), round(3 * scale), c, -1, cv2.LINE_AA)
            if status.get(i) == "fail" and seen[i]:  # a ring as well as the colour
                cv2.circle(out, _pt(xy[i]), round(9 * scale), FAIL, max(2, round(2 * scale)), cv2.LINE_AA)


def _pt(p: np.ndarray) -> tuple[int, int]:
    return (round(float(p[0])), round(float(p[1])))
