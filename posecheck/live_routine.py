"""A routine coached live: the :class:`~posecheck.coach.RoutineCoach` on the live loop of :mod:`posecheck.live`.

:class:`RoutineRunner` is the loop's :class:`~posecheck.live.Runner` for a routine. On each
frame it feeds the coach, then

* speaks the coach's events (announcements and safety notes first and never dropped;
  switch sides, set done, rest and "get into position" as cues; the rest countdown as
  counts) and, during a set, the counts, hold countdown, set-up help and form cues of a
  :class:`~posecheck.voice.VoiceCoach` that is switched to each set's exercise and target;
* draws the HUD: the exercise, set k of n, the big count or hold timer with progress to
  the set's target (per side), the latest announcement as a banner; during a rest the
  seconds left, big, and what comes next;
* headless, prints the events and the changes of the set's count.

``n`` in the window moves on (ends the set as it stands, or the rest). When the loop ends
before the routine does (Ctrl-C, q or Esc, the video or the camera stopped, an error), the
coach keeps what was done and the report says why it is incomplete. Like
:mod:`posecheck.live`, nothing heavy is imported at import time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from posecheck.live import (
    INTERRUPTED,
    Display,
    Ending,
    LiveOptions,
    LiveOutcome,
    StopRequest,
    _print_changes,
    run_runner,
)

if TYPE_CHECKING:
    import numpy as np

    from posecheck.coach import CoachEvent, CoachTimings, CoachView
    from posecheck.render.hud import HudContent, HudInfo
    from posecheck.routines import RoutineReport, RoutineSpec

#: The window's keys for a routine.
ROUTINE_KEY_HINT = "q / Esc: quit   n: next   f: full screen"
_NEXT_KEYS = {ord("n"), ord("N")}
#: How long an announcement stays on screen as a banner (seconds).
BANNER_S = 4.0

#: Why a routine ended early, by how the loop ended (the report's ``error``).
STOPPED = {
    "quit": "stopped from the window (q or Esc) before the routine was finished",
    "interrupted": INTERRUPTED,
    "source_ended:video": "the video ended before the routine was finished",
    "source_ended:camera": "the camera stopped sending pictures before the routine was finished",
}

#: How each kind of coach event is spoken: priority name and the speaker key (None: no key).
EVENT_VOICE: dict[str, tuple[str, str | None]] = {
    "intro": ("SAFETY", None), "announce": ("SAFETY", None), "caution": ("SAFETY", None),
    "safety": ("SAFETY", None), "tip": ("SAFETY", None), "routine_done": ("SAFETY", None),
    "position": ("CUE", "setup"), "switch_sides": ("CUE", None), "set_done": ("CUE", None),
    "time_up": ("CUE", None), "skipped": ("CUE", None), "rest": ("CUE", "rest"),
    "countdown": ("COUNT", "count"),
}
#: Events that end a set: the counts still waiting to be said are dropped before them.
SET_ENDS = {"set_done", "time_up", "skipped"}


def speak_events(speaker: Any, events: tuple[CoachEvent, ...]) -> None:
    """Queue the coach's words (see :data:`EVENT_VOICE`); the routine's last "set complete"
    is left to the routine's own closing words."""
    from posecheck.voice import Priority

    kinds = {e.kind for e in events}
    if kinds & SET_ENDS:
        speaker.clear(below=Priority.CUE)
    for event in events:
        if event.kind == "set_done" and "routine_done" in kinds:
            continue
        priority, key = EVENT_VOICE[event.kind]
        speaker.say(event.text, Priority[priority], key=key)


