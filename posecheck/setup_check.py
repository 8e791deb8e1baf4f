"""Camera set-up guidance before counting starts: is the whole body in the picture, lit, big enough, seen from the right side?

:class:`SetupCheck` looks at each :class:`~posecheck.pose.landmarks.PoseFrame` (pure logic
on landmarks: no cv2, no mediapipe) and answers with a :class:`SetupStatus`: whether the
set-up is confirmed, and otherwise the one thing to fix first, in words for the screen
and the voice. Problems, most basic first:

=============  =========================================================================
``no_person``  nobody detected
``too_dark``   the main joints (shoulders, hips, knees) are inside the picture but the
               model barely believes in them: too dark, or hidden by clothes or furniture
``feet_out``   no ankle seen inside the picture with its heel (missing, or at the edge;
               the toes may be cut off)
``head_out``   neither the nose nor an ear seen inside the picture
``too_far``    the person fills less than :data:`MIN_EXTENT` of the picture's width and height
``wrong_view`` the camera sees the body from a view the exercise cannot be judged from
               (the estimate of :mod:`posecheck.core.view`); the message asks for the
               exercise's preferred view
=============  =========================================================================

Timing: a problem is shown once it has lasted ``show_after_s`` (a single odd frame does
not flash a message); the set-up is confirmed once everything has been fine for
``ready_after_s`` (~1 s), and the message clears only then. After that the check keeps
watching, but a problem must last ``recheck_after_s`` before it is raised again, so a
moment of occlusion mid-exercise does not interrupt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from posecheck.core.view import ViewTracker, facing_angle_deg, view_name
from posecheck.pose.landmarks import JOINT_INDEX, PoseFrame

#: A point closer than this fraction of the width/height to the border counts as cut off.
EDGE_MARGIN = 0.02
#: Mean visibility of the main joints (best side of each pair) below this: too dark or hidden.
DARK_VISIBILITY = 0.6
#: The person's larger extent (fraction of the picture's width or height) below this: too far away.
MIN_EXTENT = 0.3

MESSAGES: dict[str, str] = {
    "no_person": "Step into the picture: the camera cannot see anyone",
    "too_dark": "More light, please: the camera can hardly make you out",
    "feet_out": "Step back: your feet are out of the picture",
    "head_out": "Step back: your head is out of the picture",
    "body_out": "Step back: your head and feet are out of the picture",
    "too_far": "Come closer: you are too small in the picture",
}

#: What to ask for when the view is wrong, by the exercise's preferred view.
VIEW_REQUESTS: dict[str, str] = {
    "side": "Turn sideways to the camera",
    "front": "Face the camera",
    "oblique": "Turn halfway toward the camera",
    "rear": "Turn your back to the camera",
}

_PAIRS = [("left_shoulder", "right_shoulder"), ("left_hip", "right_hip"), ("left_knee", "right_knee")]
_HEAD = [JOINT_INDEX[n] for n in ("nose", "left_ear", "right_ear")]
_FEET = {
    side: (JOINT_INDEX[f"{side}_ankle"], [JOINT_INDEX[f"{side}_heel"]])
    for side in ("left", "right")
}
_BODY = [JOINT_INDEX[n] for pair in _PAIRS for n in pair] + [JOINT_INDEX[n] for n in ("left_ankle", "right_ankle")]


@dataclass(frozen=True)
class SetupProblem:
    """One thing wrong with the camera set-up: a stable ``code`` and the words to say."""

    code: str
    message: str


@dataclass(frozen=True)
class SetupStatus:
    """The set-up as of one frame.

    ``ready``: confirmed (fine for ``ready_after_s``). ``problem``: what to fix, shown while
    not ready (None while fine or still checking). ``view``: the view seen on this frame.
    """

    t: float
    ready: bool
    problem: SetupProblem | None
    fine_s: float
    view: str | None = None

    @property
    def message(self) -> str | None:
        return self.problem.message if self.problem is not None else None


class SetupCheck:
    """Watch the camera set-up frame by frame; see the module docstring."""

    def __init__(
        self,
        views: Sequence[str] | None = None,
        *,
        min_visibility: float = 0.5,
        ready_after_s: float = 1.0,
        show_after_s: float = 0.3,
        recheck_after_s: float = 2.0,
        edge_margin: float = EDGE_MARGIN,
        dark_visibility: float = DARK_VISIBILITY,
        min_extent: float = MIN_EXTENT,
    ):
        self.views = list(views) if views else None
        self.min_visibility = min_visibility
        self.ready_after_s = ready_after_s
        self.show_after_s = show_after_s
        self.recheck_after_s = recheck_after_s
        self.edge_margin = edge_margin
        self.dark_visibility = dark_visibility
        self.min_extent = min_extent
        self.ready = False
        self._fine_since: float | None = None
        self._candidate: SetupProblem | None = None
        self._candidate_since = math.nan
        self._shown: SetupProblem | None = None
        self._view = ViewTracker()

    @classmethod
    def for_spec(cls, spec, **kwargs) -> SetupCheck:
        """The check for an exercise spec: its camera views and its visibility threshold."""
        kwargs.setdefault("min_visibility", spec.min_visibility)
        return cls(spec.views, **kwargs)

    # -- one frame, no memory -----------------------------------------------------------------

    def _inside(self, frame: PoseFrame, idx: list[int] | np.ndarray) -> np.ndarray:
        w, h = frame.image_size
        xy = frame.image_xy[idx]
        mx, my = self.edge_margin * w, self.edge_margin * h
        with np.errstate(invalid="ignore"):
            return (xy[:, 0] >= mx) & (xy[:, 0] <= w - mx) & (xy[:, 1] >= my) & (xy[:, 1] <= h - my)

    def _seen(self, frame: PoseFrame, idx: list[int]) -> np.ndarray:
        vis = np.nan_to_num(frame.visibility[idx], nan=0.0)
        return (vis >= self.min_visibility) & self._inside(frame, idx)

    def view_request(self) -> str:
        return VIEW_REQUESTS.get(self.views[0], "Turn to another angle") if self.views else ""

    def check(self, frame: PoseFrame, view: str | None = None) -> SetupProblem | None:
        """The most basic problem on this frame alone, or None. ``view`` is the camera view
        to judge (:meth:`update` passes the one tracked over time); by default this frame's."""
        if not frame.detected:
            return SetupProblem("no_person", MESSAGES["no_person"])
        vis = np.nan_to_num(frame.visibility, nan=0.0)
        main = [(JOINT_INDEX[a], JOINT_INDEX[b]) for a, b in _PAIRS]
        inside = self._inside(frame, [i for pair in main for i in pair]).reshape(-1, 2)
        best = [max(vis[a] if ok_a else 0.0, vis[b] if ok_b else 0.0) for (a, b), (ok_a, ok_b) in zip(main, inside)]
        framed = [v for v, ok in zip(best, inside.any(axis=1)) if ok]
        if framed and float(np.mean(framed)) < self.dark_visibility:
            return SetupProblem("too_dark", MESSAGES["too_dark"])
        feet_ok = any(
            self._seen(frame, [ankle])[0] and self._inside(frame, toes).all() for ankle, toes in _FEET.values()
        )
        head_ok = bool(self._seen(frame, _HEAD).any())
        if not feet_ok or not head_ok:
            code = "body_out" if not (feet_ok or head_ok) else "feet_out" if not feet_ok else "head_out"
            return SetupProblem(code, MESSAGES[code])
        body = [i for i in _BODY + _HEAD if vis[i] >= self.min_visibility]
        if len(body) >= 2:
            w, h = frame.image_size
            xy = frame.image_xy[body]
            extent = max(float(np.ptp(xy[:, 0])) / w, float(np.ptp(xy[:, 1])) / h)
            if extent < self.min_extent:
                return SetupProblem("too_far", MESSAGES["too_far"])
        if self.views:
            view = view or view_name(facing_angle_deg(frame))
            if view is not None and view not in self.views:
                return SetupProblem("wrong_view", self.view_request())
        return None

    # -- over time ----------------------------------------------------------------------------

    def update(self, frame: PoseFrame) -> SetupStatus:
        """Feed the next frame; returns the set-up status to show and say."""
        t = frame.t
        view = self._view.update(frame)
        problem = self.check(frame, view)
        if problem is None:
            self._candidate = None
            if self._fine_since is None:
                self._fine_since = t
            if not self.ready and t - self._fine_since >= self.ready_after_s:
                self.ready, self._shown = True, None
        else:
            self._fine_since = None
            if self._candidate is None or self._candidate.code != problem.code:
                self._candidate, self._candidate_since = problem, t
            wait = self.recheck_after_s if self.ready else self.show_after_s
            if t - self._candidate_since >= wait:
                self.ready, self._shown = False, problem
        fine_s = 0.0 if self._fine_since is None else t - self._fine_since
        return SetupStatus(t, self.ready, None if self.ready else self._shown, fine_s, view)
