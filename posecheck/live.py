"""Live feedback: camera (or a file replayed in real time) → pose → session → window.

``run_live`` owns the loop. The window shows the same overlay as annotated videos;
``q`` or Esc stops, and so does Ctrl-C. Either way the session's report is returned so
the caller can save it. With no display it runs headless and prints updates instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from posecheck.analyze import Report, analyze_frames
from posecheck.core.session import ExerciseSession, FrameState
from posecheck.report import SourceInfo, build_report
from posecheck.specs.schema import ExerciseSpec

WINDOW = "posecheck"
_STOP_KEYS = {ord("q"), ord("Q"), 27}


@dataclass(frozen=True)
class LiveOptions:
    """Where frames come from and how they are shown."""

    camera: int = 0
    source: Path | None = None
    mirror: bool = False
    model: str | None = None
    headless: bool = False
    max_people: int = 2


@dataclass
class LiveOutcome:
    report: Report
    frames: int
    dropped: int
    interrupted: bool
    headless: bool


def display_available() -> bool:
    """True when a window can be opened (an X or Wayland display is set)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _print_changes(printer: Callable[[str], None]) -> Callable[[FrameState], None]:
    """Headless feedback: one line whenever the count, the position or the messages change."""
    last: dict[str, object] = {}

    def show(state: FrameState) -> None:
        key = {"reps": state.reps, "in": state.in_position, "msg": state.messages, "det": state.detected}
        if key != last:
            parts = [f"{state.t:6.1f} s", f"reps {state.reps}"]
            if state.in_position or state.hold_s:
                parts.append(f"hold {state.hold_s:.1f} s")
            if not state.detected:
                parts.append("no person")
            parts += list(state.messages)
            printer(" | ".join(parts))
            last.clear()
            last.update(key)

    return show


def run_live(spec: ExerciseSpec, options: LiveOptions, printer: Callable[[str], None] = print) -> LiveOutcome:
    """Run live feedback until the source ends or the user stops it."""
    import cv2

    from posecheck.io.video import CameraSource, RealTimeSource, VideoSource
    from posecheck.pose.estimator import EstimatorOptions, PoseEstimator
    from posecheck.render.annotate import Annotator

    headless = options.headless or not display_available()
    if headless and not options.headless:
        printer("no display found: running headless, printing updates instead of a window")
    source = RealTimeSource(VideoSource(options.source)) if options.source else CameraSource(options.camera)
    session = ExerciseSession(spec)
    annotator = Annotator(spec)
    show_text = _print_changes(printer)
    frames = 0
    interrupted = False
    with source, PoseEstimator(EstimatorOptions(model=options.model, max_people=options.max_people)) as estimator:
        try:
            for frame, pose, state in analyze_frames(source, estimator, session):
                frames += 1
                if headless:
                    show_text(state)
                    continue
                cv2.imshow(WINDOW, annotator.draw(frame.image, pose, state, mirror=options.mirror))
                if cv2.waitKey(1) & 0xFF in _STOP_KEYS:
                    break
        except KeyboardInterrupt:
            interrupted = True
        finally:
            if not headless:
                cv2.destroyAllWindows()
        info = source.info
        src = SourceInfo(info.path, info.fps, info.frame_count, frames, info.width, info.height)
        result = session.result()
        report = Report(build_report(result, src, estimator.model.name, estimator.model.sha256), result)
    return LiveOutcome(report, frames, getattr(source, "dropped", 0), interrupted, headless)