class RoutineRunner:
    """The live loop's runner for a routine; see the module docstring."""

    key_hint = ROUTINE_KEY_HINT

    def __init__(self, routine: RoutineSpec, options: LiveOptions, printer: Callable[[str], None],
                 timings: CoachTimings | None = None):
        from posecheck.coach import RoutineCoach

        self.coach = RoutineCoach(routine, timings, setup_check=options.setup_check)
        self.printer = printer
        self.source_kind = "video" if options.source is not None else "camera"
        self.view: CoachView | None = None
        self._set_index = -1
        self._banner: tuple[float, str] | None = None
        self._annotator = None
        self._messages: tuple[str, ...] = ()
        self._pose = None
        self._show_text: Callable | None = None
        self._held_printed: dict[int, dict[str, int]] = {}

    @property
    def finished(self) -> bool:
        return self.coach.finished

    def start(self, speaker: Any) -> None:
        from posecheck.voice import VoiceCoach

        self.speaker = speaker
        first = self.coach.specs[self.coach.plan[0].exercise]
        self.voice = VoiceCoach(speaker, first)

    def step(self, pose: Any) -> None:
        view = self.coach.update(pose)
        self.view, self._pose = view, pose
        if view.state is not None and view.index != self._set_index:
            self._new_set(view)
        self._messages = self._annotator.feed.update(view.state) if view.state is not None else ()
        if view.state is not None:
            self.voice.update(view.state, self._messages, view.setup)
        speak_events(self.speaker, view.events)
        shown = [e for e in view.events if e.kind != "countdown"]
        if shown:
            first = [e for e in shown if e.kind == "announce"] or [e for e in shown if e.kind in SET_ENDS] or shown[-1:]
            self._banner = (view.t, first[0].text)

    def _new_set(self, view: CoachView) -> None:
        """A set begins: the voice, the form messages and the printed counts start afresh."""
        from posecheck.render.annotate import Annotator

        self._set_index = view.index
        self._annotator = Annotator(view.spec)
        self.voice.begin(view.spec, view.dosage)
        self._show_text = _print_changes(self.printer, view.spec)

    def _banner_text(self) -> str | None:
        if self._banner is None or self.view is None or self.view.t - self._banner[0] > BANNER_S:
            return None
        return self._banner[1]

    def overlay(self, image: np.ndarray, mirror: bool, key_hint: str | None) -> np.ndarray:
        state = self.view.state
        return self._annotator.draw_content(image, self._pose, self.hud(key_hint), state, mirror=mirror)

    def hud(self, key_hint: str | None = None) -> HudContent:
        """What the HUD shows now: the set's count or timer, the rest countdown, or the closing tally."""
        from posecheck.render.hud import HudInfo, hud_content, rest_content

        view = self.view
        planned = view.planned
        item = self.coach.routine.items[planned.item] if planned is not None else None
        info = HudInfo(
            setup=view.setup, set_index=planned.set if planned else None, sets=item.sets if item else None,
            key_hint=key_hint, banner=self._banner_text(), dosage=view.dosage,
        )
        if view.state is not None:
            return hud_content(view.spec, view.state, self._messages, info)
        if view.rest_left_s is not None:
            return rest_content(view.spec, view.rest_left_s, view.rest_total_s, info)
        return self._closing_content(info)

    def _closing_content(self, info: HudInfo) -> HudContent:
        """The HUD once the routine is over: sets done to target, big."""
        from posecheck.render.hud import HudContent

        report = self.coach.report("")
        return HudContent(
            title=self.coach.routine.title, set_text=None, big=str(report.sets_met), unit="sets done",
            target=f"/ {report.sets_planned}", progress=report.sets_met / max(1, report.sets_planned),
            target_met=report.sets_met == report.sets_planned, sides=None, status="DONE", status_kind="good",
            faults=(), setup=None, caution=None, key_hint=info.key_hint, banner=info.banner,
        )

    def print_update(self) -> None:
        view = self.view
        for event in view.events:
            self.printer(f"{event.t:6.1f} s | {event.text}")
        if view.state is not None and self._show_text is not None:
            self._show_text(view.state, self._messages, view.setup)
            self._print_held(view)

    def _print_held(self, view: CoachView) -> None:
        """A hold set's good-form seconds, each time a whole second is added (the counts print themselves)."""
        progress = view.progress
        if progress.unit != "s":
            return
        whole = {side: int(v) for side, v in progress.done.items()}
        if whole == self._held_printed.get(view.index, {k: 0 for k in whole}):
            return
        self._held_printed[view.index] = whole
        sided = len(whole) > 1
        held = ", ".join(f"{side} {n}" for side, n in whole.items()) if sided else str(next(iter(whole.values())))
        each = " each side" if sided else ""
        self.printer(f"{view.t:6.1f} s | held with good form: {held} of {progress.target:g} s{each}")

    def key(self, code: int) -> None:
        if code in _NEXT_KEYS:
            self.coach.skip()

    def report(self, source: Any, model: Any, ending: Ending) -> RoutineReport:
        if ending.how == "error":
            self.coach.stop(ending.message or "stopped by an error")
        elif ending.how != "finished":
            key = f"source_ended:{self.source_kind}" if ending.how == "source_ended" else ending.how
            self.coach.stop(STOPPED[key])
        return self.coach.report(source.path)


def run_live_routine(
    routine: RoutineSpec,
    options: LiveOptions,
    printer: Callable[[str], None] = print,
    stop: StopRequest | None = None,
    display: Display | None = None,
    speaker_factory: Callable[[], Any] | None = None,
    timings: CoachTimings | None = None,
) -> LiveOutcome:
    """Coach ``routine`` live from the camera (or a file replayed in real time) until it is
    done or the user stops; the outcome's report is a :class:`~posecheck.routines.RoutineReport`.

    Arguments as :func:`posecheck.live.run_live`; ``timings`` tune the coach (tests).
    """
    def make_runner() -> RoutineRunner:
        return RoutineRunner(routine, options, printer, timings)

    return run_runner(make_runner, options, printer, stop, display, speaker_factory)
