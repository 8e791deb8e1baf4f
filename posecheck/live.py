"""Live feedback: camera (or a file replayed in real time) → pose → session → window and voice.

One loop (:func:`run_runner`) serves every live mode: it reads frames, runs the model and
hands each pose to a :class:`Runner`, which updates its own state, speaks, and draws the
overlay or prints. :class:`ExerciseRunner` coaches one exercise (``run_live``); the routine
coach's runner lives in :mod:`posecheck.live_routine`.

``run_live`` runs one exercise. The window shows the same overlay as annotated videos plus
camera set-up help (:mod:`posecheck.setup_check`) and a key hint; ``q`` or Esc stops, ``f``
toggles full screen (to read the count from across the room). Ctrl-C stops too, but as
an interruption: the loop ends after the frame in hand, the model is closed, and the
report of what was gathered is returned marked incomplete (``complete: false``, ``error``
says why). A source that fails midway (a truncated file) raises its error with that
partial report attached as ``partial_report``. With no display it runs headless and
prints updates instead. The voice (:mod:`posecheck.voice`) announces the exercise, counts,
and speaks set-up problems and form cues; it is off when it cannot be heard.

No backlog: a reader thread (:class:`LatestFrames`) takes frames from the camera or the
replayed file as they come and the loop always works on the newest one; frames that
arrive while the model is busy are dropped and counted, as a camera would drop them.
Each frame's latency from "available" (handed over by the source) to "overlay ready" is
measured (:class:`LiveStats`; ``benchmarks/bench_live.py`` reports it).

This module imports nothing heavy at import time, so the CLI can take over Ctrl-C
(:class:`StopRequest`) before cv2, numpy and the model are loaded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import statistics
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import numpy as np

    from posecheck.core.session import FrameState
    from posecheck.io.video import Frame
    from posecheck.report import Report
    from posecheck.setup_check import SetupStatus
    from posecheck.specs.schema import ExerciseSpec

#: The ``error`` of a report cut short by Ctrl-C.
INTERRUPTED = "interrupted by the user (Ctrl-C)"

WINDOW = "posecheck"
_STOP_KEYS = {ord("q"), ord("Q"), 27}
_FULLSCREEN_KEYS = {ord("f"), ord("F")}
KEY_HINT = "q / Esc: quit   f: full screen"


@dataclass(frozen=True)
class LiveOptions:
    """Where frames come from and how they are shown."""

    camera: int = 0
    source: Path | None = None
    mirror: bool = False
    model: str | None = None
    headless: bool = False
    max_people: int = 2
    voice: bool | None = None  #: None: on when espeak-ng and an audio device are there
    setup_check: bool = True


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
class LiveStats:
    """Timing of a live session, per processed frame (milliseconds, ``time.perf_counter``).

    ``latency_ms``: from the moment the source handed the frame over ("available") to the
    moment its overlay was ready (before it is put on screen). ``wait_ms``: how long the
    frame waited for the loop to be free (part of the latency). ``stale``: frames taken
    although a newer one had already arrived (0: the loop always takes the newest).
    ``behind``: per frame, how many newer frames arrived while it was being processed (so
    the overlay shown is that many frames old; no backlog means this stays at 0 or 1).
    """

    latency_ms: list[float] = field(default_factory=list)
    wait_ms: list[float] = field(default_factory=list)
    behind: list[int] = field(default_factory=list)
    wall_s: float = 0.0
    source_dropped: int = 0
    reader_dropped: int = 0
    stale: int = 0

    @property
    def frames(self) -> int:
        return len(self.latency_ms)

    @property
    def dropped(self) -> int:
        return self.source_dropped + self.reader_dropped

    @property
    def fps(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    def percentile(self, q: float, values: Sequence[float] | None = None) -> float:
        """The ``q``-th percentile (linear between the nearest ranks, as numpy's default) of the latencies."""
        values = sorted(self.latency_ms if values is None else values)
        if not values:
            return float("nan")
        pos = max(0.0, min(1.0, q / 100)) * (len(values) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(values) - 1)
        return values[lo] + (values[hi] - values[lo]) * (pos - lo)

    def summary(self) -> str:
        if not self.latency_ms:
            return "no frames"
        return (
            f"latency median {statistics.median(self.latency_ms):.1f} ms, p95 {self.percentile(95):.1f} ms; "
            f"{self.fps:.1f} fps; dropped {self.dropped}"
        )


@dataclass
class LiveOutcome:
    report: Report  #: or a :class:`~posecheck.routines.RoutineReport` from the routine coach
    frames: int
    dropped: int
    interrupted: bool
    headless: bool
    stats: LiveStats = field(default_factory=LiveStats)


class LatestFrames:
    """Read a frame source on a background thread; the consumer always gets the newest frame.

    ``with LatestFrames(source) as latest: for frame, available_at in latest: ...``. A frame
    that arrives before the consumer took the previous one replaces it (``dropped`` counts
    those), so a slow consumer never works through a backlog. ``available_at`` is the
    ``clock()`` time the frame was handed over. An error raised by the source (a truncated
    file) reaches the consumer after the frames read before it.
    """

    def __init__(self, source: Iterable[Frame], clock: Callable[[], float] = time.perf_counter):
        self._source = source
        self._clock = clock
        self._cond = threading.Condition()
        self._slot: tuple[Frame, float] | None = None
        self._done = False
        self._error: BaseException | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="posecheck-capture", daemon=True)
        self.dropped = 0
        self.read = 0
        self.last_index = -1  #: index of the newest frame read so far
        self.stale = 0  #: frames handed out that were not the newest read (a self-check: always 0)

    def _read(self) -> None:
        try:
            for frame in self._source:
                if self._stop.is_set():
                    break
                with self._cond:
                    if self._slot is not None:
                        self.dropped += 1
                    self._slot = (frame, self._clock())
                    self.read += 1
                    self.last_index = frame.index
                    self._cond.notify()
        except BaseException as exc:  # handed to the consumer
            self._error = exc
        finally:
            with self._cond:
                self._done = True
                self._cond.notify()

    def __enter__(self) -> LatestFrames:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)

    def newer_waiting(self) -> bool:
        """True when a frame newer than the one last handed out is waiting."""
        with self._cond:
            return self._slot is not None

    def __iter__(self) -> Iterator[tuple[Frame, float]]:
        while True:
            with self._cond:
                while self._slot is None and not self._done:
                    self._cond.wait(0.1)
                if self._slot is None:
                    if self._error is not None:
                        raise self._error
                    return
                item, self._slot = self._slot, None
                if item[0].index != self.last_index:
                    self.stale += 1
            yield item


