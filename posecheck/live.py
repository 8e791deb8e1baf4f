"""Live feedback: camera (or a file replayed in real time) → pose → session → window.

``run_live`` owns the loop. The window shows the same overlay as annotated videos;
``q`` or Esc stops. Ctrl-C stops too, but as an interruption: the loop ends after the
frame in hand, the model is closed, and the report of what was gathered is returned
marked incomplete (``complete: false``, ``error`` says why). A source that fails midway
(a truncated file) raises its error with that partial report attached as
``partial_report``. With no display it runs headless and prints updates instead.

This module imports nothing heavy at import time, so the CLI can take over Ctrl-C
(:class:`StopRequest`) before cv2, numpy and the model are loaded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from posecheck.core.session import FrameState
    from posecheck.report import Report
    from posecheck.specs.schema import ExerciseSpec

#: The ``error`` of a report cut short by Ctrl-C.
INTERRUPTED = "interrupted by the user (Ctrl-C)"

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


class StopRequest:
    """Ctrl-C as a request to stop, honoured between frames instead of wherever it lands.

    Inside the ``with`` block the first Ctrl-C only sets :attr:`requested`: a
    ``KeyboardInterrupt`` raised in the middle of loading or closing the native model
    could leave it half-built and hang the process on exit. ``run_live`` checks the flag
    after every frame and before loading the model. A second Ctrl-C raises
    ``KeyboardInterrupt`` as usual (for when something really is stuck). Outside the
    main thread, where signal handlers cannot be set, it does nothing.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous = None
        self._installed = False

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.getsignal(signal.SIGINT)
            signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous if self._previous is not None else signal.SIG_DFL)
            self._installed = False


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


def _print_changes(printer: Callable[[str], None], spec: ExerciseSpec) -> Callable[[FrameState], None]:
    """Headless feedback: one line whenever the count, the position or the messages change."""
    from posecheck.render.messages import cue_messages

    last: dict[str, object] = {}

    def show(state: FrameState) -> None:
        messages = cue_messages(spec, state)
        key = {"reps": state.reps, "in": state.in_position, "msg": messages, "det": state.detected}
        if key != last:
            parts = [f"{state.t:6.1f} s", f"reps {state.reps}"]
            if state.in_position or state.hold_s:
                parts.append(f"hold {state.hold_s:.1f} s")
            if not state.detected:
                parts.append("no person")
            parts += list(messages)
            printer(" | ".join(parts))
            last.clear()
            last.update(key)

    return show


def _quiet_opencv() -> Callable[[], None]:
    """Silence OpenCV's own log lines (``[ERROR:0@...] Camera index out of range``); returns the undo.

    posecheck reports a missing camera as one line of its own. ``POSECHECK_DEBUG=1`` keeps them.
    """
    if os.environ.get("POSECHECK_DEBUG"):
        return lambda: None
    try:
        import cv2

        logging = cv2.utils.logging
        previous = logging.getLogLevel()
        logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    except (ImportError, AttributeError):  # an OpenCV build without the logging module
        return lambda: None
    return lambda: logging.setLogLevel(previous)


def run_live(
    spec: ExerciseSpec,
    options: LiveOptions,
    printer: Callable[[str], None] = print,
    stop: StopRequest | None = None,
) -> LiveOutcome:
    """Run live feedback until the source ends or the user stops it.

    Pass a :class:`StopRequest` that is already active to cover the caller's own start-up;
    otherwise one is set up here. Raises :mod:`posecheck.errors` exceptions; those raised
    after the source was opened carry the report gathered so far as ``partial_report``.
    """
    own_stop = stop is None
    stop = stop or StopRequest()
    with stop if own_stop else contextlib.nullcontext():
        restore_logs = _quiet_opencv()
        try:
            return _run(spec, options, printer, stop)
        finally:
            restore_logs()


def _run(spec: ExerciseSpec, options: LiveOptions, printer: Callable[[str], None], stop: StopRequest) -> LiveOutcome:
    import cv2

    from posecheck.analyze import Analysis, analyze_frames
    from posecheck.errors import PosecheckError
    from posecheck.io.video import CameraSource, RealTimeSource, VideoSource
    from posecheck.pose.estimator import EstimatorOptions, PoseEstimator
    from posecheck.pose.models import resolve_model
    from posecheck.render.annotate import Annotator
    from posecheck.report import Report, SourceInfo

    headless = options.headless or not display_available()
    if headless and not options.headless:
        printer("no display found: running headless, printing updates instead of a window")
    model = resolve_model(options.model)
    source = RealTimeSource(VideoSource(options.source)) if options.source else CameraSource(options.camera)
    session = Analysis(spec)
    frames = 0

    def report(error: str | None) -> Report:
        info = source.info
        src = SourceInfo(info.path, info.fps, info.frame_count, frames, info.width, info.height)
        return session.report(src, model, error)

    with source:
        if not stop.requested:
            annotator = Annotator(spec)
            show_text = _print_changes(printer, spec)
            with PoseEstimator(EstimatorOptions(model=str(model.path), max_people=options.max_people)) as estimator:
                try:
                    frame_stream = () if stop.requested else analyze_frames(source, estimator, session)
                    for frame, pose, state in frame_stream:
                        frames += 1
                        if headless:
                            show_text(state)
                        else:
                            cv2.imshow(WINDOW, annotator.draw(frame.image, pose, state, mirror=options.mirror))
                            if cv2.waitKey(1) & 0xFF in _STOP_KEYS:
                                break
                        if stop.requested:
                            break
                except KeyboardInterrupt:  # a second Ctrl-C, or no handler could be installed
                    stop.requested = True
                except PosecheckError as exc:
                    exc.partial_report = report(str(exc))  # type: ignore[attr-defined]
                    raise
                finally:
                    if not headless:
                        cv2.destroyAllWindows()
        outcome = report(INTERRUPTED if stop.requested else None)
    return LiveOutcome(outcome, frames, getattr(source, "dropped", 0), stop.requested, headless)
