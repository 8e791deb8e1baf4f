"""Offline voice: counts, hold countdowns, announcements, set-up help and form cues, spoken by espeak-ng.

Three layers, each usable on its own:

* an **engine** says one text at a time and reports whether it is still talking
  (:class:`EspeakEngine` runs the ``espeak-ng`` command-line program, one process per
  utterance; tests use a fake);
* a :class:`Speaker` decides *what* to say next and *when*: a priority queue (safety before
  form cues before counts), one utterance at a time, a short gap between utterances, stale
  messages dropped and repeats held back;
* a :class:`VoiceCoach` turns the live state of a session into words: it announces the
  exercise and its target, counts reps, counts down the end of a hold or a rest, relays
  camera set-up problems and form cues.

**How a Speaker runs.** ``Speaker`` is a ``with``-block. ``say(text, priority)`` only
queues (it never blocks and never talks over the current utterance); ``update(now)`` starts
the next utterance when the engine is quiet. Call ``update`` yourself (tests do, with a
fake clock) or pass ``background=True`` and a daemon thread calls it every
:data:`TICK_S` (the live view does, so starting a process never delays a frame). Leaving
the block stops the thread, lets the utterance in progress finish (up to ``drain_s``) and
then silences the engine.

Only the standard library is imported here: no cv2, no numpy, no mediapipe.
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from posecheck.core.session import FrameState
    from posecheck.setup_check import SetupStatus
    from posecheck.specs.schema import Dosage, ExerciseSpec

#: How often the background thread of a Speaker looks for something to say.
TICK_S = 0.05
#: Words per minute: a little slower than espeak-ng's default (175) to be understood across a room.
DEFAULT_RATE_WPM = 160


class Priority(IntEnum):
    """What is said first when several messages wait: higher values go first."""

    COUNT = 1  #: rep counts, countdowns, rest timer ticks
    CUE = 2  #: form cues and camera set-up guidance
    SAFETY = 3  #: safety notes, the "advised against" warning, and the announcement they belong to


@dataclass(frozen=True)
class Policy:
    """How long a waiting message stays worth saying, and how soon the same words may come again."""

    max_wait_s: float  #: dropped when not started within this time (inf: never dropped)
    repeat_after_s: float  #: the same text is not said again sooner than this


#: Defaults per priority: a count is useless a second late; a cue can wait a little; safety always waits.
POLICIES: dict[Priority, Policy] = {
    Priority.COUNT: Policy(max_wait_s=1.5, repeat_after_s=1.5),
    Priority.CUE: Policy(max_wait_s=4.0, repeat_after_s=8.0),
    Priority.SAFETY: Policy(max_wait_s=math.inf, repeat_after_s=60.0),
}


class Engine(Protocol):
    """Says one text at a time."""

    def start(self, text: str) -> None:
        """Begin saying ``text`` and return at once."""

    def busy(self) -> bool:
        """True while the last text is still being said."""

    def close(self) -> None:
        """Stop talking and release resources."""


# -- espeak-ng ---------------------------------------------------------------------------------


def find_espeak() -> str | None:
    """Path of the ``espeak-ng`` program, or None when it is not installed."""
    return shutil.which("espeak-ng")


def audio_output_available(
    snd_dir: str | os.PathLike[str] = "/dev/snd", env: Mapping[str, str] | None = None, platform: str | None = None
) -> bool:
    """Whether this machine has somewhere to play sound.

    Linux: an ALSA playback device (``/dev/snd/pcm*p``) or a PulseAudio / PipeWire server
    (``$PULSE_SERVER`` or its socket under ``$XDG_RUNTIME_DIR``). macOS and Windows always
    have an output device. Containers and CI machines usually have none.
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform == "darwin" or platform.startswith("win"):
        return True
    if env.get("PULSE_SERVER"):
        return True
    runtime = env.get("XDG_RUNTIME_DIR")
    if runtime:
        run = Path(runtime)
        if (run / "pulse" / "native").exists() or any(run.glob("pipewire-[0-9]*")):
            return True
    try:
        return any(p.name.startswith("pcm") and p.name.endswith("p") for p in Path(snd_dir).iterdir())
    except OSError:
        return False


def voice_unavailable_reason() -> str | None:
    """Why speech cannot be heard here (one short clause), or None when it can."""
    if find_espeak() is None:
        return "espeak-ng is not installed (Debian/Ubuntu: apt-get install espeak-ng)"
    if not audio_output_available():
        return "no audio output device found"
    return None