def display_available() -> bool:
    """True when a window can be opened (an X or Wayland display is set)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _print_changes(
    printer: Callable[[str], None], spec: ExerciseSpec
) -> Callable[[FrameState, Sequence[str], SetupStatus | None], None]:
    """Headless feedback: one line whenever the count, the position, the set-up or the messages change."""
    last: dict[str, object] = {}

    def show(state: FrameState, messages: Sequence[str], setup: SetupStatus | None) -> None:
        setup_msg = setup.message if setup is not None and not setup.ready else None
        key = {"reps": state.reps, "in": state.in_position, "msg": tuple(messages), "det": state.detected,
               "setup": setup_msg}
        if key != last:
            parts = [f"{state.t:6.1f} s", f"reps {state.reps}"]
            if state.in_position or state.hold_s:
                parts.append(f"hold {state.hold_s:.1f} s")
            if not state.detected:
                parts.append("no person")
            if setup_msg:
                parts.append(f"set-up: {setup_msg}")
            parts += list(messages)
            printer(" | ".join(parts))
            last.clear()
            last.update(key)

    return show


def _quiet_opencv() -> Callable[[], None]:
    """Load OpenCV and silence its own log lines (``[ERROR:0@...] Camera index out of range``);
    returns the undo.

    OpenCV is loaded here, before anything loads PyAV: with PyAV's FFmpeg loaded first,
    opening the OpenCV window hangs. posecheck reports a missing camera as one line of its
    own. ``POSECHECK_DEBUG=1`` keeps OpenCV's lines.
    """
    import cv2

    if os.environ.get("POSECHECK_DEBUG"):
        return lambda: None
    try:
        logging = cv2.utils.logging
        previous = logging.getLogLevel()
        logging.setLogLevel(logging.LOG_LEVEL_SILENT)
    except (ImportError, AttributeError):  # an OpenCV build without the logging module
        return lambda: None
    return lambda: logging.setLogLevel(previous)


#: Shows one finished overlay; returns True to stop (in place of the window, e.g. for benchmarks).
Display = Callable[["np.ndarray"], bool]


@dataclass(frozen=True)
class Ending:
    """How a live session ended: ``finished`` (the runner was done), ``source_ended``, ``quit``
    (q or Esc, or the display said stop), ``interrupted`` (Ctrl-C) or ``error`` (``message``)."""

    how: str
    message: str | None = None


class Runner(Protocol):
    """What the live loop drives on every frame: one exercise (:class:`ExerciseRunner`) or a
    routine coach (:class:`posecheck.live_routine.RoutineRunner`).

    The loop builds the runner before the source is opened (so a report can always be made),
    calls :meth:`start` once the voice and the model are ready, then per frame :meth:`step`
    and either :meth:`overlay` (a window or display) or :meth:`print_update` (headless).
    """

    key_hint: str  #: the keys the window offers

    def start(self, speaker: Any) -> None: ...

    def step(self, pose: Any) -> None: ...

    def overlay(self, image: np.ndarray, mirror: bool, key_hint: str | None) -> np.ndarray: ...

    def print_update(self) -> None: ...

    def key(self, code: int) -> None: ...

    @property
    def finished(self) -> bool: ...

    def report(self, source: Any, model: Any, ending: Ending) -> Any: ...


class ExerciseRunner:
    """One exercise live: analysis, camera set-up check, voice coach, overlay, printed updates."""

    key_hint = KEY_HINT
    finished = False

    def __init__(self, spec: ExerciseSpec, options: LiveOptions, printer: Callable[[str], None]):
        from posecheck.analyze import Analysis
        from posecheck.setup_check import SetupCheck

        self.spec = spec
        self.analysis = Analysis(spec)
        self.setup_check = SetupCheck.for_spec(spec) if options.setup_check else None
        self._show_text = _print_changes(printer, spec)
        self._last: tuple = ()

    def start(self, speaker: Any) -> None:
        from posecheck.render.annotate import Annotator
        from posecheck.voice import VoiceCoach

        self.annotator = Annotator(self.spec)
        self.coach = VoiceCoach(speaker, self.spec)
        self.coach.start()

    def step(self, pose: Any) -> None:
        state = self.analysis.update(pose)
        setup = self.setup_check.update(pose) if self.setup_check is not None else None
        messages = self.annotator.feed.update(state)
        self.coach.update(state, messages, setup)
        self._last = (pose, state, setup, messages)

    def overlay(self, image: np.ndarray, mirror: bool, key_hint: str | None) -> np.ndarray:
        from posecheck.render.hud import HudInfo

        pose, state, setup, messages = self._last
        info = HudInfo(setup=setup, key_hint=key_hint)
        return self.annotator.draw(image, pose, state, mirror=mirror, info=info, faults=messages)

    def print_update(self) -> None:
        _, state, setup, messages = self._last
        self._show_text(state, messages, setup)

    def key(self, code: int) -> None:
        """No keys beyond quit and full screen."""

    def report(self, source: Any, model: Any, ending: Ending) -> Report:
        error = INTERRUPTED if ending.how == "interrupted" else ending.message if ending.how == "error" else None
        return self.analysis.report(source, model, error)


def run_live(
    spec: ExerciseSpec,
    options: LiveOptions,
    printer: Callable[[str], None] = print,
    stop: StopRequest | None = None,
    display: Display | None = None,
    speaker_factory: Callable[[], Any] | None = None,
) -> LiveOutcome:
    """Run live feedback until the source ends or the user stops it.

    Pass a :class:`StopRequest` that is already active to cover the caller's own start-up;
    otherwise one is set up here. Raises :mod:`posecheck.errors` exceptions; those raised
    after the source was opened carry the report gathered so far as ``partial_report``.
    ``display`` replaces the window: it gets every finished overlay (nothing is printed
    for it). ``speaker_factory`` replaces the espeak-ng voice (tests).
    """
    return run_runner(lambda: ExerciseRunner(spec, options, printer), options, printer, stop, display, speaker_factory)


def run_runner(
    make_runner: Callable[[], Runner],
    options: LiveOptions,
    printer: Callable[[str], None] = print,
    stop: StopRequest | None = None,
    display: Display | None = None,
    speaker_factory: Callable[[], Any] | None = None,
) -> LiveOutcome:
    """The live loop around any :class:`Runner` (see :func:`run_live` for the arguments).

    ``make_runner`` builds it once OpenCV is loaded (see :func:`_quiet_opencv`)."""
    own_stop = stop is None
    stop = stop or StopRequest()
    with stop if own_stop else contextlib.nullcontext():
        restore_logs = _quiet_opencv()
        try:
            return _run(make_runner(), options, printer, stop, display, speaker_factory)
        finally:
            restore_logs()


class _Window:
    """The OpenCV window: resizable (the picture scales with it), ``f`` for full screen.

    It opens at 1.5 times a small picture's size (640x480 becomes 960x720), so the count
    can be read from a few metres without going full screen. Other keys go to ``on_key``.
    """

    def __init__(self, on_key: Callable[[int], None] | None = None) -> None:
        import cv2

        self._cv2 = cv2
        self._full = False
        self._sized = False
        self._on_key = on_key
        cv2.namedWindow(WINDOW, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)

    def show(self, image: np.ndarray) -> bool:
        cv2 = self._cv2
        if not self._sized:
            h, w = image.shape[:2]
            zoom = 1.5 if h <= 480 else 1.0
            cv2.resizeWindow(WINDOW, int(w * zoom), int(h * zoom))
            self._sized = True
        cv2.imshow(WINDOW, image)
        key = cv2.waitKey(1) & 0xFF
        if key in _FULLSCREEN_KEYS:
            self._full = not self._full
            mode = cv2.WINDOW_FULLSCREEN if self._full else cv2.WINDOW_NORMAL
            cv2.setWindowProperty(WINDOW, cv2.WND_PROP_FULLSCREEN, mode)
        elif key != 0xFF and key not in _STOP_KEYS and self._on_key is not None:
            self._on_key(key)
        return key in _STOP_KEYS

    def close(self) -> None:
        self._cv2.destroyAllWindows()


def _run(
    runner: Runner,
    options: LiveOptions,
    printer: Callable[[str], None],
    stop: StopRequest,
    display: Display | None,
    speaker_factory: Callable[[], Any] | None,
) -> LiveOutcome:
    from posecheck.errors import PosecheckError
    from posecheck.io.video import CameraSource, RealTimeSource, VideoSource
    from posecheck.pose.estimator import EstimatorOptions, PoseEstimator
    from posecheck.pose.models import resolve_model
    from posecheck.report import SourceInfo
    from posecheck.voice import open_speaker

    headless = display is None and (options.headless or not display_available())
    if headless and not options.headless:
        printer("no display found: running headless, printing updates instead of a window")
    model = resolve_model(options.model)
    source = RealTimeSource(VideoSource(options.source)) if options.source else CameraSource(options.camera)
    stats = LiveStats()
    frames = 0
    ending = Ending("source_ended")

    def report(end: Ending) -> Any:
        info = source.info
        src = SourceInfo(info.path, info.fps, info.frame_count, frames, info.width, info.height)
        return runner.report(src, model, end)

    with source:
        if not stop.requested:
            speaker = speaker_factory() if speaker_factory is not None else open_speaker(options.voice, printer)
            estimator_options = EstimatorOptions(model=str(model.path), max_people=options.max_people)
            with speaker, PoseEstimator(estimator_options) as estimator:
                runner.start(speaker)
                window = None if headless or display is not None else _Window(runner.key)
                show = display or (window.show if window is not None else None)
                hint = runner.key_hint if window is not None else None
                latest = LatestFrames(source)
                started = time.perf_counter()
                try:
                    with latest:
                        for frame, available in () if stop.requested else latest:
                            taken = time.perf_counter()
                            read_at_take = latest.read
                            runner.step(estimator.process(frame.image, frame.t))
                            frames += 1
                            if not speaker.background:  # a speaker without its own thread speaks from here
                                speaker.update()
                            quit_now = False
                            if show is not None:
                                image = runner.overlay(frame.image, options.mirror, hint)
                                stats.latency_ms.append((time.perf_counter() - available) * 1000)
                                quit_now = show(image)
                            else:
                                stats.latency_ms.append((time.perf_counter() - available) * 1000)
                                runner.print_update()
                            stats.wait_ms.append((taken - available) * 1000)
                            stats.behind.append(latest.read - read_at_take)
                            if quit_now or stop.requested or runner.finished:
                                ending = Ending("quit" if quit_now else "finished")
                                break
                except KeyboardInterrupt:  # a second Ctrl-C, or no handler could be installed
                    stop.requested = True
                except PosecheckError as exc:
                    exc.partial_report = report(Ending("error", str(exc)))  # type: ignore[attr-defined]
                    raise
                finally:
                    stats.wall_s = time.perf_counter() - started
                    stats.reader_dropped = latest.dropped
                    stats.stale = latest.stale
                    stats.source_dropped = getattr(source, "dropped", 0)
                    if window is not None:
                        window.close()
                    if stop.requested:
                        speaker.close(drain_s=0.0)
        outcome = report(Ending("interrupted") if stop.requested else ending)
    return LiveOutcome(outcome, frames, stats.dropped, stop.requested, headless, stats)