def espeak_args(executable: str, rate_wpm: int = DEFAULT_RATE_WPM, voice: str | None = None) -> list[str]:
    """The command line for one utterance; the text itself goes to standard input."""
    args = [executable, "-s", str(int(rate_wpm))]
    if voice:
        args += ["-v", voice]
    return args


class EspeakEngine:
    """One ``espeak-ng`` process per utterance, playing through the default audio device."""

    def __init__(self, executable: str | None = None, rate_wpm: int = DEFAULT_RATE_WPM, voice: str | None = None):
        found = executable or find_espeak()
        if found is None:
            raise FileNotFoundError("espeak-ng is not installed")
        self.args = espeak_args(found, rate_wpm, voice)
        self._proc: subprocess.Popen | None = None

    def start(self, text: str) -> None:
        self._proc = subprocess.Popen(
            self.args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        assert self._proc.stdin is not None
        try:  # a short text fits in the pipe buffer: this never blocks
            self._proc.stdin.write(text.encode("utf-8"))
            self._proc.stdin.close()
        except OSError:  # the program died at once; busy() will say it is quiet
            pass

    def busy(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def render_wav(
    text: str, path: str | os.PathLike[str], rate_wpm: int = DEFAULT_RATE_WPM, voice: str | None = None,
    executable: str | None = None,
) -> Path:
    """Write ``text`` spoken by espeak-ng to a WAV file instead of the speakers (tests, previews)."""
    found = executable or find_espeak()
    if found is None:
        raise FileNotFoundError("espeak-ng is not installed")
    path = Path(path)
    subprocess.run(
        espeak_args(found, rate_wpm, voice) + ["-w", str(path)],
        input=text.encode("utf-8"), check=True, timeout=60,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    return path


# -- the queue ---------------------------------------------------------------------------------


@dataclass(order=True)
class _Waiting:
    sort_key: tuple[int, int]  # (-priority, arrival order): heapq pops the most urgent, oldest first
    text: str = field(compare=False)
    priority: Priority = field(compare=False)
    queued_at: float = field(compare=False)
    expires_at: float = field(compare=False)
    key: str | None = field(compare=False, default=None)
    cancelled: bool = field(compare=False, default=False)


@dataclass(frozen=True)
class Spoken:
    """One utterance the speaker started: what, how urgent, when."""

    text: str
    priority: Priority
    at: float


class Speaker:
    """A polite voice: one utterance at a time, most urgent first, nothing stale, no nagging.

    Rules, in order, each time :meth:`update` runs:

    1. while the engine is talking nothing new starts (it never talks over itself), and
       after it stops there is a pause of ``gap_s``;
    2. messages that waited longer than their priority's ``max_wait_s`` are dropped;
    3. the most urgent waiting message starts (safety > form cue > count), the oldest first
       within one priority.

    :meth:`say` refuses (returns False) a text that is already waiting or was said less
    than ``repeat_after_s`` ago, so a fault that lasts does not become a nag. A message
    with a ``key`` replaces the one waiting under the same key (only the latest count is
    worth saying). At most ``max_waiting`` messages wait; beyond that the least urgent,
    newest one is dropped.
    """

    def __init__(
        self,
        engine: Engine | None,
        clock: Callable[[], float] = time.monotonic,
        *,
        gap_s: float = 0.3,
        policies: Mapping[Priority, Policy] | None = None,
        max_waiting: int = 8,
        background: bool = False,
        drain_s: float = 3.0,
    ):
        self.engine = engine
        self.clock = clock
        self.gap_s = gap_s
        self.policies = dict(POLICIES if policies is None else policies)
        self.max_waiting = max_waiting
        self.background = background
        self.drain_s = drain_s
        #: Everything started so far, in order (for tests and the session log).
        self.spoken: list[Spoken] = []
        self._heap: list[_Waiting] = []
        self._order = itertools.count()
        self._last_said: dict[str, float] = {}
        self._talking = False
        self._quiet_since = -math.inf
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.engine is not None

    # -- queueing ---------------------------------------------------------------------------

    def say(self, text: str, priority: Priority = Priority.CUE, *, key: str | None = None) -> bool:
        """Queue ``text``; True when it was queued (it may still be dropped if it waits too long)."""
        text = " ".join(text.split())
        if not text or self.engine is None:
            return False
        priority = Priority(priority)
        policy = self.policies[priority]
        with self._lock:
            now = self.clock()
            said = self._last_said.get(text)
            if said is not None and now - said < policy.repeat_after_s:
                return False
            live = [w for w in self._heap if not w.cancelled]
            if any(w.text == text for w in live):
                return False
            if key is not None:
                for w in live:
                    if w.key == key:
                        w.cancelled = True
            item = _Waiting((-int(priority), next(self._order)), text, priority, now, now + policy.max_wait_s, key)
            heapq.heappush(self._heap, item)
            self._trim()
            return not item.cancelled

    def _trim(self) -> None:
        live = [w for w in self._heap if not w.cancelled]
        for w in sorted(live, reverse=True)[: max(0, len(live) - self.max_waiting)]:
            w.cancelled = True  # the least urgent, newest first
        if len(self._heap) > 4 * self.max_waiting:  # forget the cancelled ones for good
            self._heap = [w for w in self._heap if not w.cancelled]
            heapq.heapify(self._heap)

    def waiting(self) -> list[str]:
        """Texts waiting to be said, in the order they would be said (stale ones included)."""
        with self._lock:
            return [w.text for w in sorted(self._heap) if not w.cancelled]

    def clear(self, below: Priority | None = None) -> None:
        """Forget waiting messages (all, or those less urgent than ``below``)."""
        with self._lock:
            for w in self._heap:
                if below is None or w.priority < below:
                    w.cancelled = True

    # -- speaking ---------------------------------------------------------------------------

    def update(self, now: float | None = None) -> str | None:
        """Start the next utterance if it is time; returns its text, or None."""
        if self.engine is None:
            return None
        with self._lock:
            now = self.clock() if now is None else now
            if self._talking:
                if self.engine.busy():
                    return None
                self._talking = False
                self._quiet_since = now
            if now - self._quiet_since < self.gap_s:
                return None
            while self._heap:
                item = heapq.heappop(self._heap)
                if item.cancelled or now > item.expires_at:
                    continue
                try:
                    self.engine.start(item.text)
                except OSError:  # the program vanished mid-session: stay quiet rather than stop the view
                    self.engine = None
                    return None
                self._talking = True
                self._last_said[item.text] = now
                self.spoken.append(Spoken(item.text, item.priority, now))
                return item.text
            return None

    def idle(self) -> bool:
        """Nothing being said and nothing waiting."""
        with self._lock:
            talking = self._talking and self.engine is not None and self.engine.busy()
            return not talking and not any(not w.cancelled for w in self._heap)

    def _run(self) -> None:
        while not self._stop.wait(TICK_S) and self.engine is not None:
            self.update()

    def __enter__(self) -> Speaker:
        if self.background and self.engine is not None:
            self._thread = threading.Thread(target=self._run, name="posecheck-voice", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self, drain_s: float | None = None) -> None:
        """Stop the thread, let the current utterance end (up to ``drain_s``), then silence the engine."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None
        engine = self.engine
        if engine is None:
            return
        deadline = time.monotonic() + (self.drain_s if drain_s is None else drain_s)
        while engine.busy() and time.monotonic() < deadline:
            time.sleep(0.02)
        engine.close()


def open_speaker(
    wanted: bool | None, notify: Callable[[str], None], *, background: bool = True,
    engine_factory: Callable[[], Engine] | None = None,
) -> Speaker:
    """The speaker for ``live --voice / --no-voice`` (``wanted`` None: on when it can be heard).

    When speech cannot be heard here it says why once through ``notify`` (one line) and
    returns a silent speaker, so the caller carries on unchanged. ``--no-voice`` is silent
    without a word.
    """
    if wanted is False:
        return Speaker(None)
    reason = voice_unavailable_reason() if engine_factory is None else None
    if reason is not None:
        notify(f"voice off: {reason}")
        return Speaker(None)
    try:
        engine = engine_factory() if engine_factory is not None else EspeakEngine()
    except (OSError, FileNotFoundError) as exc:
        notify(f"voice off: {exc}")
        return Speaker(None)
    return Speaker(engine, background=background)


# -- what to say -------------------------------------------------------------------------------

_NUMBER_WORDS = {
    0: "zero", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
    9: "nine", 10: "ten",
}


def _seconds(x: float) -> str:
    return f"{x:g} seconds" if x != 1 else "1 second"


def target_text(spec: ExerciseSpec, dosage: Dosage | None = None) -> str:
    """The target in words: '8 to 12 reps', 'hold 10 to 20 seconds, each side', or ''.

    ``dosage``: a routine's own target instead of the spec's.
    """
    d = dosage or spec.dosage
    parts = []
    if d.reps is not None:
        low, high = d.reps
        unit = "cycles" if spec.mode == "sequence" else "reps"
        parts.append(f"{low} {unit}" if low == high else f"{low} to {high} {unit}")
    if d.hold_s is not None:
        low, high = d.hold_s
        parts.append(f"hold {low:g} seconds" if low == high else f"hold {low:g} to {high:g} seconds")
    text = ", ".join(parts)
    if text and d.per_side:
        text += ", each side"
    return text


def announcement(
    spec: ExerciseSpec, set_index: int | None = None, sets: int | None = None, dosage: Dosage | None = None
) -> str:
    """'Bodyweight squat. Set 1 of 3. 8 to 12 reps.'"""
    words = [spec.title.rstrip(".") + "."]
    total = sets if sets is not None else (dosage or spec.dosage).sets
    if set_index is not None:
        words.append(f"Set {set_index} of {total}." if total else f"Set {set_index}.")
    target = target_text(spec, dosage)
    if target:
        words.append(target[0].upper() + target[1:] + ".")
    return " ".join(words)


def avoid_text(spec: ExerciseSpec) -> str | None:
    """The spoken form of a spec's ``[avoid]`` note, or None."""
    if spec.avoid is None:
        return None
    alternatives = [a.replace("_", " ") for a in spec.avoid.alternatives]
    instead = alternatives[0] if len(alternatives) == 1 else ", ".join(alternatives[:-1]) + " or " + alternatives[-1]
    return f"Careful: this move is advised against for a sore back. {spec.avoid.reason} Try {instead} instead."


def count_text(count: int, side: str | None = None) -> str:
    word = _NUMBER_WORDS.get(count, str(count))
    return f"{side} {word}" if side else word


class Countdown:
    """Says each mark once as a remaining time passes it: 10 … 3, 2, 1 before the end of a hold or a rest.

    ``update(remaining_s)`` returns the mark just reached, or None. Marks are reached when
    the remaining time drops to or below them; time running backwards (a paused hold that
    lost time) re-arms the marks above it.
    """

    def __init__(self, marks: Iterable[float] = (10, 5, 3, 2, 1)):
        self.marks = sorted(set(marks), reverse=True)
        self._said: set[float] = set()

    def reset(self) -> None:
        self._said.clear()

    def update(self, remaining_s: float) -> float | None:
        if not math.isfinite(remaining_s):
            return None
        for m in list(self._said):
            if remaining_s > m + 0.5:
                self._said.discard(m)
        due = [m for m in self.marks if remaining_s <= m and m not in self._said]
        if not due:
            return None
        self._said.update(due)  # a jump past several marks says only the last one
        return min(due)


class VoiceCoach:
    """Speaks for one exercise: announcement, counts, hold countdown, set-up help, form cues.

    The live view calls :meth:`update` once per frame with the session's state, the cue
    messages showing on screen and the camera set-up status. A routine runner drives the
    same object between sets: :meth:`start` (a new exercise or set, with the routine's own
    target as a :class:`~posecheck.specs.schema.Dosage`: resets the counting and
    announces), :meth:`rest` (a rest timer: call it with the seconds left) and
    :meth:`say_done`. Targets (the "that's the target" and the hold countdown) come from
    that dosage, or from the spec's.
    """

    def __init__(self, speaker: Speaker, spec: ExerciseSpec, dosage: Dosage | None = None):
        self.speaker = speaker
        self.spec = spec
        self.dosage = dosage or spec.dosage
        self._reset()

    def _reset(self) -> None:
        self._reps = 0
        self._per_side: dict[str, int] = {}
        self._rep_seen_at: float | None = None
        self._hold_countdown = Countdown((3, 2, 1))
        self._hold_tens_said: set[int] = set()
        self._hold_target_said = False
        self._in_position = False
        self._setup_ready: bool | None = None
        self._rest_countdown = Countdown((10, 3, 2, 1))
        self._resting = False

    # -- driven by a routine runner ---------------------------------------------------------

    def begin(self, spec: ExerciseSpec | None = None, dosage: Dosage | None = None) -> None:
        """Switch to an exercise (or the next set) and forget the old counts, without a word:
        for a runner that words its own announcements (:mod:`posecheck.coach`)."""
        if spec is not None:
            self.spec = spec
            self.dosage = spec.dosage
        if dosage is not None:
            self.dosage = dosage
        self._reset()

    def start(self, spec: ExerciseSpec | None = None, set_index: int | None = None, sets: int | None = None,
              safety: bool = True, dosage: Dosage | None = None) -> None:
        """Begin an exercise (or the next set): forget the old counts and announce it.

        The announcement, the avoid warning and the safety notes go out at safety priority
        in that order (they wait for nothing and expire never).
        """
        self.begin(spec, dosage)
        self.speaker.say(announcement(self.spec, set_index, sets, self.dosage), Priority.SAFETY)
        avoid = avoid_text(self.spec)
        if avoid:
            self.speaker.say(avoid, Priority.SAFETY)
        if safety:
            for note in self.spec.safety:
                self.speaker.say(note, Priority.SAFETY)

    def rest(self, remaining_s: float, next_up: str | None = None) -> None:
        """A rest timer: 'Rest 30 seconds' when it starts, then 10, 3, 2, 1 and 'Go'."""
        if not self._resting:
            if remaining_s <= 0:
                return  # that rest is over; a new one starts with the next positive time
            self._resting = True
            self._rest_countdown.reset()
            text = f"Rest {_seconds(round(remaining_s))}."
            if next_up:
                text += f" Next: {next_up}."
            self.speaker.say(text, Priority.COUNT, key="rest")
            return
        mark = self._rest_countdown.update(remaining_s)
        if mark is not None:
            self.speaker.say(count_text(int(mark)), Priority.COUNT, key="count")
        if remaining_s <= 0:
            self._resting = False
            self.speaker.say("Go.", Priority.COUNT, key="count")

    def say_done(self, text: str = "Set complete. Well done.") -> None:
        self.speaker.say(text, Priority.COUNT, key="count")

    # -- driven by the live view ------------------------------------------------------------

    def update(self, state: FrameState, messages: Sequence[str] = (), setup: SetupStatus | None = None) -> None:
        """Speak what changed on this frame (call once per frame)."""
        if setup is not None:
            self._setup(setup)
        self._count(state)
        self._hold(state)
        for text in messages:
            if text.startswith("Last rep:"):
                continue  # said with the count of that rep
            self.speaker.say(text, Priority.CUE)

    def _setup(self, setup: SetupStatus) -> None:
        if setup.problem is not None and not setup.ready:
            self.speaker.say(setup.problem.message, Priority.CUE, key="setup")
        if setup.ready and self._setup_ready is False:
            self.speaker.say("Good, the camera can see you. Go ahead.", Priority.CUE, key="setup")
        self._setup_ready = setup.ready

    def _count(self, state: FrameState) -> None:
        if state.reps <= self._reps:
            self._reps = min(self._reps, state.reps)
            return
        self._reps = state.reps
        side = None
        if state.per_side:
            grown = [s for s, n in state.per_side.items() if n > self._per_side.get(s, 0)]
            side = grown[0] if len(grown) == 1 else None
            self._per_side = dict(state.per_side)
        n = state.per_side[side] if side else state.reps
        text = count_text(n, side)
        target = self.dosage.reps
        if target is not None and n == target[0]:
            text += ". That's the target" + (" for this side." if side else ".")
        last = state.last_rep
        failed = []
        if last is not None and last.failed and abs(state.t - last.counted_s) < 0.5:
            failed = [self.spec.cue(c).message for c in last.failed]
        if failed:
            self.speaker.say(". ".join([text] + failed), Priority.CUE, key="count")
        else:
            self.speaker.say(text, Priority.COUNT, key="count")

    def _hold(self, state: FrameState) -> None:
        if self.spec.hold is None:
            return
        if state.in_position and not self._in_position:
            self.speaker.say("Hold.", Priority.COUNT, key="count")
        self._in_position = state.in_position
        if not state.in_position:
            return
        target = self.dosage.hold_s
        held = state.hold_s
        if target is not None:
            low = target[0]
            mark = self._hold_countdown.update(low - held)
            if mark is not None:
                self.speaker.say(count_text(int(mark)), Priority.COUNT, key="count")
            if held >= low and not self._hold_target_said:
                self._hold_target_said = True
                self.speaker.say(f"{low:g} seconds. Target reached.", Priority.COUNT, key="count")
            return
        tens = int(held // 10) * 10
        if tens >= 10 and tens not in self._hold_tens_said:
            self._hold_tens_said.add(tens)
            self.speaker.say(_seconds(tens), Priority.COUNT, key="count")
